@testable import CISupport
import FuzzSupport
@testable import LambdaShiftCore

/// The GitLab dotenv report (`GitLabReporter.dotenv`) and its reading in a later job
/// (`CIEnvironment.withoutEarlierOutputs`). The input is NUL-separated name, value pairs; names
/// keep only what output names hold (`a-z`, `0-9`, `-`). Read as GitLab reads a dotenv file
/// (lines, `KEY=VALUE`, both stripped), the report holds one variable per output, no other but
/// the marker, each value as written with its line breaks turned to spaces; in the next job every
/// one of them is dropped, and nothing else. Read as a job's whole environment, the same pairs
/// lose only `LAMBDA_SHIFT_` variables and the marker.
fuzz { bytes in
    let parts = fields(bytes)
    var outputs: [(String, String)] = []
    var seen: Set<String> = []
    for index in stride(from: 0, to: parts.count - 1, by: 2) {
        let name = String(
            parts[index].unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        // `outputs` would be the marker's own variable: no output is named so.
        guard !name.isEmpty, name != "outputs", seen.insert(GitLabReporter.variable(name)).inserted else { continue }
        outputs.append((name, parts[index + 1]))
    }
    let report = GitLabReporter.dotenv(outputs)
    let read = gitLabReading(report)
    require(read != nil, "GitLab refuses \(report)")
    var expected = [CIEnvironment.outputsMarker: outputs.map(\.0).joined(separator: ",")]
    for (name, value) in outputs {
        expected[GitLabReporter.variable(name)] = rubyStripped(
            value.replacingAll("\r", with: " ").replacingAll("\n", with: " "))
    }
    if outputs.isEmpty { expected = [:] }
    require(read == expected, "\(report) reads as \(read ?? [:])")
    let own = ["INPUT_FUNCTION": "api", "CI_JOB_ID": "7"]
    let (next, ignored) = CIEnvironment.withoutEarlierOutputs(Environment(own.merging(read ?? [:]) { $1 }))
    require(next.variables == own, "the next job keeps \(next.variables)")
    require(ignored == outputs.map { GitLabReporter.variable($0.0) }.sorted(), "ignored \(ignored)")
    var environment: [String: String] = [:]
    for index in stride(from: 0, to: parts.count - 1, by: 2) { environment[parts[index]] = parts[index + 1] }
    let (kept, dropped) = CIEnvironment.withoutEarlierOutputs(Environment(environment))
    for (name, value) in environment where kept.variables[name] != value {
        require(name.hasPrefix("LAMBDA_SHIFT_"), "\(name) dropped")
    }
    require(dropped.allSatisfy { $0.hasPrefix("LAMBDA_SHIFT_") && environment[$0] != nil }, "dropped \(dropped)")
    require(kept.variables.allSatisfy { environment[$0.key] == $0.value }, "a variable changed")
}

/// GitLab's reading of a dotenv artifact (`Ci::ParseDotenvArtifactService`): each line
/// (`each_line`, split after `\n`) must match `^(.*?)=(.*)$`, and key and value are stripped as
/// Ruby strips; nil when a line does not match.
func gitLabReading(_ report: String) -> [String: String]? {
    var variables: [String: String] = [:]
    for line in report.utf8.split(separator: UInt8(ascii: "\n")) {
        guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        variables[rubyStripped(text(line[..<equals]))] = rubyStripped(text(line[line.index(after: equals)...]))
    }
    return variables
}

/// Ruby's String#strip: leading whitespace, trailing whitespace and NULs (`\t\n\v\f\r `).
func rubyStripped(_ text: String) -> String {
    let blank: Set<Unicode.Scalar> = ["\t", "\n", "\u{0B}", "\u{0C}", "\r", " "]
    var scalars = Substring(text).unicodeScalars
    while let first = scalars.first, blank.contains(first) { scalars.removeFirst() }
    while let last = scalars.last, blank.contains(last) || last == "\0" { scalars.removeLast() }
    return String(scalars)
}
