import AWSServices
import FoundationEssentials
import LambdaShiftCore
import Release
import Rollout

extension DeployPipeline {
    /// An image function's way to its shift: the same preflight, then the image resolved to
    /// one digest in the function's region for its architecture (nothing packaged or uploaded),
    /// skipped when the alias already serves that digest, else the code update with the
    /// digest, publish, readiness and smoke test, as for a zip.
    func prepare(image reference: ImageReference, _ outputs: inout DeployOutputs) async throws -> Prepared {
        let checked = try await Preflight(plan: plan, deps: deps, report: report).run()
        let before = checked.before
        outputs.previousVersion = before?.functionVersion ?? ""
        report.phase("Image")
        let image = try await reference.resolve(
            in: deps.images, function: plan.function, functionRegion: deps.region,
            architecture: checked.function.architectures.first ?? "x86_64")
        outputs.record(image: image)
        report.event(
            "image \(image.uri)" + (reference.tag.map { " (tag \($0) resolved to its digest)" } ?? "")
                + (image.platformNote.map { ": \($0)" } ?? ""))
        let lambda = deps.functions
        if let version = try await ArtifactStage(lambda: lambda, store: deps.store).unchangedVersion(
            function: plan.function, alias: plan.alias, codeSha256: image.codeSha256,
            current: before.map { .present($0) } ?? .absent)
        {
            return Self.skipped(
                &outputs, version: version,
                "Alias \(plan.alias) already serves this image (version \(version), \(image.digest)): nothing changed.")
        }
        if let refusal = checked.unlessSkipped { throw refusal }
        return try await update(
            to: .image(uri: image.uri), codeSha256: image.codeSha256, checked: checked, outputs: &outputs)
    }
}

extension DeployOutputs {
    /// The outputs that say which image: the URI pinned by digest, the digest, and Lambda's
    /// CodeSha256 of it.
    mutating func record(image: ResolvedImage) {
        imageUri = image.uri
        imageDigest = image.digest
        codeSha256 = image.codeSha256
    }
}
