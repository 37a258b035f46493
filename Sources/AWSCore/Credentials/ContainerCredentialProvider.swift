import LambdaShiftCore
import FoundationEssentials

/// Credentials from the container endpoint that CodeBuild, ECS and Fargate provide:
/// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on 169.254.170.2) or _FULL_URI, with
/// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or _TOKEN as the Authorization header.
/// https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html
package struct ContainerCredentialProvider: CredentialProvider {
    package var environment: Environment
    package var client: AWSClient
    package var name: String { "container credentials endpoint" }

    package init(environment: Environment, client: AWSClient) {
        self.environment = environment
        self.client = client
    }

    package func resolve() async throws -> AWSCredentials? {
        let url: String
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            url = "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] {
            url = full
        } else {
            return nil
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host
        else {
            throw AWSClientError(
                .credentialSource,
                "The container credentials URI \(url) is not a URL: check AWS_CONTAINER_CREDENTIALS_FULL_URI.",
                isConfiguration: true)
        }
        // Over plain HTTP only the container hosts and loopback are trusted with a token.
        let trustedHosts: Set<String> = [
            "169.254.170.2", "169.254.170.23", "fd00:ec2::23", "[fd00:ec2::23]", "localhost", "::1", "[::1]",
        ]
        guard scheme == "https" || trustedHosts.contains(host) || host.hasPrefix("127.") else {
            throw AWSClientError(
                .credentialSource,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI uses plain HTTP to \(host): use https, a loopback address or the container endpoint.",
                isConfiguration: true)
        }
        var headers: HTTPHeaders = ["Accept": "application/json"]
        if let token = try authorizationToken() { headers.add("Authorization", token) }
        let request = HTTPRequest(
            method: "GET", endpoint: Endpoint(scheme: scheme, host: host, port: components.port),
            path: components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath,
            query: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, headers: headers)
        let response = try await MetadataHTTP.send(request, client: client, what: "the container credentials endpoint")
        return try CredentialDocument.parse(response.body, source: name, what: "The container credentials endpoint")
    }

    private func authorizationToken() throws -> String? {
        var token: String?
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw AWSClientError(
                    .credentialSource, "Cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (\(file)): check the path.",
                    isConfiguration: true)
            }
            token = String(decoding: data, as: UTF8.self).trimmed()
        } else {
            token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        }
        if let token, token.utf8.contains(13) || token.utf8.contains(10) {
            throw AWSClientError(
                .credentialSource, "The container authorization token holds a line break: check how it is set.",
                isConfiguration: true)
        }
        return token
    }
}

/// The JSON credential document of the container endpoint and IMDS.
enum CredentialDocument {
    static func parse(_ body: Data, source: String, what: String) throws -> AWSCredentials {
        guard let object = JSONValue.parse(body),
            let id = object["AccessKeyId"]?.string, let secret = object["SecretAccessKey"]?.string
        else {
            throw AWSClientError(
                .credentialSource,
                "\(what) answered without credentials: check the role attached to this machine or task.",
                isConfiguration: true)
        }
        return AWSCredentials(
            accessKeyId: id, secretAccessKey: secret, sessionToken: object["Token"]?.string,
            expiration: object["Expiration"]?.string.flatMap(AWSTimestamp.parse), source: source)
    }
}

/// Credentials of the instance role through EC2's metadata service, version 2 (a session
/// token first), for self-hosted runners on EC2. AWS_EC2_METADATA_DISABLED=true turns it
/// off; AWS_EC2_METADATA_SERVICE_ENDPOINT moves it.
/// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html
package struct IMDSCredentialProvider: CredentialProvider {
    package var environment: Environment
    package var client: AWSClient
    package var name: String { "EC2 instance metadata (IMDSv2)" }

    package init(environment: Environment, client: AWSClient) {
        self.environment = environment
        self.client = client
    }

    package func resolve() async throws -> AWSCredentials? {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" { return nil }
        let text = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254"
        guard let endpoint = Endpoint(parsing: text) else {
            throw AWSClientError(
                .credentialSource, "AWS_EC2_METADATA_SERVICE_ENDPOINT is not a URL (\(text)): fix or unset it.",
                isConfiguration: true)
        }
        let quick = HTTPTimeouts(connect: 1, total: 2)
        // Not on EC2 (nothing answers): this source is simply absent.
        let tokenResponse: HTTPResponse
        do {
            tokenResponse = try await client.transport.send(
                HTTPRequest(
                    method: "PUT", endpoint: endpoint, path: "/latest/api/token",
                    headers: ["X-aws-ec2-metadata-token-ttl-seconds": "21600"]), timeout: quick)
        } catch let error as HTTPTransportError {
            if error.kind == .cancelled { throw CancellationError() }
            return nil
        }
        guard tokenResponse.status == 200 else { return nil }
        let token = String(decoding: tokenResponse.body, as: UTF8.self).trimmed()
        let base = "/latest/meta-data/iam/security-credentials/"
        let roleResponse = try await MetadataHTTP.send(
            HTTPRequest(method: "GET", endpoint: endpoint, path: base, headers: ["X-aws-ec2-metadata-token": token]),
            client: client, what: "the EC2 metadata service", attempts: 2, timeouts: quick)
        guard
            let role = String(decoding: roleResponse.body, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(
                String.init), !role.isEmpty
        else {
            throw AWSClientError(
                .credentialSource,
                "This EC2 instance has no IAM role: attach an instance profile, or give credentials another way.",
                isConfiguration: true)
        }
        let credentialResponse = try await MetadataHTTP.send(
            HTTPRequest(
                method: "GET", endpoint: endpoint, path: base + URIEncoding.encode(role),
                headers: ["X-aws-ec2-metadata-token": token]),
            client: client, what: "the EC2 metadata service", attempts: 2, timeouts: quick)
        return try CredentialDocument.parse(credentialResponse.body, source: name, what: "The EC2 metadata service")
    }
}
