import AWSCore
import Foundation

/// Bucket policies, lifecycle rules, SQS queues and event source mappings: the state around
/// code kept by reference and around versions in use, set up with signed calls.
extension Seeder {
    func putBucketPolicy(_ bucket: String, statements: [[String: Any]]) async throws {
        let body = try JSONSerialization.data(withJSONObject: ["Version": "2012-10-17", "Statement": statements])
        _ = try await client.send(.s3, AWSOperation("PutBucketPolicy")) { endpoint in
            HTTPRequest(
                method: "PUT", endpoint: endpoint, path: "/" + bucket, query: [("policy", "")],
                headers: ["Content-Type": "application/json"], body: .bytes(body))
        }
    }

    /// The statement the Lambda DG gives for referenced code, over the whole bucket.
    static func lambdaReadStatement(bucket: String, function: String, actions: [String]? = nil) -> [String: Any] {
        [
            "Sid": "LambdaSelfManagedCodeAccess", "Effect": "Allow",
            "Principal": ["Service": "lambda.amazonaws.com"],
            "Action": actions ?? ["s3:GetObject", "s3:GetObjectVersion"], "Resource": ["arn:aws:s3:::\(bucket)/*"],
            "Condition": ["ArnLike": ["aws:SourceArn": "arn:aws:lambda:us-east-1:123456789012:function:\(function)"]],
        ]
    }

    /// One lifecycle rule deleting noncurrent versions under `prefix` after `days`.
    func putNoncurrentExpiry(_ bucket: String, id: String, prefix: String, days: Int) async throws {
        let xml = """
            <LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>\(id)</ID>\
            <Filter><Prefix>\(prefix)</Prefix></Filter><Status>Enabled</Status>\
            <NoncurrentVersionExpiration><NoncurrentDays>\(days)</NoncurrentDays></NoncurrentVersionExpiration>\
            </Rule></LifecycleConfiguration>
            """
        let body = Data(xml.utf8)
        // S3 requires Content-MD5 (or a checksum) on PutBucketLifecycleConfiguration.
        let md5 = try Shell.run(
            [
                "python3", "-c",
                "import base64,hashlib,sys;print(base64.b64encode(hashlib.md5(sys.stdin.buffer.read()).digest()).decode())",
            ], input: xml
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try await client.send(.s3, AWSOperation("PutBucketLifecycleConfiguration")) { endpoint in
            HTTPRequest(
                method: "PUT", endpoint: endpoint, path: "/" + bucket, query: [("lifecycle", "")],
                headers: ["Content-Type": "application/xml", "Content-MD5": md5], body: .bytes(body))
        }
    }

    /// PutObject of small bytes (no checksum, no sidecars): an object lambda-shift did not write.
    func putObject(_ bucket: String, key: String, _ text: String) async throws {
        _ = try await client.send(.s3, AWSOperation("PutObject")) { endpoint in
            HTTPRequest(
                method: "PUT", endpoint: endpoint, path: "/\(bucket)/\(key)",
                headers: ["Content-Type": "text/plain"], body: .bytes(Data(text.utf8)))
        }
    }

    static let sqs = AWSService(signingName: "sqs", endpointKey: "SQS", displayName: "SQS", wireProtocol: .json10)

    /// An SQS queue (JSON protocol), returning its ARN.
    func createQueue(_ name: String) async throws -> String {
        let body = try JSONSerialization.data(withJSONObject: ["QueueName": name])
        _ = try await client.send(Self.sqs, AWSOperation("CreateQueue")) { endpoint in
            HTTPRequest(
                method: "POST", endpoint: endpoint, path: "/",
                headers: ["Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue"],
                body: .bytes(body))
        }
        return "arn:aws:sqs:us-east-1:123456789012:\(name)"
    }

    /// An event source mapping from `queueArn` to `function` (a qualified name such as fn:2).
    func createEventSourceMapping(_ function: String, queueArn: String) async throws {
        let body = try JSONSerialization.data(withJSONObject: ["FunctionName": function, "EventSourceArn": queueArn])
        _ = try await client.send(.lambda, AWSOperation("CreateEventSourceMapping")) { endpoint in
            HTTPRequest(
                method: "POST", endpoint: endpoint, path: "/2015-03-31/event-source-mappings/",
                headers: ["Content-Type": "application/json"], body: .bytes(body))
        }
    }
}
