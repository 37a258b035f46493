import FoundationEssentials
import LambdaShiftCore

/// What a command found or did: its result as lines of text and as the JSON document, and its
/// outcome (with it, the exit code). Every command's result, and every JSON document's envelope
/// (command, outcome, exit-code, message or error), is rendered here.
package struct CommandResult: Sendable {
    package var command: String
    package var outcome: Outcome
    package var lines: [String]
    /// The document's own members; `document` adds the command, outcome, exit code and sentence.
    package var members: [String: JSONValue]
    /// A message when the command succeeded, the reason when it did not ("" for none).
    package var sentence: String

    package init(
        command: String, outcome: Outcome, lines: [String], members: [String: JSONValue] = [:], sentence: String = ""
    ) {
        self.command = command
        self.outcome = outcome
        self.lines = lines
        self.members = members
        self.sentence = sentence
    }

    /// The `--output json` document.
    package var document: [String: JSONValue] {
        var document = members
        document["command"] = .string(command)
        document["outcome"] = .string(outcome.word)
        document["exit-code"] = .int(Int(outcome.exitCode))
        if !sentence.isEmpty { document[outcome.succeeded ? "message" : "error"] = .string(sentence) }
        return document
    }
}

extension CommandResult {
    /// Writes the result to stdout (its lines, or the JSON document); a failed outcome then
    /// ends the command with its sentence and exit code.
    package func write(to context: CommandContext) throws {
        for line in lines { context.result.line(line) }
        context.result.document(document)
        if !outcome.succeeded { throw CommandFailure(sentence, exitCode: outcome.exitCode) }
    }
}
