import Hashing
import AWSCore
import Foundation
import Testing

/// The AWS SigV4 test suite (awslabs/aws-c-auth, tests/aws-signing-test-suite/v4), header
/// signing, transcribed as fixtures: canonical request, string to sign and signature are
/// each checked on their own.
@Suite("SigV4 against the AWS signing test suite")
struct SigV4SuiteTests {
    struct Vector: CustomTestStringConvertible {
        var name: String
        var directory: URL
        var testDescription: String { name }
    }

    static let fixtures: URL = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/sigv4-suite")

    static let vectors: [Vector] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []
        return names.sorted().map { Vector(name: $0, directory: fixtures.appendingPathComponent($0)) }
    }()

    @Test("the required vectors are present")
    func requiredVectorsPresent() {
        let names = Set(Self.vectors.map(\.name))
        for required in [
            "get-vanilla", "get-vanilla-query-order-key-case", "get-header-key-duplicate", "get-header-value-trim",
            "get-unreserved", "get-utf8", "get-space-normalized", "get-space-unnormalized",
            "post-x-www-form-urlencoded",
            "post-sts-header-before", "post-sts-header-after",
        ] {
            #expect(names.contains(required), "missing vector \(required)")
        }
        #expect(Self.vectors.count >= 30)
    }

    @Test("each vector's canonical request, string to sign and signature", arguments: vectors)
    func vector(_ vector: Vector) throws {
        let context =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: vector.directory.appendingPathComponent("context.json"))) as! [String: Any]
        let credentialsJSON = context["credentials"] as! [String: String]
        let omitToken = context["omit_session_token"] as? Bool ?? false
        let signBody = context["sign_body"] as? Bool ?? false
        let normalize = context["normalize"] as? Bool ?? true
        let date = try #require(AWSTimestamp.parse(context["timestamp"] as! String))
        let credentials = AWSCredentials(
            accessKeyId: credentialsJSON["access_key_id"]!, secretAccessKey: credentialsJSON["secret_access_key"]!,
            sessionToken: omitToken ? nil : credentialsJSON["token"])
        let signer = SigV4Signer(
            credentials: credentials, region: context["region"] as! String, service: context["service"] as! String,
            pathRules: .init(normalize: normalize, encode: true), addContentSHA256Header: signBody)

        var request = try Self.parseRequest(Data(contentsOf: vector.directory.appendingPathComponent("request.txt")))
        let payload = PayloadHash.sha256Hex(ByteEncoding.hex(SHA256Hasher.hash(request.bodyBytes)))
        let signature = signer.sign(&request.http, payload: payload, date: date)

        #expect(signature.canonicalRequest == (try Self.text(vector, "header-canonical-request.txt")))
        #expect(signature.stringToSign == (try Self.text(vector, "header-string-to-sign.txt")))
        #expect(signature.signature == (try Self.text(vector, "header-signature.txt")))
        #expect(request.http.headers["Authorization"]?.hasSuffix("Signature=\(signature.signature)") == true)
    }

    static func text(_ vector: Vector, _ file: String) throws -> String {
        String(decoding: try Data(contentsOf: vector.directory.appendingPathComponent(file)), as: UTF8.self)
            .trimmingCharacters(in: .newlines)
    }

    struct ParsedRequest {
        var http: HTTPRequest
        var bodyBytes: [UInt8]
    }

    /// Reads the suite's request.txt: `METHOD path[?query] HTTP/1.1`, `Name:value` lines,
    /// a blank line and the body. The path is taken as sent; the query is decoded.
    static func parseRequest(_ data: Data) throws -> ParsedRequest {
        let text = String(decoding: data, as: UTF8.self)
        let (head, body): (Substring, String) = {
            if let range = text.range(of: "\n\n") {
                return (text[..<range.lowerBound], String(text[range.upperBound...]))
            }
            return (Substring(text), "")
        }()
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        var target = String(requestLine.dropFirst(method.count + 1))
        if target.hasSuffix(" HTTP/1.1") { target.removeLast(9) }
        var path = target
        var query: [(name: String, value: String)] = []
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            for item in target[target.index(after: mark)...].split(separator: "&") {
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query.append(
                    (URIEncoding.decode(String(parts[0])), parts.count > 1 ? URIEncoding.decode(String(parts[1])) : ""))
            }
        }
        var headers = HTTPHeaders()
        var host = ""
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...])
            if name.lowercased() == "host" { host = value } else { headers.add(name, value) }
        }
        let http = HTTPRequest(
            method: method, endpoint: Endpoint(scheme: "https", host: host), path: path, query: query,
            headers: headers, body: body.isEmpty ? .empty : .bytes(Data(body.utf8)))
        return ParsedRequest(http: http, bodyBytes: Array(body.utf8))
    }
}
