import AWSCore
import FoundationEssentials

/// An image as ECR keeps it: its digest (`sha256:…`), its manifest exactly as pushed and the
/// manifest's media type.
/// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Image.html
package struct ECRImage: Sendable, Equatable {
    package var digest: String
    package var manifest: String
    package var mediaType: String?

    package init(digest: String, manifest: String, mediaType: String?) {
        self.digest = digest
        self.manifest = manifest
        self.mediaType = mediaType
    }
}

/// ECR over its JSON 1.1 protocol (X-Amz-Target AmazonEC2ContainerRegistry_V20150921.*): only
/// the read a deploy makes.
package struct ECRClient: Sendable {
    package var client: AWSClient
    package init(client: AWSClient) { self.client = client }

    /// The image a tag or digest names in `repository` (of `registryId`, the account), nil when
    /// there is no such image; a missing repository is the service's error
    /// (`RepositoryNotFoundException`).
    /// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchGetImage.html
    package func image(repository: String, registryId: String?, tag: String?, digest: String?) async throws
        -> ECRImage?
    {
        var imageId: [String: Any] = [:]
        if let tag { imageId["imageTag"] = tag }
        if let digest { imageId["imageDigest"] = digest }
        var body: [String: Any] = [
            "repositoryName": repository, "imageIds": [imageId],
            "acceptedMediaTypes": [
                "application/vnd.docker.distribution.manifest.v2+json",
                "application/vnd.docker.distribution.manifest.list.v2+json",
                "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
            ],
        ]
        if let registryId { body["registryId"] = registryId }
        let answer = try await call("BatchGetImage", body)
        guard let image = answer.array("images").first else { return nil }
        return ECRImage(
            digest: image.fields("imageId")?.string("imageDigest") ?? "", manifest: image.string("imageManifest") ?? "",
            mediaType: image.string("imageManifestMediaType"))
    }

    private func call(_ action: String, _ body: [String: Any]) async throws -> JSONFields {
        try await client.jsonTargetCall(.ecr, targetPrefix: "AmazonEC2ContainerRegistry_V20150921", action, body)
    }

}
