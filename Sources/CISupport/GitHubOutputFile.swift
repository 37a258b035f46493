import LambdaShiftCore
import FoundationEssentials

/// Writes step outputs to the file named by GITHUB_OUTPUT in the runner's multi-line form:
/// `name<<DELIMITER`, the value, `DELIMITER`, with a random delimiter that appears in neither
/// name nor value (the deprecated `::set-output` is never used).
package enum GitHubOutputFile {
    package static func entry(name: String, value: String, delimiter: String) throws -> String {
        guard !name.contains(delimiter), !value.contains(delimiter) else {
            throw ReporterError("An output value contains its own delimiter; this should never happen: report it.")
        }
        return "\(name)<<\(delimiter)\n\(value)\n\(delimiter)\n"
    }

    package static func randomDelimiter() -> String {
        "ghadelimiter_" + UUID().uuidString
    }

    /// Appends `text` to the file at `path`, creating it if needed.
    package static func append(_ text: String, to path: String) throws {
        guard POSIX.append(text.utf8, toFile: path) else {
            throw ReporterError("Cannot write \(path) for the step's outputs: check the runner's file permissions.")
        }
    }
}

/// A report could not be written.
package struct ReporterError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
