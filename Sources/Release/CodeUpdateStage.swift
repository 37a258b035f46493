import Ports
import CISupport
import LambdaShiftCore
import AWSCore
import AWSServices
import Config
import FoundationEssentials

/// A deploy step failed in a way the user must look at (exit 1): one sentence.
package struct DeployError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// PRODUCT.md steps 6 and 7: point $LATEST at the uploaded object (its S3 version), wait
/// until Lambda reports the update done, check that the function's CodeSha256 is ours, and
/// publish it as a version with preconditions and provenance. Polls back off and are bounded.
package struct CodeUpdateStage: Sendable {
    package var lambda: any FunctionAPI
    package var clock: any AWSClock
    package var sleeper: any Sleeper
    /// The longest wait for an update to finish, seconds.
    package var maxWait: Double

    package init(
        lambda: any FunctionAPI, clock: any AWSClock = SystemClock(), sleeper: any Sleeper = TaskSleeper(),
        maxWait: Double = 600
    ) {
        self.lambda = lambda
        self.clock = clock
        self.sleeper = sleeper
        self.maxWait = maxWait
    }

    /// Updates the code and returns the function's configuration once the update succeeded
    /// with our digest.
    package func updateCode(function: String, bucket: String, key: String, objectVersion: String?, codeSha256: String)
        async throws -> FunctionConfiguration
    {
        try await updateCode(
            function: function, to: .object(bucket: bucket, key: key, version: objectVersion, storage: .copy),
            codeSha256: codeSha256)
    }

    /// Where the new code is: an S3 object version (a zip), or an image pinned by digest.
    package enum CodeLocation: Sendable, Equatable {
        case object(bucket: String, key: String, version: String?, storage: CodeStorage)
        case image(uri: String)

        /// The object Lambda is asked to reference (nil when it keeps a copy, or for an image).
        var referenced: ReferencedObject? {
            guard case .object(let bucket, let key, let version, .reference) = self else { return nil }
            return ReferencedObject(bucket: bucket, key: key, versionId: version)
        }

        /// How a sentence names the code.
        var noun: String {
            switch self {
            case .object: "package just uploaded"
            case .image: "image just given"
            }
        }
    }

    /// Points $LATEST at the code `location` names and waits until Lambda has applied it; its
    /// CodeSha256 must then be `codeSha256`.
    package func updateCode(function: String, to location: CodeLocation, codeSha256: String) async throws
        -> FunctionConfiguration
    {
        let waiter = Waiter(clock: clock, sleeper: sleeper, timeout: maxWait)
        // An update still running (someone else's, or a previous run's) is waited out first,
        // and again after each conflict with another update.
        let applied = try await waiter.poll(
            { () async throws -> Bool in
                let revision = try await settled(function, waiter)
                do {
                    switch location {
                    case .object(let bucket, let key, let version, let storage):
                        _ = try await lambda.updateFunctionCode(
                            function, s3Bucket: bucket, s3Key: key, s3ObjectVersion: version, storage: storage,
                            revisionId: revision.revisionId)
                    case .image(let uri):
                        _ = try await lambda.updateFunctionCode(
                            function, imageUri: uri, revisionId: revision.revisionId)
                    }
                    return true
                } catch let error as AWSServiceError where error.kind == .conflict {
                    return false
                } catch let error as AWSServiceError
                    where [.invalidParameter, .accessDenied].contains(error.kind) && location.referenced != nil
                {
                    // Lambda checks what the preflight could not prove (a policy the credentials
                    // could not read, a condition it does not evaluate): its refusal, in one sentence.
                    let object = location.referenced!
                    throw DeployError(
                        "Lambda refused to reference \(object.url) (\(error.message)): let lambda.amazonaws.com read it in the bucket policy (see `lambda-shift iam-policy`), or deploy with --code-storage copy. No traffic moved."
                    )
                } catch let error as AWSServiceError where error.kind == .preconditionFailed {
                    throw DeployError(
                        "\(function) changed while this deploy was updating it (its RevisionId moved): re-run the deploy once the other change is done."
                    )
                }
            }, until: { $0 })
        if case .timedOut = applied { throw gaveUp(waitingFor: "another update of \(function) to finish") }
        let done = try await settled(function, waiter)
        if done.updateStatus == .failed {
            throw DeployError(
                "Lambda could not apply the new code to \(function): \(done.lastUpdateStatusReason ?? "no reason given") (\(done.lastUpdateStatusReasonCode ?? "Failed")). No traffic moved."
            )
        }
        guard done.codeSha256 == codeSha256 else {
            throw DeployError(
                "\(function) now runs code \(done.codeSha256), not the \(location.noun) (\(codeSha256)): something else changed it; no traffic moved."
            )
        }
        return done
    }

    /// Publishes $LATEST as a version, only if it still holds our code at the revision we
    /// checked. Returns the new version.
    /// `package`: the CodeSha256 of the package this run built when Lambda runs other bytes (a
    /// signed copy): recorded in the description, so a later deploy of the same package skips.
    package func publish(
        function: String, configuration: FunctionConfiguration, provenance: Provenance, package: String? = nil
    ) async throws -> FunctionConfiguration {
        do {
            return try await lambda.publishVersion(
                function, codeSha256: configuration.codeSha256, revisionId: configuration.revisionId,
                description: Self.description(provenance, package: package))
        } catch let error as AWSServiceError where [.preconditionFailed, .invalidParameter].contains(error.kind) {
            throw DeployError(
                "\(function) changed between the update and PublishVersion: re-run the deploy. (\(error.message))")
        }
    }

    /// Waits until LastUpdateStatus is not InProgress and the function is not Pending (being
    /// created, or reactivated after idleness), as the AWS waiters `function-updated-v2` and
    /// `function-active-v2` do.
    /// https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
    func settled(_ function: String, _ waiter: Waiter) async throws -> FunctionConfiguration {
        let ending = try await waiter.poll(
            { try await lambda.getFunctionConfiguration(function, qualifier: nil) },
            until: { configuration in
                if configuration.stateValue == .failed {
                    throw DeployError(
                        "\(function) is in state Failed (\(configuration.stateReason ?? "no reason given"), \(configuration.stateReasonCode ?? "no code")): fix its configuration, then re-run. No traffic moved."
                    )
                }
                return configuration.updateStatus != .inProgress && configuration.stateValue != .pending
            })
        switch ending {
        case .done(let configuration): return configuration
        case .timedOut(let configuration):
            throw gaveUp(
                waitingFor:
                    "\(function) to finish its update (state \(configuration.state ?? "?"), last update \(configuration.lastUpdateStatus ?? "?"))"
            )
        }
    }

    /// Waits until a published version is `Active`. A SnapStart version stays `Pending`
    /// (`Creating`) until its snapshot is ready, often a minute or more, and cannot be invoked
    /// meanwhile; as `aws lambda wait published-version-active`. A version that ends `Failed`
    /// stops the deploy before any traffic moves. `onWait` is told each time it waits.
    package func waitUntilActive(function: String, version: String, onWait: @Sendable (String) -> Void = { _ in })
        async throws -> FunctionConfiguration
    {
        let ending = try await Waiter(clock: clock, sleeper: sleeper, timeout: maxWait).poll(
            { try await lambda.getFunctionConfiguration(function, qualifier: version) },
            until: { configuration in
                switch configuration.stateValue {
                case nil, .active: return true
                case .failed:
                    throw DeployError(
                        "Version \(version) of \(function) failed to become Active: \(configuration.stateReason ?? "no reason given") (\(configuration.stateReasonCode ?? "no code")). No traffic moved."
                    )
                default: return false
                }
            },
            onWait: { configuration in
                onWait(
                    "version \(version) is \(configuration.state ?? "?")"
                        + (configuration.stateReasonCode.map { " (\($0))" } ?? "") + "; waiting for it to become Active"
                )
            })
        guard case .done(let configuration) = ending else {
            throw gaveUp(waitingFor: "version \(version) of \(function) to become Active")
        }
        return configuration
    }

    /// The published version that serves what `$LATEST` serves now: the newest with its
    /// CodeSha256, or a new one published with that digest and RevisionId as preconditions.
    /// Used when the alias points at `$LATEST`, so that the new code can be shifted in
    /// gradually from a version that cannot change under it.
    package func baseline(function: String, latest: FunctionConfiguration, provenance: Provenance) async throws -> (
        FunctionConfiguration, reused: Bool
    ) {
        let versions = try await lambda.listVersionsByFunction(function)
        if let same = versions.filter({ $0.version != "$LATEST" && $0.codeSha256 == latest.codeSha256 })
            .max(by: { (Int($0.version) ?? 0) < (Int($1.version) ?? 0) })
        {
            return (same, true)
        }
        do {
            let published = try await lambda.publishVersion(
                function, codeSha256: latest.codeSha256, revisionId: latest.revisionId,
                description: String(
                    ("lambda-shift baseline: what $LATEST served before " + Self.description(provenance)).prefix(256)))
            return (published, false)
        } catch let error as AWSServiceError where [.preconditionFailed, .invalidParameter].contains(error.kind) {
            throw DeployError(
                "\(function) changed while its baseline version was being published: re-run the deploy. (\(error.message))"
            )
        }
    }

    func gaveUp(waitingFor what: String) -> DeployError {
        DeployError(
            "Gave up waiting for \(what) after \(Int(maxWait)) s: check the function in the Lambda console, then re-run."
        )
    }

    /// `commit 0123456 on main, run https://…`: at most Lambda's 256 characters.
    package static func description(_ provenance: Provenance, package: String? = nil) -> String {
        var parts = ["lambda-shift"]
        if let package { parts.append("package \(package)") }
        if let commit = provenance.shortSHA { parts.append("commit \(commit)") }
        if let tag = provenance.tag {
            parts.append("tag \(tag)")
        } else if let branch = provenance.branch {
            parts.append("on \(branch)")
        }
        if let run = provenance.runURL { parts.append("run \(run)") }
        return String(parts.joined(separator: " ").prefix(256))
    }
}

extension CodeUpdateStage {
    /// The package a version's description records (`package <CodeSha256>`), for signed code.
    package static func recordedPackage(_ description: String) -> String? {
        let words = description.split(separator: " ")
        guard description.hasPrefix("lambda-shift "), words.count > 2, words[1] == "package" else { return nil }
        return String(words[2])
    }
}

extension DeployError: LambdaShiftError {
    package var sentence: String { message }
    package var exitCode: Int32 { ExitStatus.failed }
}
