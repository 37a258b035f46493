/// GitHub Actions workflow commands (`::error file=a.swift,line=3::message`), escaped exactly
/// as the runner expects: data escapes `%`, CR and LF; property values also `:` and `,`.
/// https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
package enum WorkflowCommand {
    package static func escapeData(_ text: String) -> String {
        text.replacingAll("%", with: "%25")
            .replacingAll("\r", with: "%0D")
            .replacingAll("\n", with: "%0A")
    }

    package static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingAll(":", with: "%3A").replacingAll(",", with: "%2C")
    }

    /// `::name key=value,key=value::message`, properties in the given order.
    package static func format(_ name: String, properties: [(String, String)] = [], message: String) -> String {
        var line = "::" + name
        if !properties.isEmpty {
            line += " " + properties.map { "\($0.0)=\(escapeProperty($0.1))" }.joined(separator: ",")
        }
        return line + "::" + escapeData(message)
    }
}
