/// A function as Lambda's FunctionName parameter accepts it, parsed once: a name
/// (`my-function`), a partial ARN (`123456789012:function:my-function`) or a full ARN
/// (`arn:aws:lambda:us-west-2:123456789012:function:my-function`), each optionally with a
/// `:qualifier`.
/// https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#lambda-GetFunction-request-FunctionName
package struct FunctionReference: Sendable, Equatable {
    package var name: String
    package var account: String?
    package var region: String?
    package var partition: String?
    package var qualifier: String?

    package init(
        name: String, account: String? = nil, region: String? = nil, partition: String? = nil, qualifier: String? = nil
    ) {
        self.name = name
        self.account = account
        self.region = region
        self.partition = partition
        self.qualifier = qualifier
    }

    /// Parses `text`; nil when it is none of the three forms.
    package init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func valid(_ name: String) -> Bool {
            !name.isEmpty && name.count <= 64
                && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
        func account(_ text: String) -> Bool { text.count == 12 && text.allSatisfy { $0.isASCII && $0.isNumber } }
        switch parts.count {
        case 1, 2:
            guard valid(parts[0]) else { return nil }
            self.init(name: parts[0], qualifier: parts.count == 2 ? parts[1] : nil)
        case 3, 4:
            guard account(parts[0]), parts[1] == "function", valid(parts[2]) else { return nil }
            self.init(name: parts[2], account: parts[0], qualifier: parts.count == 4 ? parts[3] : nil)
        case 7, 8:
            guard parts[0] == "arn", parts[2] == "lambda", parts[5] == "function", valid(parts[6]), account(parts[4]),
                !parts[3].isEmpty
            else { return nil }
            self.init(
                name: parts[6], account: parts[4], region: parts[3], partition: parts[1],
                qualifier: parts.count == 8 ? parts[7] : nil)
        default:
            return nil
        }
    }

    /// The function's ARN (no qualifier), with `*` for what is not known.
    package func arn(
        region fallbackRegion: String?, account fallbackAccount: String?, partition fallbackPartition: String = "aws"
    ) -> String {
        "arn:\(partition ?? fallbackPartition):lambda:\(region ?? fallbackRegion ?? "*"):\(account ?? fallbackAccount ?? "*"):function:\(name)"
    }
}
