import Hashing
import AWSCore
import AWSServices
import Foundation
import TestSupport
import Testing

/// The exact requests the typed calls send, checked against a scripted transport.
@Suite("Typed calls: request shapes")
struct RequestShapeTests {
    @Test("S3 on AWS is virtual-hosted for DNS-safe buckets and path-style otherwise; keys encode once")
    func s3Addressing() async throws {
        let ok = ScriptedTransport.Step.respond(HTTPResponse(status: 200, headers: ["x-amz-version-id": "v1"]))
        let transport = ScriptedTransport([ok, ok])
        let s3 = S3Client(client: testClient(transport))
        let digest = SHA256Hasher.hash(Data("zip".utf8))
        _ = try await s3.putObject(
            bucket: "my-artifacts", key: "repo/fn/v1 2/package.zip", body: .bytes(Data("zip".utf8)), sha256: digest)
        _ = try await s3.putObject(
            bucket: "my.dotted.bucket", key: "a+b.zip", body: .bytes(Data("zip".utf8)), sha256: digest)
        let sent = transport.sent
        #expect(sent[0].url == "https://my-artifacts.s3.us-east-1.amazonaws.com/repo/fn/v1%202/package.zip")
        #expect(sent[1].url == "https://s3.us-east-1.amazonaws.com/my.dotted.bucket/a%2Bb.zip")
        #expect(sent[0].headers["x-amz-checksum-sha256"] == ByteEncoding.base64(digest))
        #expect(sent[0].headers["x-amz-content-sha256"] == ByteEncoding.hex(digest))
        #expect(sent[0].headers["Authorization"]?.contains("/us-east-1/s3/aws4_request") == true)
    }

    @Test("Lambda: ARNs are encoded in the path, bodies carry the preconditions, routing is explicit")
    func lambdaRequests() async throws {
        let alias = ScriptedTransport.json(
            200,
            #"{"Name":"live","FunctionVersion":"3","RevisionId":"r2","RoutingConfig":{"AdditionalVersionWeights":{"4":0.25}}}"#
        )
        let transport = ScriptedTransport([alias])
        let lambda = LambdaClient(client: testClient(transport))
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
        let result = try await lambda.updateAlias(
            arn, alias: "live", additionalVersionWeights: ["4": 0.25], revisionId: "r1")
        #expect(result.additionalVersionWeights == ["4": 0.25])
        #expect(result.revisionId == "r2")
        let request = try #require(transport.sent.first)
        #expect(request.method == "PUT")
        #expect(
            request.path
                == "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/aliases/live")
        guard case .bytes(let body) = request.body else { Issue.record("no body"); return }
        #expect(
            String(decoding: body, as: UTF8.self)
                == #"{"RevisionId":"r1","RoutingConfig":{"AdditionalVersionWeights":{"4":0.25}}}"#)
        #expect(request.headers["Content-Type"] == "application/json")
    }

    @Test("CloudWatch speaks JSON 1.0 with its target header and follows NextToken")
    func cloudWatchPaging() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.json(200, #"{"MetricAlarms":[{"AlarmName":"a","StateValue":"OK"}],"NextToken":"t1"}"#),
            ScriptedTransport.json(
                200, #"{"CompositeAlarms":[{"AlarmName":"b","StateValue":"ALARM","StateReason":"r"}]}"#),
        ])
        let alarms = try await CloudWatchClient(client: testClient(transport)).describeAlarms(prefix: "svc-")
        #expect(
            alarms == [
                AlarmState(name: "a", state: "OK", reason: ""), AlarmState(name: "b", state: "ALARM", reason: "r"),
            ])
        #expect(transport.sent.count == 2)
        #expect(
            transport.sent.allSatisfy { $0.headers["X-Amz-Target"] == "GraniteServiceVersion20100801.DescribeAlarms" })
        guard case .bytes(let second) = transport.sent[1].body else { Issue.record("no body"); return }
        #expect(String(decoding: second, as: UTF8.self).contains(#""NextToken":"t1""#))
    }
}
