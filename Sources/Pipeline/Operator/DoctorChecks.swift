import Rollout
import Ports
import AWSCore
import AWSServices
import LambdaShiftCore
import FoundationEssentials

/// `doctor`: the read-only calls a deploy depends on (identity, function, alias, bucket,
/// alarms; a web function's endpoint and served revision instead of an alias), each a check that passes or says what is wrong; a mid-shift alias, a missing,
/// failed or image function count as problems. Changes nothing.
package struct DoctorChecks: Sendable {
    package struct Check: Sendable, Equatable {
        package var name: String
        package var ok: Bool
        package var detail: String
        /// Worth knowing, not a problem for a deploy with these settings (`note`).
        package var advisory = false
    }

    package var identity: any IdentityAPI
    package var functions: any FunctionAPI
    package var store: any ArtifactStore
    package var metrics: any MetricsAPI
    package var region: String
    /// CloudWatch Logs, for the log-based canary judge's read (nil: not checked).
    package var logs: (any LogsAPI)?
    /// Bucket-level S3, for the referenced-code check; nil skips it.
    package var buckets: (any BucketAPI)?
    /// A web function's target (`--web-function`): its function, endpoint and served revision
    /// are checked instead of a function's and alias's.
    package var web: (api: any WebFunctionsAPI, target: WebTarget)?

    package init(
        identity: any IdentityAPI, functions: any FunctionAPI, store: any ArtifactStore, metrics: any MetricsAPI,
        region: String
    ) {
        self.identity = identity
        self.functions = functions
        self.store = store
        self.metrics = metrics
        self.region = region
    }

    /// Runs every check; a failing identity ends it (nothing else can work without one).
    package func run(function: String, alias: String, bucket: String?, alarms: [String], logGroup: String? = nil)
        async throws -> [Check]
    {
        let caller = try await identity.getCallerIdentity()
        var checks = [Check(name: "identity", ok: true, detail: "\(caller.arn) (account \(caller.account))")]
        if let web {
            checks += await webChecks(web.api, web.target)
        } else {
            checks += await functionChecks(function: function, alias: alias, logGroup: logGroup)
        }
        if let bucket {
            checks.append(
                await check("bucket") {
                    try await store.probeBucket(bucket, under: "")
                    return "\(bucket) readable"
                })
        }
        if !alarms.isEmpty {
            checks.append(
                await check("alarms") {
                    let found = try await metrics.describeAlarms(names: alarms, prefix: nil)
                    let missing = Set(alarms).subtracting(found.map(\.name))
                    guard missing.isEmpty else {
                        throw problem("No alarm named \(missing.sorted().joined(separator: ", ")): check --alarm.")
                    }
                    // A deploy refuses an alarm already in ALARM: so does doctor.
                    let firing = found.filter(\.isFiring).map(\.name).sorted()
                    guard firing.isEmpty else {
                        throw OperatorFailure(
                            "\(firing.joined(separator: ", ")) in ALARM: a deploy would refuse to start; fix it, or deploy with --alarm-already-firing ignore.",
                            exitCode: ExitStatus.failed)
                    }
                    return found.map { "\($0.name) \($0.state)" }.joined(separator: ", ")
                })
        }
        return checks
    }

    /// A function's checks: it exists and has not failed, its alias (not mid-shift), its logs,
    /// and the code its versions read from S3.
    func functionChecks(function: String, alias: String, logGroup: String?) async -> [Check] {
        var checks: [Check] = []
        checks.append(
            await check("function") {
                let f = try await OperatorChecks.function(functions, function, region: region)
                if f.stateValue == .failed {
                    throw problem("\(function) is in state Failed (\(f.stateReason ?? "no reason given")).")
                }
                return "\(f.functionArn), code \(f.codeSha256), state \(f.state ?? "unknown")"
            })
        // Without the function there is no alias to check, and no deploy could create one.
        let functionFound = checks.last?.ok == true
        checks.append(
            await check("alias") {
                guard functionFound else {
                    throw problem(
                        "\(alias) cannot be checked: the function does not exist, and a deploy does not create functions."
                    )
                }
                guard let a = try await functions.aliasIfExists(function, alias: alias) else {
                    return "\(alias) does not exist yet; the first deploy creates it"
                }
                if !a.additionalVersionWeights.isEmpty {
                    throw problem(
                        "\(a.name) is mid-way through a shift (\(RolloutEngine.describe(a))): a deploy would refuse it; finish it with lambda-shift promote or undo it with lambda-shift rollback."
                    )
                }
                return "\(a.name) → version \(a.functionVersion)"
                    + (a.functionVersion == "$LATEST" ? " (a deploy first moves it onto a published baseline)" : "")
            })
        if let logs, let configuration = try? await functions.getFunctionConfiguration(function, qualifier: nil) {
            checks.append(await logsCheck(logs, configuration, given: logGroup))
        }
        if functionFound, let buckets {
            let referenced = await referencedCode(function, buckets)
            if let referenced { checks.append(referenced) }
        }
        return checks
    }

    /// A web function's checks: it exists; its endpoint (named, or the only one) serves one
    /// revision in full and no update is in progress (a LatestRevision mode is said: a deploy
    /// sets it to Disabled first); the served revision is Active (a deploy copies its build and
    /// service configuration).
    func webChecks(_ web: any WebFunctionsAPI, _ target: WebTarget) async -> [Check] {
        var endpoint: WebEndpoint?
        var checks = [
            await check("web function") {
                let found = try await DeployPipeline.existingEndpoint(of: target, web: web, region: region)
                endpoint = found
                return "\(try await web.webFunctionArn(target.function))"
            }
        ]
        guard let endpoint else { return checks }
        checks.append(
            await check("endpoint") {
                if endpoint.update == .inProgress {
                    throw problem(
                        "\(endpoint.name) is being updated (updateStatus InProgress): a deploy waits for it; run doctor again once it settles."
                    )
                }
                guard endpoint.revisionWeights.count == 1 else {
                    throw problem(
                        "\(endpoint.name) is split between \(WebEndpointAliases.describe(endpoint)): a deploy would refuse it; finish it with lambda-shift promote or undo it with lambda-shift rollback."
                    )
                }
                return "\(endpoint.name) → \(WebEndpointAliases.describe(endpoint)), \(endpoint.autoDeploymentMode)"
                    + (endpoint.mode == .latestRevision
                        ? " (a deploy sets it to Disabled before the new revision exists)" : "")
            })
        if let served = endpoint.revisionWeights.first?.revisionId {
            checks.append(
                await check("revision") {
                    let revision = try await web.revision(target.function, served)
                    guard revision.stateValue == .active else {
                        throw problem("revision \(served) is \(revision.state), not Active.")
                    }
                    return "\(served) Active" + (revision.codeObject.map { ", built from \($0.url)" } ?? "")
                })
        }
        return checks
    }

    /// Code kept by reference (`S3ObjectStorageMode` REFERENCE) is read from the bucket at every
    /// cold start: each referenced object version must exist, and no lifecycle rule may delete
    /// noncurrent versions under it (NoncurrentVersionExpiration deletes them for good; the
    /// version that references one fails at its next cold start, with no deploy in sight).
    /// Nil when no version references its code.
    /// https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html
    func referencedCode(_ function: String, _ buckets: any BucketAPI) async -> Check? {
        var references: [(version: String, object: ReferencedObject)] = []
        do {
            for version in try await functions.listVersionsByFunction(function) {
                let code = try await functions.getFunction(function, qualifier: version.version)
                if let object = code.referencedObject { references.append((version.version, object)) }
            }
        } catch {
            return Check(name: "referenced code", ok: false, detail: sentence(of: error))
        }
        guard !references.isEmpty else { return nil }
        return await check("referenced code") {
            var problems: [String] = []
            for (version, object) in references {
                let found = try await store.describeObject(
                    bucket: object.bucket, key: object.key, versionId: object.versionId)
                if found == nil {
                    problems.append(
                        "version \(version) references \(object.url), which is gone: its next cold start fails; deploy it again"
                    )
                }
            }
            for bucket in Set(references.map(\.object.bucket)).sorted() {
                for rule in try await buckets.bucketLifecycleRules(bucket) {
                    let broken = references.filter {
                        $0.object.bucket == bucket && rule.deletesVersions(of: $0.object.key)
                    }
                    guard !broken.isEmpty else { continue }
                    problems.append(
                        "lifecycle rule \(rule.id.isEmpty ? "(no ID)" : rule.id) of \(bucket) deletes noncurrent versions under \"\(rule.prefix)\" after \(rule.noncurrentDays ?? 0) day(s), which would break version(s) \(broken.map(\.version).joined(separator: ", ")) (\(broken.map(\.object.url).joined(separator: ", "))) at their next cold start: exclude the prefix from the rule, or deploy with --code-storage copy"
                    )
                }
            }
            guard problems.isEmpty else { throw problem(problems.joined(separator: "; ") + ".") }
            return
                "\(references.count) version(s) read their code from S3 (\(references.map { "\($0.version): \($0.object.url)" }.joined(separator: ", "))): every object version exists, and no lifecycle rule deletes them"
        }
    }

    /// Whether the function's log group (or `--log-group`) can be read, as the log-based judge
    /// reads it. Refused is a problem when `--log-group` names the group (the settings use the
    /// logs); otherwise a note: only the log-based gates need it.
    func logsCheck(_ logs: any LogsAPI, _ configuration: FunctionConfiguration, given: String?) async -> Check {
        let group = given ?? configuration.logGroup ?? "/aws/lambda/\(configuration.functionName)"
        let format = InvocationReport.Format(configuration.logFormat)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        do {
            let page = try await logs.filterLogEvents(
                group: group, start: now - 3_600_000, end: now, pattern: format.filterPattern, nextToken: nil,
                limit: 100)
            return Check(
                name: "logs",
                ok: true,
                detail:
                    "\(group) readable (\(format.rawValue) format; \(page.events.count)\(page.nextToken == nil ? "" : "+") invocation reports in the last hour)"
            )
        } catch let error as AWSServiceError where error.kind == .notFound {
            return Check(
                name: "logs", ok: true,
                detail: "\(group) does not exist yet: the function's first invocation creates it")
        } catch {
            let why =
                "\(group) cannot be read (\(sentence(of: error))): the log-based gates (--max-duration-increase over every invocation, --max-memory-use, --max-init-duration-increase) need logs:FilterLogEvents on it"
            return Check(name: "logs", ok: given == nil, detail: why, advisory: given == nil)
        }
    }

    private func problem(_ sentence: String) -> OperatorFailure {
        OperatorFailure(sentence, exitCode: ExitStatus.usage)
    }

    private func check(_ name: String, _ body: () async throws -> String) async -> Check {
        do {
            return Check(name: name, ok: true, detail: try await body())
        } catch {
            return Check(name: name, ok: false, detail: sentence(of: error))
        }
    }
}
