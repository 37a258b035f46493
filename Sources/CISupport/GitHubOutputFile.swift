import LambdaShiftCore
import FoundationEssentials

/// Writes step outputs to the file named by GITHUB_OUTPUT in the runner's multi-line form:
/// `name<<DELIMITER`, the value, `DELIMITER`, with a random delimiter that appears in neither
/// name nor value (the deprecated `::set-output` is never used).
public enum GitHubOutputFile {
    public static func entry(name: String, value: String, delimiter: String) throws -> String {
        guard !name.contains(delimiter), !value.contains(delimiter) else {
            throw ReporterError("An output value contains its own delimiter; this should never happen: report it.")
        }
        return "\(name)<<\(delimiter)\n\(value)\n\(delimiter)\n"
    }

    public static func randomDelimiter() -> String {
        "ghadelimiter_" + UUID().uuidString
    }

    /// Appends `text` to the file at `path`, creating it if needed.
    public static func append(_ text: String, to path: String) throws {
        guard POSIX.append(text.utf8, toFile: path) else {
            throw ReporterError("Cannot write \(path) for the step's outputs: check the runner's file permissions.")
        }
    }
}

/// A report could not be written.
public struct ReporterError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
