import AWSCore
import Foundation
import Synchronization

/// A transport that answers from a script and records what it was sent.
package final class ScriptedTransport: HTTPTransport {
    package enum Step: Sendable {
        case respond(HTTPResponse)
        case fail(HTTPTransportError.Kind)
    }

    private let state: Mutex<(steps: [Step], sent: [HTTPRequest])>

    package init(_ steps: [Step]) { state = Mutex((steps, [])) }

    package var sent: [HTTPRequest] { state.withLock { $0.sent } }

    package func send(_ request: HTTPRequest, timeout: HTTPTimeouts) async throws -> HTTPResponse {
        let step: Step = state.withLock { state in
            state.sent.append(request)
            return state.steps.isEmpty ? .fail(.other) : state.steps.removeFirst()
        }
        switch step {
        case .respond(let response): return response
        case .fail(let kind): throw HTTPTransportError(kind: kind, message: "scripted \(kind)", url: request.url)
        }
    }

    package static func json(_ status: Int, _ body: String, headers: HTTPHeaders = [:]) -> Step {
        .respond(HTTPResponse(status: status, headers: headers, body: Data(body.utf8)))
    }
}

/// A sleeper that records the waits instead of waiting.
package final class RecordingSleeper: Sleeper {
    private let waits = Mutex<[Double]>([])
    package var recorded: [Double] { waits.withLock { $0 } }
    package init() {}
    package func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        waits.withLock { $0.append(seconds) }
    }
}

/// A clock tests move by hand.
package final class ManualClock: AWSClock {
    private let current: Mutex<Date>
    package init(_ start: Date) { current = Mutex(start) }
    package func now() -> Date { current.withLock { $0 } }
    package func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

package func testClient(
    _ transport: any HTTPTransport, sleeper: RecordingSleeper = RecordingSleeper(), maxAttempts: Int = 3
) -> AWSClient {
    AWSClient(
        transport: transport,
        credentialSource: StaticCredentialSource(AWSCredentials(accessKeyId: "AKIDTEST", secretAccessKey: "secret")),
        region: "us-east-1",
        retryPolicy: StandardRetryPolicy(maxAttempts: maxAttempts, random: { 0.5 }),
        sleeper: sleeper)
}
