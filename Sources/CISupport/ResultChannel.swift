import LambdaShiftCore
import Synchronization

/// stdout: a command's result and nothing else (PRODUCT.md, "Output streams"). In text mode,
/// lines of result (`name=value` outputs, a plan, a status); with `--output json`, exactly one
/// JSON document for the whole run, failures included. Log lines, annotations, masks and
/// progress never come here: they go to the reporter, on stderr.
package final class ResultChannel: Sendable {
    package let json: Bool
    private let write: @Sendable (String) -> Void
    private let clean: @Sendable (String) -> String
    private let documentWritten = Mutex(false)

    /// `clean`: the front's redaction (`RedactingReporter.clean`), applied to all it writes.
    package init(
        json: Bool, clean: @escaping @Sendable (String) -> String, write: @escaping @Sendable (String) -> Void
    ) {
        self.json = json
        self.clean = clean
        self.write = write
    }

    /// A line of text-mode result; nothing in JSON mode (the document carries the result).
    package func line(_ text: String) {
        guard !json else { return }
        write(clean(text))
    }

    /// Text that is the result in text mode whatever the format flag says (a policy, help).
    package func text(_ text: String) {
        write(clean(text))
    }

    /// The run's one JSON document; a second call is ignored, so an error after the result was
    /// written cannot add another document. Nothing in text mode.
    package func document(_ members: [String: JSONValue]) {
        guard json else { return }
        let first = documentWritten.withLock { written in
            defer { written = true }
            return !written
        }
        guard first else { return }
        write(clean(JSONValue.object(members).rendered()))
    }

    /// Whether the run's JSON document has been written.
    package var wroteDocument: Bool { documentWritten.withLock { $0 } }
}
