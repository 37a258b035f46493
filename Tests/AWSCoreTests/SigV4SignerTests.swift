import AWSCore
import Foundation
import Testing

@Suite("SigV4 signer details")
struct SigV4SignerTests {
    let date = AWSTimestamp.parse("2026-11-21T10:00:00Z")!
    let credentials = AWSCredentials(
        accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    @Test("S3 signs the wire path as it is; other services encode it again")
    func pathEncodingPerService() {
        let wire = URIEncoding.path(["my bucket", "a b/ü.zip"], keepSlashInSegments: true)
        #expect(wire == "/my%20bucket/a%20b/%C3%BC.zip")
        let s3 = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3")
        let lambda = SigV4Signer(credentials: credentials, region: "us-east-1", service: "lambda")
        #expect(s3.canonicalURI(wire) == "/my%20bucket/a%20b/%C3%BC.zip")
        #expect(lambda.canonicalURI(wire) == "/my%2520bucket/a%2520b/%25C3%25BC.zip")
        // S3 keys may hold dot segments and double slashes: they are kept, not normalized.
        #expect(s3.canonicalURI("/b/a/../x//y") == "/b/a/../x//y")
        #expect(lambda.canonicalURI("/b/a/../x//y") == "/b/x/y")
    }

    @Test("the signing key is derived once per day, region and service")
    func signingKeyCached() {
        let cache = SigningKeyCache()
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "lambda", keyCache: cache)
        for _ in 0..<5 {
            var request = HTTPRequest(
                method: "GET", endpoint: Endpoint(scheme: "https", host: "lambda.us-east-1.amazonaws.com"), path: "/")
            signer.sign(&request, payload: .sha256Hex(PayloadHash.emptySHA256), date: date)
        }
        #expect(cache.derivationCount == 1)
        var other = HTTPRequest(method: "GET", endpoint: Endpoint(scheme: "https", host: "x"), path: "/")
        signer.sign(&other, payload: .unsigned, date: date.addingTimeInterval(86_400))
        #expect(cache.derivationCount == 2)
        let s3 = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3", keyCache: cache)
        s3.sign(&other, payload: .unsigned, date: date)
        #expect(cache.derivationCount == 3)
    }

    @Test("a session token is sent and signed; S3 states its payload hash")
    func sessionTokenAndPayloadHeader() {
        var withToken = credentials
        withToken.sessionToken = "token/with+chars=="
        let signer = SigV4Signer(credentials: withToken, region: "eu-west-1", service: "s3")
        var request = HTTPRequest(
            method: "PUT", endpoint: Endpoint(scheme: "http", host: "127.0.0.1", port: 4566), path: "/b/k")
        let signature = signer.sign(&request, payload: .unsigned, date: date)
        #expect(request.headers["X-Amz-Security-Token"] == "token/with+chars==")
        #expect(request.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD")
        #expect(request.headers["Host"] == "127.0.0.1:4566")
        #expect(signature.signedHeaders == "host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
        #expect(signature.canonicalRequest.hasSuffix("\nUNSIGNED-PAYLOAD"))
        #expect(signature.credentialScope == "20261121/eu-west-1/s3/aws4_request")
    }

    @Test("credentials never show their secret or token in a description")
    func credentialsRedacted() {
        let value = AWSCredentials(
            accessKeyId: "AKIDEXAMPLE", secretAccessKey: "SECRETVALUE123", sessionToken: "TOKENVALUE456")
        for text in [value.description, value.debugDescription, "\(value)", String(reflecting: value)] {
            #expect(!text.contains("SECRETVALUE123"))
            #expect(!text.contains("TOKENVALUE456"))
            #expect(text.contains("AKIDEXAMPLE"))
        }
    }

    @Test("query strings: sorted by encoded name then value, repeated keys kept, empty values kept")
    func canonicalQuery() {
        let query: [(name: String, value: String)] = [
            ("b", "2"), ("a", "z"), ("a", "y"), ("empty", ""), ("sp ace", "ü/+"),
        ]
        #expect(SigV4Signer.canonicalQueryString(query) == "a=y&a=z&b=2&empty=&sp%20ace=%C3%BC%2F%2B")
    }
}
