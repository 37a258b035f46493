/// The region: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's `region`, as the
/// AWS SDKs and CLI look for it. An explicit value (a flag) wins over all.
package enum RegionResolver {
    package static func resolve(explicit: String? = nil, environment: Environment, profileRegion: String? = nil) throws
        -> String
    {
        let candidates: [(String?, String)] = [
            (explicit, "--region"), (environment["AWS_REGION"], "AWS_REGION"),
            (environment["AWS_DEFAULT_REGION"], "AWS_DEFAULT_REGION"), (profileRegion, "the AWS profile's region"),
        ]
        for (value, origin) in candidates {
            guard let value = value?.trimmed(newlines: false), !value.isEmpty else { continue }
            guard isValid(value) else {
                throw AWSClientError(
                    .invalidRegion,
                    "\(origin) is \"\(value)\", which is not an AWS region name: use one such as us-east-1 or eu-west-1.",
                    isConfiguration: true)
            }
            return value
        }
        throw AWSClientError(
            .noRegion,
            "No AWS region is set: pass --region, set AWS_REGION, or give your AWS profile a region.",
            isConfiguration: true)
    }

    /// Region names are lower-case words and a number joined by hyphens (`us-east-1`,
    /// `us-gov-west-1`, `ap-southeast-5`).
    package static func isValid(_ region: String) -> Bool {
        let parts = region.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let last = parts.last, last.allSatisfy(\.isNumber) else { return false }
        return parts.dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isLowercase && $0.isLetter } }
    }
}

import LambdaShiftCore
import FoundationEssentials
