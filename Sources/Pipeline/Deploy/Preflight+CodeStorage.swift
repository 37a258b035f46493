import AWSCore
import AWSServices
import FoundationEssentials

/// `--code-storage`: how Lambda keeps the package. By reference, Lambda reads the object
/// version from the user's bucket at every cold start, so before any change the bucket must
/// keep versions, be in the function's region, and let `lambda.amazonaws.com` read the keys.
/// https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html#lambda-UpdateFunctionCode-request-S3ObjectStorageMode
extension Preflight {
    /// The storage this deploy asks for: `--code-storage`, else what the function uses now
    /// (GetFunction names a referenced object), else copy. Reference is checked here.
    func codeStorage(_ function: FunctionConfiguration, account: String) async throws -> CodeStorage {
        let storage = plan.codeStorage ?? (function.referencedObject != nil ? .reference : .copy)
        guard storage == .reference else {
            if function.referencedObject != nil {
                report.line("code storage: copy (the function referenced its package in S3 until now)")
            }
            return .copy
        }
        guard !function.isImage else {
            throw AWSClientError(
                .invalidSetting,
                "--code-storage reference is for zip packages, and \(plan.function) is an image function: leave --code-storage out.",
                isConfiguration: true)
        }
        let bucket = plan.source.artifact?.bucket ?? plan.bucket
        // A signed package is the signed copy under --signed-prefix: that is what Lambda reads.
        let prefix = plan.source.artifact?.key ?? (plan.signingProfile != nil ? plan.signedPrefix : plan.keyPrefix)
        let exact = plan.source.artifact != nil
        guard let buckets = deps.buckets else {
            throw AWSClientError(
                .invalidSetting, "--code-storage reference needs S3's bucket calls, which this run has none of.",
                isConfiguration: true)
        }
        // The DG allows referenced code in a bucket of another region, but lambda-shift uploads,
        // reads and checks the package with the function region's S3 (S3 answers a bucket of
        // another region with a redirect), as for copied code: refused first, in one sentence.
        let region = try await buckets.bucketRegion(bucket)
        guard region == deps.region else {
            throw AWSClientError(
                .invalidSetting,
                "Bucket \(bucket) is in \(region), but the function is in \(deps.region): lambda-shift keeps packages in a bucket of the function's region (and a cold start reading across regions would be slower and fail with that region's S3); use a bucket in \(deps.region).",
                isConfiguration: true)
        }
        let versioning = try await buckets.bucketVersioning(bucket)
        guard versioning == "Enabled" else {
            throw AWSClientError(
                .invalidSetting,
                "Bucket \(bucket) does not keep versions (versioning is \(versioning?.lowercased() ?? "off")), and code kept by reference is read at a pinned object version at every cold start: enable versioning on \(bucket), or deploy with --code-storage copy.",
                isConfiguration: true)
        }
        let add = BucketPolicy.statementToAdd(
            bucket: bucket, prefix: prefix, exact: exact, functionArn: function.functionArn)
        let text: String?
        do {
            text = try await buckets.bucketPolicy(bucket)
        } catch let error as AWSServiceError where error.kind == .accessDenied {
            report.warning(
                "The credentials may not read \(bucket)'s bucket policy (s3:GetBucketPolicy), so whether Lambda may read the code is left to Lambda: if it refuses, add \(add) to the policy."
            )
            return .reference
        }
        let verdict: BucketPolicy.Verdict
        if let text {
            guard let policy = BucketPolicy(text) else {
                throw AWSClientError(
                    .invalidSetting, "Bucket \(bucket)'s policy is not a policy document S3 would keep: fix it first.",
                    isConfiguration: true)
            }
            verdict = policy.lambdaRead(
                bucket: bucket, prefix: prefix, exact: exact, account: account, functionArn: function.functionArn)
        } else {
            verdict = .notGranted
        }
        let keys = exact ? "s3://\(bucket)/\(prefix)" : "s3://\(bucket)/\(prefix)*"
        switch verdict {
        case .granted(let statement):
            report.line(
                "code storage: reference (Lambda reads \(keys) at its pinned version at every cold start; \(bucket)'s policy lets it, in \(statement))"
            )
        case .undecided(let why):
            report.warning(
                "Whether \(bucket)'s policy lets Lambda read \(keys) cannot be told here (\(why)): Lambda decides at the code update; if it refuses, add \(add)."
            )
        case .denied(let statement):
            throw AWSClientError(
                .invalidSetting,
                "Bucket \(bucket)'s policy denies Lambda reading \(keys) (\(statement)), and code kept by reference is read by lambda.amazonaws.com at every cold start: lift that Deny for lambda.amazonaws.com, or deploy with --code-storage copy.",
                isConfiguration: true)
        case .notGranted:
            throw AWSClientError(
                .invalidSetting,
                "Bucket \(bucket)'s policy does not let Lambda read \(keys), and code kept by reference is read by lambda.amazonaws.com at every cold start: add this statement to the bucket policy: \(add) (or deploy with --code-storage copy).",
                isConfiguration: true)
        }
        return .reference
    }
}
