import Hashing
import AWSCore
import Foundation
import TestSupport
import Testing

/// Generated requests (odd paths, unicode, repeated query keys, empty values, messy header
/// values) signed by our signer and by botocore, the reference implementation: identical
/// canonical requests, strings to sign and signatures.
@Suite("SigV4 differential test against botocore")
struct BotocoreDifferentialTests {
    /// A small deterministic generator, so a failure reproduces.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
        mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }
    }

    static let segments = [
        "a", "b c", "ü", "日本", "x+y", "k=v", "50%", "~tilde", "dot.dot", ".", "..", "", "emoji😀",
        "arn:aws:lambda:us-east-1:123456789012:function:f", "$LATEST", "semi;colon", "quote'd", "a&b", "slash%2F",
    ]
    static let queryNames = ["a", "A", "b", "Qualifier", "x y", "ü", "uploads", "partNumber", "empty", "versionId"]
    static let queryValues = ["", "1", "v a l", "ü", "a&b=c", "+", "/", "~", "%"]

    static func makeRequests(count: Int) -> [(HTTPRequest, SigV4Signer, PayloadHash)] {
        var g = Generator(state: 20_261_121)
        var out: [(HTTPRequest, SigV4Signer, PayloadHash)] = []
        let credentials = AWSCredentials(
            accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        for index in 0..<count {
            let service = g.pick(["lambda", "s3", "sts", "monitoring"])
            var creds = credentials
            if g.chance(30) { creds.sessionToken = "FQoGZXIvYXdzE//token+with/slashes==" }
            let signer = SigV4Signer(
                credentials: creds, region: g.pick(["us-east-1", "eu-west-1", "cn-north-1"]), service: service)
            let segmentCount = Int(g.next() % 5)
            let raw = (0..<segmentCount).map { _ in g.pick(segments) }
            let path =
                URIEncoding.path(raw, keepSlashInSegments: service == "s3" && g.chance(50)) + (g.chance(20) ? "/" : "")
            var query: [(name: String, value: String)] = []
            for _ in 0..<Int(g.next() % 5) {
                let name = g.pick(queryNames)
                query.append((name, g.pick(queryValues)))
                if g.chance(30) { query.append((name, g.pick(queryValues))) }  // a repeated key
            }
            var headers: HTTPHeaders = [
                "Content-Type": g.pick(["application/json", "application/x-amz-json-1.0", "text/plain; charset=utf-8"])
            ]
            if g.chance(50) { headers.add("X-Amz-Meta-Note", "  spaced   out\tvalue  ") }
            if g.chance(30) { headers.add("X-Custom", "first"); headers.add("x-custom", "second") }
            let body = Data((0..<Int(g.next() % 64)).map { _ in UInt8(g.next() % 256) })
            let payload: PayloadHash =
                service == "s3" && g.chance(40) ? .unsigned : .sha256Hex(ByteEncoding.hex(SHA256Hasher.hash(body)))
            let request = HTTPRequest(
                method: g.pick(["GET", "PUT", "POST", "DELETE", "HEAD"]),
                endpoint: Endpoint(scheme: "https", host: "\(service).example.com", port: index % 3 == 0 ? 8443 : nil),
                path: path, query: query, headers: headers, body: .bytes(body))
            out.append((request, signer, payload))
        }
        return out
    }

    @Test("200 generated requests sign identically with lambda-shift and botocore", .tags(.python))
    func differentialPython() throws {
        let date = try #require(AWSTimestamp.parse("2026-11-21T19:14:00Z"))
        var inputs: [[String: Any]] = []
        var ours: [SigV4Signer.Signature] = []
        for (template, signer, payload) in Self.makeRequests(count: 200) {
            var request = template
            let signature = signer.sign(&request, payload: payload, date: date)
            ours.append(signature)
            guard case .bytes(let body) = request.body else { continue }
            var item: [String: Any] = [
                "method": request.method, "url": request.url,
                "headers": request.headers.fields.filter { $0.name != "Authorization" }.map { [$0.name, $0.value] },
                "bodyBase64": body.base64EncodedString(), "service": signer.service, "region": signer.region,
                "accessKeyId": signer.credentials.accessKeyId, "secretAccessKey": signer.credentials.secretAccessKey,
                "amzDate": AWSTimestamp.amzDate(date),
                "signedHeaders": signature.signedHeaders.split(separator: ";").map(String.init),
            ]
            if let token = signer.credentials.sessionToken { item["sessionToken"] = token }
            inputs.append(item)
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("twin/sigv4_reference.py").path
        let reference = try runPython(arguments: [script], input: JSONSerialization.data(withJSONObject: inputs))
        let results = try #require(try JSONSerialization.jsonObject(with: reference) as? [[String: String]])
        #expect(results.count == ours.count)
        for (index, (mine, theirs)) in zip(ours, results).enumerated() {
            #expect(
                mine.canonicalRequest == theirs["canonicalRequest"], "request \(index): \(inputs[index]["url"] ?? "")")
            #expect(mine.stringToSign == theirs["stringToSign"], "request \(index)")
            #expect(mine.signature == theirs["signature"], "request \(index)")
        }
    }
}
