import ArgumentParser
import Config
import Foundation
import LambdaShiftCore
import Pipeline
@testable import LambdaShiftCLI
import Testing

/// Issue 35: every command's options held to the settings table exactly, from what
/// ArgumentParser itself says the commands take (`--experimental-dump-help`, in-process), so a
/// misspelled option, a setting a command forgot, or help written twice cannot pass.
@Suite("Every command's options are the table's settings for it, plus its own named options")
struct CommandOptionsTests {
    /// The options a command has that are no setting: each named here, on purpose.
    static let ownOptions: [String: Set<String>] = [
        "deploy": ["dry-run", "output"], "advance": ["output"], "plan": ["output"],
        "package": ["out", "output"], "status": ["output"], "doctor": ["output"],
        "promote": ["force", "output"], "rollback": ["to-version", "output"],
        "cleanup": ["output", "artifacts", "dry-run"],
        "iam-policy": ["format", "output", "account-id", "repository", "artifacts"],
        "init": ["ci", "repository", "format", "force", "dry-run", "output"],
    ]

    /// The setting scope each command reads (`advance` reads deploy's settings).
    static func scope(_ command: String) -> SettingCommand? {
        command == "advance" ? .deploy : SettingCommand(rawValue: command)
    }

    struct Argument: Decodable {
        struct Name: Decodable {
            var kind: String
            var name: String
        }
        var kind: String
        var names: [Name]?
        var abstract: String?
        var long: String? { names?.first { $0.kind == "long" }?.name }
    }

    struct Command: Decodable {
        var commandName: String
        var arguments: [Argument]?
        var subcommands: [Command]?
    }

    struct Dump: Decodable { var command: Command }

    /// What ArgumentParser reports of every subcommand, parsed as it prints it.
    static func commands() throws -> [Command] {
        var text = ""
        do {
            _ = try LambdaShift.parseAsRoot(["--experimental-dump-help"])
        } catch {
            text = LambdaShift.fullMessage(for: error)
        }
        let dump = try JSONDecoder().decode(Dump.self, from: Data(text.utf8))
        return dump.command.subcommands ?? []
    }

    /// The mismatches between `command`'s options and the table (empty: they agree).
    static func mismatches(_ command: Command) -> [String] {
        guard let scope = scope(command.commandName) else { return ["\(command.commandName): no setting scope"] }
        var problems: [String] = []
        let options = (command.arguments ?? []).filter { $0.kind != "positional" }
        var seen = Set<String>()
        for option in options {
            guard let name = option.long, name != "help", name != "version", name != "experimental-dump-help" else {
                continue
            }
            seen.insert(name)
            if let spec = SettingsTable.spec(named: name) {
                if !spec.isFlag(of: scope) {
                    problems.append("\(command.commandName) --\(name): the table does not give \(scope) this flag")
                } else if option.abstract != spec.help(for: scope) {
                    problems.append(
                        "\(command.commandName) --\(name): help \"\(option.abstract ?? "")\" is not the table's \"\(spec.help(for: scope))\""
                    )
                }
            } else if !(ownOptions[command.commandName] ?? []).contains(name) {
                problems.append("\(command.commandName) --\(name): neither a setting nor one of its own options")
            }
        }
        for spec in SettingsTable.settings(of: scope) where spec.isFlag(of: scope) && !seen.contains(spec.name) {
            problems.append("\(command.commandName): the table gives it --\(spec.name), which it does not take")
        }
        for own in ownOptions[command.commandName] ?? [] where !seen.contains(own) {
            problems.append("\(command.commandName): --\(own) is listed as its own option but not taken")
        }
        return problems
    }

    @Test("each command takes exactly the table's settings for it, with the table's help, and its named own options")
    func optionsMatchTheTable() throws {
        let commands = try Self.commands().filter { $0.commandName != "help" }  // ArgumentParser's own
        #expect(Set(commands.map(\.commandName)) == Set(Self.ownOptions.keys))
        for command in commands {
            let problems = Self.mismatches(command)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    /// The setting flags `command` declares that its `flags` do not carry as given (empty: each
    /// reaches the settings, under its own name, with its value, and nothing else does).
    static func unforwarded(_ command: Command, _ parse: ([String]) throws -> SettingFlags) throws -> [String] {
        var problems: [String] = []
        for option in command.arguments ?? [] {
            guard option.kind != "positional", let name = option.long, SettingsTable.spec(named: name) != nil else {
                continue
            }
            let value = option.kind == "flag" ? "true" : "given-\(name)"
            let arguments = [command.commandName, "--\(name)"] + (option.kind == "flag" ? [] : [value])
            let flags = try parse(arguments)
            if flags.values != [name: [value]] {
                problems.append("\(command.commandName) --\(name) reached the settings as \(flags.values)")
            }
        }
        return problems
    }

    static func parseFlags(_ arguments: [String]) throws -> SettingFlags {
        let command = try LambdaShift.parseAsRoot(arguments)
        guard let settings = command as? any SettingArguments else {
            Issue.record("\(arguments[0]) has setting flags but is no SettingArguments")
            return SettingFlags()
        }
        return settings.flags
    }

    @Test("every setting flag a command declares reaches its settings, by that name, with its value")
    func everyFlagReachesTheSettings() throws {
        let commands = try Self.commands().filter { $0.commandName != "help" }
        var checked = 0
        for command in commands {
            let problems = try Self.unforwarded(command, Self.parseFlags)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
            checked += (command.arguments ?? []).filter { $0.long.flatMap(SettingsTable.spec(named:)) != nil }.count
        }
        #expect(checked > 100, "only \(checked) setting flags were tried")
    }

    @Test("a flag declared and not listed, or listed under another setting, is found")
    func forwardingCheckFails() throws {
        let status = try #require(try Self.commands().first { $0.commandName == "status" })
        let dropped = try Self.unforwarded(status) { arguments in
            var flags = try Self.parseFlags(arguments)
            flags.values["branch"] = nil
            return flags
        }
        #expect(dropped == ["status --branch reached the settings as [:]"], "\(dropped)")
        let renamed = try Self.unforwarded(status) { arguments in
            var flags = try Self.parseFlags(arguments)
            if let value = flags.values.removeValue(forKey: "alias") { flags.values["function"] = value }
            return flags
        }
        #expect(renamed == ["status --alias reached the settings as [\"function\": [\"given-alias\"]]"], "\(renamed)")
    }

    @Test("deploy's exit codes in its help are rendered from the outcomes it can end with")
    func exitCodeHelp() {
        let help = Outcome.exitCodeHelp(DeployCommand.outcomes)
        #expect(
            help
                == "Exit codes: 0 deployed, skipped, nothing-to-do or in-progress; 1 failed: no traffic moved, or the alias was restored; 2 failed: bad settings or arguments, found before any change; 3 rolled-back: a health gate failed and the alias was restored; 4 cancelled: a signal stopped the run and the alias was restored; 5 failed: the rollback itself failed: the alias may be split."
        )
        #expect(LambdaShift.Deploy.configuration.discussion.hasPrefix(help))
        #expect(
            LambdaShift.Advance.configuration.discussion.contains(
                "1 failed: no traffic moved, or the alias was restored (or the alias was moved by hand"))
    }

    @Test("the check cannot be fooled: a misspelled option, a missing setting and help written twice are found")
    func theCheckFails() throws {
        var deploy = try #require(try Self.commands().first { $0.commandName == "deploy" })
        var arguments = deploy.arguments ?? []
        let index = try #require(arguments.firstIndex { $0.long == "hook-timeout" })
        arguments[index].names = [.init(kind: "long", name: "hook-timout")]
        let bake = try #require(arguments.firstIndex { $0.long == "bake" })
        arguments[bake].abstract = "Bake a while."
        deploy.arguments = arguments
        let problems = Self.mismatches(deploy)
        #expect(problems.contains("deploy --hook-timout: neither a setting nor one of its own options"), "\(problems)")
        #expect(problems.contains("deploy: the table gives it --hook-timeout, which it does not take"), "\(problems)")
        #expect(problems.contains { $0.hasPrefix("deploy --bake: help \"Bake a while.\"") }, "\(problems)")
    }
}
