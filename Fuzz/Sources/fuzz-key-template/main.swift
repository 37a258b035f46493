@testable import Config
import FuzzSupport

/// Key and setting templates (`KeyTemplate`, `SettingTemplate`). The input is a template, then
/// after each NUL a value for the next placeholder (in name order). A key template either is
/// refused with a `ConfigError` or renders a key with no brace left and no empty segment; a
/// setting template either is refused or renders with no `{` left (its values hold none here).
fuzz { bytes in
    let parts = fields(bytes)
    let template = parts[0]
    var values: [String: String] = [:]
    for (name, value) in zip(KeyTemplate.placeholders.sorted(), parts.dropFirst()) { values[name] = value }
    do {
        let key = try KeyTemplate(template).render(values)
        require(!key.utf8.contains { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") }, "\(template) left \(key)")
        require(!key.hasPrefix("/") && !key.hasSuffix("/") && !key.contains("//"), "\(template) made \(key)")
    } catch {
        require(error is ConfigError, "\(template) refused with \(error)")
    }
    let braceless = values.mapValues { String($0.unicodeScalars.filter { $0 != "{" && $0 != "}" }) }
    do {
        let rendered = try SettingTemplate.render(template, braceless)
        require(!rendered.utf8.contains(UInt8(ascii: "{")), "\(template) left \(rendered)")
    } catch {
        require(error is ConfigError, "\(template) refused with \(error)")
    }
}
