import AWSServices
import LambdaShiftCore

/// The stable and the new version run different runtime versions (each version keeps the
/// runtime version it was published with, `RuntimeVersionConfig.RuntimeVersionArn`): then
/// what the canary finds, better or worse, may belong to the runtime and not to the code.
/// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html
package struct RuntimeDrift: Sendable, Equatable {
    package var stableVersion: String
    package var stableRuntime: String
    package var newVersion: String
    package var newRuntime: String
    /// `--runtime-drift fail`: the canary failed for it before any traffic moved.
    package var failed: Bool

    /// Nil when either side has no runtime version to compare (an image, an OS-only runtime)
    /// or both run the same one.
    package static func between(
        stable: FunctionConfiguration, new: FunctionConfiguration, failing: Bool
    ) -> RuntimeDrift? {
        guard let stableRuntime = stable.runtimeVersionArn, let newRuntime = new.runtimeVersionArn,
            stableRuntime != newRuntime
        else { return nil }
        return RuntimeDrift(
            stableVersion: stable.version, stableRuntime: stableRuntime, newVersion: new.version,
            newRuntime: newRuntime, failed: failing)
    }

    /// What the run says while it goes on.
    package var sentence: String {
        "Version \(newVersion) runs runtime version \(newRuntime), but the stable version \(stableVersion) runs \(stableRuntime): a difference the canary finds may belong to the runtime, not the code."
    }

    /// The verdict's own words about it.
    package var verdictNote: String {
        failed
            ? "Version \(newVersion) runs another runtime version than the stable version \(stableVersion) (\(newRuntime), not \(stableRuntime)), and --runtime-drift fail fails such a canary: no traffic moved. Publish both on the same runtime version (the function's runtime management mode decides), or deploy with --runtime-drift warn."
            : "The canary compared runtime versions as well as code: version \(newVersion) runs \(newRuntime), the stable version \(stableVersion) runs \(stableRuntime)."
    }

    /// The JSON document's `runtime-drift` member.
    package var value: JSONValue {
        .object([
            "stable-version": .string(stableVersion), "stable-runtime-version": .string(stableRuntime),
            "version": .string(newVersion), "runtime-version": .string(newRuntime),
            "decision": .string(failed ? "fail" : "warn"),
        ])
    }
}
