import LambdaShiftCore
import Synchronization

/// stdout: a command's result and nothing else (PRODUCT.md, "Output streams"). In text mode,
/// lines of result (`name=value` outputs, a plan, a status); with `--output json`, exactly one
/// JSON document for the whole run, failures included. Log lines, annotations, masks and
/// progress never come here: they go to the reporter, on stderr.
public final class ResultChannel: Sendable {
    public let json: Bool
    private let write: @Sendable (String) -> Void
    private let secrets: SecretRegistry
    private let documentWritten = Mutex(false)

    public init(json: Bool, secrets: SecretRegistry, write: @escaping @Sendable (String) -> Void) {
        self.json = json
        self.secrets = secrets
        self.write = write
    }

    /// A line of text-mode result; nothing in JSON mode (the document carries the result).
    public func line(_ text: String) {
        guard !json else { return }
        write(secrets.redact(text))
    }

    /// Text that is the result in text mode whatever the format flag says (a policy, help).
    public func text(_ text: String) {
        write(secrets.redact(text))
    }

    /// The run's one JSON document; a second call is ignored, so an error after the result was
    /// written cannot add another document. Nothing in text mode.
    public func document(_ members: [String: JSONValue]) {
        guard json else { return }
        let first = documentWritten.withLock { written in
            defer { written = true }
            return !written
        }
        guard first else { return }
        write(secrets.redact(JSONValue.object(members).rendered()))
    }

    /// Whether the run's JSON document has been written.
    public var wroteDocument: Bool { documentWritten.withLock { $0 } }
}
