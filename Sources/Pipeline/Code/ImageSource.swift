import AWSCore
import AWSServices
import Config
import FoundationEssentials
import LambdaShiftCore
import Ports

/// `--image-uri`: an image in a private ECR registry,
/// `ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPOSITORY` with `:TAG` or `@sha256:HEX`.
/// https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html#lambda-UpdateFunctionCode-request-ImageUri
package struct ImageReference: Sendable, Equatable {
    /// The registry's host.
    package var registry: String
    package var account: String
    package var region: String
    package var repository: String
    package var tag: String?
    /// `sha256:HEX` when the URI names a digest.
    package var digest: String?

    package init(parsing text: String) throws {
        let usage =
            "--image-uri is \"\(text)\": give an ECR image as ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG or …/REPOSITORY@sha256:DIGEST."
        guard let slash = text.firstIndex(of: "/") else { throw ConfigError(usage) }
        let host = String(text[..<slash])
        var rest = String(text[text.index(after: slash)...])
        let labels = host.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard labels.count >= 6, labels[1] == "dkr", labels[2] == "ecr", labels[0].count == 12,
            labels[0].allSatisfy(\.isNumber), !labels[3].isEmpty,
            labels[4...].joined(separator: ".") == "amazonaws.com"
                || labels[4...].joined(separator: ".") == "amazonaws.com.cn"
        else { throw ConfigError(usage) }
        var digest: String?, tag: String?
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = String(rest[..<at])
            // REPO:TAG@sha256:… names the digest; the tag is only a label then.
            if let colon = rest.lastIndex(of: ":") { rest = String(rest[..<colon]) }
            guard let hex = digest?.dropFirst("sha256:".count), digest?.hasPrefix("sha256:") == true, hex.count == 64,
                hex.allSatisfy(\.isHexDigit)
            else { throw ConfigError(usage) }
        } else if let colon = rest.lastIndex(of: ":") {
            tag = String(rest[rest.index(after: colon)...])
            rest = String(rest[..<colon])
            guard let tag, !tag.isEmpty, tag.count <= 300 else { throw ConfigError(usage) }
        } else {
            throw ConfigError(
                "--image-uri is \"\(text)\": name the image by a tag (…/\(rest):v1) or a digest (…/\(rest)@sha256:…); lambda-shift does not assume latest."
            )
        }
        guard !rest.isEmpty, !rest.hasPrefix("/"), !rest.hasSuffix("/") else { throw ConfigError(usage) }
        registry = host
        account = labels[0]
        region = labels[3]
        repository = rest
        self.tag = tag
        self.digest = digest
    }

    /// The repository's URI, without tag or digest.
    package var repositoryURI: String { "\(registry)/\(repository)" }

    /// The URI as given.
    package var text: String { repositoryURI + (digest.map { "@\($0)" } ?? tag.map { ":\($0)" } ?? "") }

    /// Docker's name for Lambda's architectures.
    static func platformArchitecture(_ lambdaArchitecture: String) -> String {
        lambdaArchitecture == "x86_64" ? "amd64" : lambdaArchitecture
    }

    /// The single-platform image this reference names for a function on `architecture` in
    /// `functionRegion`: a tag is resolved to its digest once, here, so a tag moved later (even
    /// mid-rollout) changes nothing; a multi-platform image (a manifest list or OCI index, which
    /// Lambda does not run) gives its entry for the function's platform. Refusals are exit 2.
    package func resolve(in registry: any ImageRegistry, function: String, functionRegion: String, architecture: String)
        async throws -> ResolvedImage
    {
        // Lambda reads an image only from an ECR repository in the function's own region.
        // https://docs.aws.amazon.com/lambda/latest/dg/images-create.html
        guard region == functionRegion else {
            throw ConfigError(
                "--image-uri names an image in \(region)'s registry, but \(function) is in \(functionRegion): Lambda reads images only from a repository in the function's own region; push (or replicate) the image to \(functionRegion) and give that URI."
            )
        }
        let found: ECRImage?
        do {
            found = try await registry.image(repository: repository, registryId: account, tag: tag, digest: digest)
        } catch let error as AWSServiceError where error.kind == .notFound {
            throw ConfigError(
                "No ECR repository \(repository) in registry \(account) (\(region)): check --image-uri, or push the image first."
            )
        }
        guard let image = found else {
            throw ConfigError(
                "No image \(tag.map { "tagged \($0)" } ?? digest ?? "") in \(repositoryURI): check --image-uri, or push the image first."
            )
        }
        let platform = Self.platformArchitecture(architecture)
        guard let entries = Self.platformEntries(image) else {
            return ResolvedImage(reference: self, digest: image.digest, platformNote: nil)
        }
        guard let entry = entries.first(where: { $0.architecture == platform && $0.os == "linux" }) else {
            let offered = entries.map { "\($0.os)/\($0.architecture)" }.joined(separator: ", ")
            throw ConfigError(
                "\(text) is a multi-platform image (\(offered)) without a linux/\(platform) image, and \(function) runs on \(architecture): build the image for linux/\(platform), or change the function's architecture."
            )
        }
        // The entry must be in the repository too (a pushed list always carries its images).
        guard
            try await registry.image(repository: repository, registryId: account, tag: nil, digest: entry.digest)
                != nil
        else {
            throw ConfigError(
                "\(text) lists a linux/\(platform) image \(entry.digest) that \(repositoryURI) does not hold: push the image again."
            )
        }
        return ResolvedImage(
            reference: self, digest: entry.digest,
            platformNote: "the linux/\(platform) image of the multi-platform \(image.digest)")
    }

    /// A manifest list's (or OCI index's) entries, nil for a single-platform manifest.
    static func platformEntries(_ image: ECRImage) -> [(digest: String, architecture: String, os: String)]? {
        let listTypes = [
            "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.index.v1+json",
        ]
        let manifest = JSONValue.parse(Array(image.manifest.utf8))
        let mediaType = image.mediaType ?? manifest?["mediaType"]?.string
        guard let entries = manifest?["manifests"]?.array, mediaType.map(listTypes.contains) ?? true else {
            return nil
        }
        return entries.compactMap { entry in
            guard let digest = entry["digest"]?.string else { return nil }
            return (
                digest, entry["platform"]?["architecture"]?.string ?? "", entry["platform"]?["os"]?.string ?? ""
            )
        }
    }
}

/// An image resolved to the one digest Lambda will run.
package struct ResolvedImage: Sendable, Equatable {
    package var reference: ImageReference
    /// `sha256:HEX`.
    package var digest: String
    /// Set when the digest is one platform's entry of a multi-platform image.
    package var platformNote: String?

    /// What UpdateFunctionCode is given: the repository pinned by digest.
    package var uri: String { "\(reference.repositoryURI)@\(digest)" }

    /// Lambda's CodeSha256 of an image function: the manifest digest's hex.
    package var codeSha256: String { String(digest.dropFirst("sha256:".count)) }
}
