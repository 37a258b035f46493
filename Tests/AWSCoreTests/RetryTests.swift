import LambdaShiftCore
import AWSCore
import Foundation
import TestSupport
import Testing

@Suite("Retries in the SDKs' standard mode")
struct RetryTests {
    let throttled = ScriptedTransport.json(
        429, #"{"message":"Rate exceeded"}"#, headers: ["x-amzn-ErrorType": "TooManyRequestsException"])
    let ok = ScriptedTransport.json(200, #"{"Version":"3"}"#)

    func publish(_ client: AWSClient, idempotent: Bool = false) async throws -> HTTPResponse {
        try await client.send(.lambda, AWSOperation("PublishVersion", idempotent: idempotent)) { endpoint in
            HTTPRequest(
                method: "POST", endpoint: endpoint, path: "/2015-03-31/functions/f/versions",
                body: .bytes(Data("{}".utf8)))
        }
    }

    @Test("throttling is retried with full-jitter backoff, even for a call that is not safe to repeat")
    func throttlingRetried() async throws {
        let transport = ScriptedTransport([throttled, throttled, ok])
        let sleeper = RecordingSleeper()
        let response = try await publish(testClient(transport, sleeper: sleeper))
        #expect(response.status == 200)
        #expect(transport.sent.count == 3)
        // random() = 0.5 of the ceiling: 0.5 s base for throttling, doubling.
        #expect(sleeper.recorded == [0.25, 0.5])
        // Each attempt is signed afresh.
        #expect(Set(transport.sent.compactMap { $0.headers["Authorization"] }).count >= 1)
        #expect(
            transport.sent.allSatisfy {
                $0.headers["Authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDTEST/") == true
            })
    }

    @Test("a 500 or a broken connection is not repeated for a call that is not safe to repeat")
    func nonIdempotentNotRetriedAfterUnknownOutcome() async throws {
        let serverError = ScriptedTransport.json(
            500, #"{"message":"boom"}"#, headers: ["x-amzn-ErrorType": "ServiceException"])
        for step in [serverError, .fail(.connectionLost), .fail(.timeout)] {
            let transport = ScriptedTransport([step, ok])
            await #expect(throws: (any Error).self) { try await publish(testClient(transport)) }
            #expect(transport.sent.count == 1)
        }
    }

    @Test("the same failures are retried for an idempotent call, and a refused connection for any call")
    func idempotentRetried() async throws {
        let transport = ScriptedTransport([.fail(.connectionLost), ScriptedTransport.json(503, "{}"), ok])
        #expect(try await publish(testClient(transport), idempotent: true).status == 200)
        #expect(transport.sent.count == 3)
        let refused = ScriptedTransport([.fail(.connect), ok])
        #expect(try await publish(testClient(refused)).status == 200)
        #expect(refused.sent.count == 2)
    }

    @Test("a client error is never retried and keeps AWS's code, message and request id")
    func clientErrorNotRetried() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.json(
                404, #"{"message":"Function not found: f"}"#,
                headers: ["x-amzn-ErrorType": "ResourceNotFoundException", "x-amzn-RequestId": "rid-9"])
        ])
        do {
            _ = try await publish(testClient(transport), idempotent: true)
            Issue.record("expected an error")
        } catch let error as AWSServiceError {
            #expect(error.code == "ResourceNotFoundException")
            #expect(error.requestId == "rid-9")
            #expect(error.message == "Function not found: f")
        }
        #expect(transport.sent.count == 1)
    }

    @Test("giving up says how many attempts were made")
    func givesUp() async throws {
        let transport = ScriptedTransport([throttled, throttled, throttled, ok])
        do {
            _ = try await publish(testClient(transport, maxAttempts: 3))
            Issue.record("expected an error")
        } catch let error as AWSServiceError {
            #expect(error.code == "TooManyRequestsException")
            #expect(error.description.contains("gave up after 3 attempts"))
        }
        #expect(transport.sent.count == 3)
    }

    @Test("an endpoint that cannot be reached is a configuration error naming the override variable")
    func unreachable() async throws {
        let transport = ScriptedTransport([.fail(.connect), .fail(.connect), .fail(.connect)])
        do {
            _ = try await publish(testClient(transport))
            Issue.record("expected an error")
        } catch let error as AWSClientError {
            #expect(error.code == .endpointUnreachable)
            #expect(error.isConfiguration)
            #expect(error.message.contains("AWS_ENDPOINT_URL_LAMBDA"))
            #expect(error.message.contains("after 3 attempts"))
        }
    }

    @Test("AWS_MAX_ATTEMPTS sets the attempts; nonsense is a configuration error")
    func maxAttemptsFromEnvironment() throws {
        #expect(try StandardRetryPolicy(environment: Environment(["AWS_MAX_ATTEMPTS": "7"])).maxAttempts == 7)
        #expect(try StandardRetryPolicy(environment: Environment([:])).maxAttempts == 3)
        #expect(throws: AWSClientError.self) {
            try StandardRetryPolicy(environment: Environment(["AWS_MAX_ATTEMPTS": "0"]))
        }
        #expect(throws: AWSClientError.self) {
            try StandardRetryPolicy(environment: Environment(["AWS_MAX_ATTEMPTS": "lots"]))
        }
    }

    @Test("backoff is capped at 20 seconds")
    func backoffCap() {
        let policy = StandardRetryPolicy(random: { 0.999 })
        #expect(policy.delay(afterAttempt: 30, kind: .throttling) < 20)
        #expect(policy.delay(afterAttempt: 30, kind: .throttling) > 19.9)
        #expect(policy.delay(afterAttempt: 1, kind: .transient) < 0.1)
    }

    @Test("a cancelled task stops before retrying")
    func cancellationStopsRetries() async throws {
        let transport = ScriptedTransport([throttled, throttled, ok])
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await publish(testClient(transport))
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(transport.sent.count == 0)
    }
}
