import ArgumentParser
import Config
import Pipeline

/// Arguments whose flags are settings: each lists its flags by their typed setting (a typo is a
/// compile error); `CommandOptionsTests` parses every command with each of its setting flags and
/// holds the list to what the command declares, so a flag declared and not listed cannot pass.
protocol SettingArguments: ParsableArguments {
    var flags: SettingFlags { get }
}

extension ArgumentHelp {
    /// The table's help for a setting, as `command` reads it.
    static func setting(_ setting: Setting, for command: SettingCommand = .deploy) -> ArgumentHelp {
        ArgumentHelp(SettingsTable.spec(setting).help(for: command))
    }
}

extension CommandHelp {
    var configuration: CommandConfiguration {
        CommandConfiguration(commandName: commandName, abstract: abstract, discussion: discussion)
    }
}
