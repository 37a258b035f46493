import Hashing
import LambdaShiftCore
import FoundationEssentials

/// How the payload enters the signature: its SHA-256 (hex), or `UNSIGNED-PAYLOAD` for
/// S3 uploads whose integrity another header (x-amz-checksum-sha256) guarantees.
package enum PayloadHash: Sendable, Equatable {
    case sha256Hex(String)
    case unsigned

    package static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    package var headerValue: String {
        switch self {
        case .sha256Hex(let hex): hex
        case .unsigned: "UNSIGNED-PAYLOAD"
        }
    }
}

/// AWS Signature Version 4, header form.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
package struct SigV4Signer: Sendable {
    /// How the canonical URI is formed. S3 signs the wire path as it is; every other
    /// service normalizes it (removes dot segments and empty segments) and encodes it again.
    package struct PathRules: Sendable {
        package var normalize: Bool
        package var encode: Bool
        package static let s3 = PathRules(normalize: false, encode: false)
        package static let standard = PathRules(normalize: true, encode: true)
        package init(normalize: Bool, encode: Bool) {
            self.normalize = normalize
            self.encode = encode
        }
    }

    /// Headers never signed: they may be changed or added by proxies and the HTTP stack.
    package static let unsignedHeaders: Set<String> = [
        "authorization", "user-agent", "expect", "x-amzn-trace-id", "connection",
    ]

    package var credentials: AWSCredentials
    package var region: String
    package var service: String
    package var pathRules: PathRules
    /// Whether to add x-amz-content-sha256 (S3 requires it; others accept it).
    package var addContentSHA256Header: Bool
    package var keyCache: SigningKeyCache

    package init(
        credentials: AWSCredentials, region: String, service: String,
        pathRules: PathRules? = nil, addContentSHA256Header: Bool? = nil,
        keyCache: SigningKeyCache = SigningKeyCache()
    ) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.pathRules = pathRules ?? (service == "s3" ? .s3 : .standard)
        self.addContentSHA256Header = addContentSHA256Header ?? (service == "s3")
        self.keyCache = keyCache
    }

    /// The pieces of one signature, kept apart so each can be checked against the AWS suite.
    package struct Signature: Sendable {
        package var canonicalRequest: String
        package var stringToSign: String
        package var signature: String
        package var signedHeaders: String
        package var credentialScope: String
    }

    /// Signs `request` in place: adds X-Amz-Date, X-Amz-Security-Token (when there is a
    /// session token), x-amz-content-sha256 (when configured) and Authorization.
    @discardableResult
    package func sign(_ request: inout HTTPRequest, payload: PayloadHash, date: Date) -> Signature {
        let amzDate = AWSTimestamp.amzDate(date)
        request.headers.set("Host", request.endpoint.hostHeader)
        request.headers.set("X-Amz-Date", amzDate)
        if let token = credentials.sessionToken {
            request.headers.set("X-Amz-Security-Token", token)
        }
        if addContentSHA256Header {
            request.headers.set("x-amz-content-sha256", payload.headerValue)
        }
        let result = signature(
            method: request.method, path: request.path, query: request.query,
            headers: request.headers, payload: payload, date: date)
        request.headers.set(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(result.credentialScope), SignedHeaders=\(result.signedHeaders), Signature=\(result.signature)"
        )
        return result
    }

    /// Computes the canonical request, string to sign and signature for the given parts
    /// without changing anything.
    package func signature(
        method: String, path: String, query: [(name: String, value: String)],
        headers: HTTPHeaders, payload: PayloadHash, date: Date
    ) -> Signature {
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(headers)
        let canonicalRequest = [
            method.uppercased(),
            canonicalURI(path),
            Self.canonicalQueryString(query),
            canonicalHeaders,
            signedHeaders,
            payload.headerValue,
        ].joined(separator: "\n")
        let scopeDate = AWSTimestamp.scopeDate(date)
        let scope = "\(scopeDate)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            "AWS4-HMAC-SHA256",
            AWSTimestamp.amzDate(date),
            scope,
            ByteEncoding.hex(SHA256Hasher.hash(Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        let key = keyCache.key(secret: credentials.secretAccessKey, date: scopeDate, region: region, service: service)
        let signature = ByteEncoding.hex(HMACSHA256.authenticate(stringToSign, key: key))
        return Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign,
            signature: signature, signedHeaders: signedHeaders, credentialScope: scope)
    }

    /// The canonical URI for a wire path under this signer's path rules.
    package func canonicalURI(_ path: String) -> String {
        var result = path.isEmpty ? "/" : path
        if pathRules.normalize { result = Self.removeDotSegments(result) }
        if pathRules.encode { result = URIEncoding.encode(result, keepSlash: true) }
        return result
    }

    /// RFC 3986 dot-segment removal, also dropping empty segments, as AWS normalizes paths.
    package static func removeDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { if !output.isEmpty { output.removeLast() }; continue }
            output.append(segment)
        }
        let leading = path.hasPrefix("/") ? "/" : ""
        let trailing = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        let joined = leading + output.joined(separator: "/") + trailing
        return joined.isEmpty ? "/" : joined
    }

    /// Names and values encoded once, sorted by encoded name then value, joined with `&`.
    package static func canonicalQueryString(_ query: [(name: String, value: String)]) -> String {
        query.map { (URIEncoding.encode($0.name), URIEncoding.encode($0.value)) }
            .sorted {
                $0.0 == $1.0
                    ? $0.1.utf8.lexicographicallyPrecedes($1.1.utf8) : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8)
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// Lower-cased names, values trimmed with inner runs of spaces collapsed, repeated names
    /// joined with commas in the order they appear, sorted by name.
    package static func canonicalHeaders(_ headers: HTTPHeaders) -> (canonical: String, signed: String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let lower = name.lowercased()
            if unsignedHeaders.contains(lower) { continue }
            merged[lower, default: []].append(trimAndCollapse(value))
        }
        let names = merged.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let canonical = names.map { "\($0):\(merged[$0, default: []].joined(separator: ","))\n" }.joined()
        return (canonical, names.joined(separator: ";"))
    }

    static func trimAndCollapse(_ value: String) -> String {
        var out = ""
        var lastWasSpace = false
        for ch in value.trimmed(newlines: false) {
            if ch == " " || ch == "\t" {
                if !lastWasSpace { out.append(" ") }
                lastWasSpace = true
            } else {
                out.append(ch)
                lastWasSpace = false
            }
        }
        return out
    }
}
