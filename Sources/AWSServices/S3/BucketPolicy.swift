import LambdaShiftCore

/// Whether a bucket policy lets Lambda read the object versions a reference-mode function
/// names: code kept by reference is read by the service principal `lambda.amazonaws.com` at
/// every cold start, so the bucket policy must allow it `s3:GetObject` and `s3:GetObjectVersion`
/// on every key under the prefix (the Lambda DG's setup step), and no Deny may take either
/// away. The evaluation follows IAM's: an explicit Deny wins, then an Allow.
/// https://docs.aws.amazon.com/lambda/latest/dg/configuration-self-managed-storage.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
///
/// Conditions are evaluated only on `aws:SourceAccount` and `aws:SourceArn` (the keys AWS
/// advises for a service principal, against the confused deputy); a statement with any other
/// condition cannot be judged here, and then the verdict is `undecided` (a warning: Lambda's
/// own check decides).
package struct BucketPolicy: Sendable, Equatable {
    package enum Verdict: Sendable, Equatable {
        case granted(statement: String)
        case denied(statement: String)
        case notGranted
        case undecided(String)
    }

    /// The actions Lambda needs on each referenced object.
    static let needed = ["s3:GetObjectVersion", "s3:GetObject"]

    let statements: [[String: JSONValue]]

    /// Nil when the text is not a policy document (JSON with a Statement object or array).
    package init?(_ text: String) {
        guard let document = JSONValue.parse(Array(text.utf8))?.object else { return nil }
        switch document["Statement"] {
        case .object(let statement): statements = [statement]
        case .array(let items):
            let objects = items.compactMap(\.object)
            guard objects.count == items.count else { return nil }
            statements = objects
        default: return nil
        }
    }

    /// The verdict for Lambda reading `bucket`/`prefix`* (or, `exact`, the one key `prefix`) on
    /// behalf of `functionArn` in `account`.
    package func lambdaRead(
        bucket: String, prefix: String, exact: Bool = false, account: String, functionArn: String
    ) -> Verdict {
        let resource = "arn:aws:s3:::\(bucket)/\(prefix)"
        func reaches(_ pattern: String) -> Bool {
            exact ? Glob.matches(pattern, resource) : Glob.overlaps(pattern, prefix: resource)
        }
        func grants(_ pattern: String) -> Bool {
            exact ? Glob.matches(pattern, resource) : Glob.covers(pattern, prefix: resource)
        }
        var granted: String?
        var unsure: String?
        for (index, statement) in statements.enumerated() {
            let name = statement["Sid"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? "statement \(index + 1)"
            guard Self.namesLambda(statement) else { continue }
            let effect = statement["Effect"]?.string
            let conditions = Self.conditions(statement["Condition"], account: account, functionArn: functionArn)
            if effect == "Deny" {
                // A Deny that reaches any key under the prefix, for any of the actions.
                guard Self.actions(statement, any: Self.needed),
                    Self.values(statement["Resource"]).contains(where: reaches)
                else { continue }
                switch conditions {
                case .match: return .denied(statement: name)
                case .unknown(let key): unsure = unsure ?? "\(name) denies with a condition on \(key)"
                case .mismatch: continue
                }
            } else if effect == "Allow" {
                guard Self.actions(statement, all: Self.needed),
                    Self.values(statement["Resource"]).contains(where: grants)
                else { continue }
                switch conditions {
                case .match: granted = granted ?? name
                case .unknown(let key): unsure = unsure ?? "\(name) allows with a condition on \(key)"
                case .mismatch: continue
                }
            }
        }
        if let unsure { return .undecided(unsure) }
        return granted.map { .granted(statement: $0) } ?? .notGranted
    }

    /// The statement to add to the bucket policy, as one line of JSON: the DG's, over the key
    /// prefix (every later deploy's package too), held to the function by `aws:SourceArn`.
    package static func statementToAdd(bucket: String, prefix: String, exact: Bool = false, functionArn: String)
        -> String
    {
        JSONValue.object([
            "Sid": "LambdaReadsReferencedCode", "Effect": "Allow",
            "Principal": .object(["Service": "lambda.amazonaws.com"]),
            "Action": .array(needed.reversed().map { .string($0) }),
            "Resource": .string("arn:aws:s3:::\(bucket)/\(prefix)\(exact ? "" : "*")"),
            "Condition": .object(["ArnLike": .object(["aws:SourceArn": .string(functionArn)])]),
        ]).rendered()
    }

    // MARK: - Parts of a statement

    static func values(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let text): [text]
        case .array(let items): items.compactMap(\.string)
        default: []
        }
    }

    /// `Principal` is `*`, `{"AWS": "*"}` or names the service `lambda.amazonaws.com`.
    /// (A `NotPrincipal` statement is never taken as a grant; as a Deny it reaches Lambda
    /// unless it lists it.)
    static func namesLambda(_ statement: [String: JSONValue]) -> Bool {
        if let not = statement["NotPrincipal"] {
            return statement["Effect"]?.string == "Deny" && !values(not["Service"]).contains("lambda.amazonaws.com")
        }
        switch statement["Principal"] {
        case .string("*"): return true
        case .object(let members):
            return values(members["AWS"]).contains("*") || values(members["Service"]).contains("lambda.amazonaws.com")
        default: return false
        }
    }

    static func actions(_ statement: [String: JSONValue], all needed: [String]) -> Bool {
        let listed = values(statement["Action"])
        return needed.allSatisfy { action in listed.contains { Glob.matches($0.lowercased(), action.lowercased()) } }
    }

    static func actions(_ statement: [String: JSONValue], any needed: [String]) -> Bool {
        if statement["NotAction"] != nil {
            let excluded = values(statement["NotAction"])
            return needed.contains { action in !excluded.contains { Glob.matches($0.lowercased(), action.lowercased()) }
            }
        }
        let listed = values(statement["Action"])
        return needed.contains { action in listed.contains { Glob.matches($0.lowercased(), action.lowercased()) } }
    }

    enum ConditionResult: Equatable {
        case match, mismatch
        case unknown(String)
    }

    /// Evaluates `aws:SourceAccount` / `aws:SourceArn` under the String and Arn operators.
    static func conditions(_ value: JSONValue?, account: String, functionArn: String) -> ConditionResult {
        guard let operators = value?.object else { return .match }
        for (operation, keys) in operators {
            guard let keys = keys.object else { return .unknown(operation) }
            for (key, expected) in keys {
                let patterns = values(expected)
                let actual: [String]
                switch key.lowercased() {
                case "aws:sourceaccount": actual = [account]
                case "aws:sourcearn": actual = [functionArn]
                default: return .unknown(key)
                }
                let matched: Bool
                switch operation {
                case "StringEquals", "ArnEquals": matched = patterns.contains { actual.contains($0) }
                case "StringLike", "ArnLike":
                    matched = patterns.contains { pattern in actual.contains { Glob.matches(pattern, $0) } }
                case "StringNotEquals", "ArnNotEquals": matched = !patterns.contains { actual.contains($0) }
                case "StringNotLike", "ArnNotLike":
                    matched = !patterns.contains { pattern in actual.contains { Glob.matches(pattern, $0) } }
                default: return .unknown("\(operation) \(key)")
                }
                if !matched { return .mismatch }
            }
        }
        return .match
    }
}

/// IAM's wildcards: `*` any run of characters, `?` one character.
enum Glob {
    /// Whether `pattern` matches `text` whole.
    static func matches(_ pattern: String, _ text: String) -> Bool {
        walk(Array(pattern.unicodeScalars), Array(text.unicodeScalars), atEnd: { $0.allSatisfy { $0 == "*" } })
    }

    /// Whether `pattern` matches `prefix` followed by anything at all (every key under it).
    static func covers(_ pattern: String, prefix: String) -> Bool {
        walk(
            Array(pattern.unicodeScalars), Array(prefix.unicodeScalars),
            atEnd: { !$0.isEmpty && $0.allSatisfy { $0 == "*" } })
    }

    /// Whether `pattern` matches `prefix` followed by something (some key under it).
    static func overlaps(_ pattern: String, prefix: String) -> Bool {
        walk(Array(pattern.unicodeScalars), Array(prefix.unicodeScalars), atEnd: { _ in true })
    }

    /// Matches pattern against text; `atEnd` judges the pattern left once the text is used up.
    /// Memoised on (pattern index, text index), so it is O(pattern × text).
    private static func walk(
        _ p: [Unicode.Scalar], _ t: [Unicode.Scalar], atEnd: ([Unicode.Scalar]) -> Bool
    ) -> Bool {
        var memo = [Int: Bool]()
        func step(_ i: Int, _ j: Int) -> Bool {
            let slot = i * (t.count + 1) + j
            if let known = memo[slot] { return known }
            let result: Bool
            if j == t.count {
                result = atEnd(Array(p[i...]))
            } else if i == p.count {
                result = false
            } else if p[i] == "*" {
                result = step(i + 1, j) || step(i, j + 1)
            } else if p[i] == "?" || p[i] == t[j] {
                result = step(i + 1, j + 1)
            } else {
                result = false
            }
            memo[slot] = result
            return result
        }
        return step(0, 0)
    }
}
