import ArgumentParser
import Config
import Pipeline

/// A command's flags as settings: every `@Option`/`@Flag` whose property is named after a
/// setting of the table (`maxErrorRate` is `max-error-rate`) is read, by reflection, into
/// `SettingFlags`; `@OptionGroup`s are read through. A flag's help is the table's text
/// (`.setting(.bake)`), so a setting's meaning is written once.
enum SettingOptions {
    static func flags(_ options: any ParsableArguments) -> SettingFlags {
        var flags = SettingFlags()
        collect(options, into: &flags)
        return flags
    }

    private static func collect(_ value: Any, into flags: inout SettingFlags) {
        for child in Mirror(reflecting: value).children {
            guard let label = child.label, label.hasPrefix("_") else { continue }
            if let group = child.value as? any OptionGroupValue {
                collect(group.options, into: &flags)
                continue
            }
            let name = settingName(String(label.dropFirst()))
            guard SettingsTable.spec(named: name) != nil, let given = child.value as? any FlagTexts else { continue }
            let texts = given.texts
            if !texts.isEmpty { flags.values[name] = texts }
        }
    }

    /// `maxErrorRate` → `max-error-rate`, `functionURL` → `function-url` (ArgumentParser's own rule).
    static func settingName(_ property: String) -> String {
        var out = ""
        var previous: Character?
        for character in property {
            if character.isUppercase, let previous, previous.isLowercase || previous.isNumber { out += "-" }
            out += character.lowercased()
            previous = character
        }
        return out
    }
}

/// A flag's value as setting texts (none: not given).
protocol FlagTexts { var texts: [String] { get } }

extension Option: FlagTexts where Value: FlagTextsValue {
    var texts: [String] { wrappedValue.flagTexts }
}

extension Flag: FlagTexts where Value == Bool {
    var texts: [String] { wrappedValue ? ["true"] : [] }
}

protocol FlagTextsValue { var flagTexts: [String] { get } }

extension Optional: FlagTextsValue where Wrapped == String {
    var flagTexts: [String] { map { [$0] } ?? [] }
}

extension Array: FlagTextsValue where Element == String {
    var flagTexts: [String] { self }
}

protocol OptionGroupValue { var options: any ParsableArguments { get } }

extension OptionGroup: OptionGroupValue {
    var options: any ParsableArguments { wrappedValue }
}

extension ArgumentHelp {
    /// The table's help for a setting, as `command` reads it.
    static func setting(_ setting: Setting, for command: SettingCommand = .deploy) -> ArgumentHelp {
        ArgumentHelp(SettingsTable.spec(setting).help(for: command))
    }
}
