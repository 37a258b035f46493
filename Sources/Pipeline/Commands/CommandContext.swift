import LambdaShiftCore
import AWSCore
import CISupport
import Config
import FoundationEssentials
import Glibc

/// What a command gets from the outside world: the environment, where to write, the HTTP
/// transport, the reporter for the CI it runs in and the secrets it must never print. The
/// entry point fills it from the process; tests hand in their own.
package struct CommandContext: Sendable {
    package var environment: Environment
    /// The CI this run is in, and its provenance, detected once.
    package var ci: CIContext
    package var transport: (any HTTPTransport)?
    package var output: @Sendable (String) -> Void
    /// stderr for a plain line outside the reporter (argument errors, iam-policy's notes),
    /// redacted by the front as every other line is.
    package var errorOutput: @Sendable (String) -> Void
    package var secrets: SecretRegistry
    /// Every report goes through the front (`RedactingReporter`), which redacts before formatting.
    package var reporter: any Reporter
    /// stdout: the command's result alone (text lines, or the one JSON document).
    package var result: ResultChannel
    /// Where a command's AWS services come from: nil for AWS itself (clients for the region and
    /// role its settings resolved); a test hands in its own, so a command runs end to end in-process.
    package var services: (@Sendable (_ region: String?, _ roleToAssume: String?) throws -> DeployDependencies)?

    /// `isTerminal`: whether stderr (where every log line goes) is a terminal.
    package init(
        environment: Environment, transport: (any HTTPTransport)? = nil, isTerminal: Bool = false, json: Bool = false,
        output: @escaping @Sendable (String) -> Void, errorOutput: @escaping @Sendable (String) -> Void,
        raw: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        let (environment, ignored) = CIEnvironment.withoutEarlierOutputs(environment)
        self.environment = environment
        ci = CIContext(environment: environment)
        self.transport = transport
        self.output = output
        let secrets = SecretRegistry()
        self.secrets = secrets
        let front = Reporters.make(
            environment: environment.variables, sink: ReportSink(err: errorOutput, raw: raw),
            secrets: secrets, isTerminal: isTerminal)
        reporter = front
        self.errorOutput = { errorOutput(front.clean($0)) }
        result = ResultChannel(json: json, clean: front.clean, write: output)
        for secret in CIEnvironment.secrets(in: environment) { reporter.mask(secret) }
        let settingVariables = Set(SettingsTable.all.flatMap(\.environmentNames))
        let shadowed = ignored.filter(settingVariables.contains)
        if !shadowed.isEmpty {
            reporter.info(
                "not read as settings: \(shadowed.joined(separator: ", ")), outputs of an earlier job (its \(GitLabReporter.dotenvName) report)"
            )
        }
    }

    /// The context the entry point runs a command in (tests bind their own).
    @TaskLocal package static var bound: CommandContext?

    /// The context of the running command: the one bound, else this process's (made only then,
    /// so a process builds one context, not a default beside its own).
    package static var current: CommandContext { bound ?? process(json: false) }

    /// The context of this process: its environment, stdout for the result, stderr for the rest.
    package static func process(json: Bool) -> CommandContext {
        CommandContext(
            environment: Environment(ProcessInfo.processInfo.environment),
            isTerminal: isatty(STDERR_FILENO) == 1, json: json,
            output: { POSIX.write(($0 + "\n").utf8, to: 1) },
            errorOutput: { POSIX.write(($0 + "\n").utf8, to: 2) },
            raw: { POSIX.write($0.utf8, to: 2) })
    }

    /// The AWS clients of a command, for the region and role its settings resolved, masking
    /// every credential they obtain; bakes count down on a terminal.
    package func dependencies(region: String?, roleToAssume: String?) throws -> DeployDependencies {
        if let services { return try services(region, roleToAssume) }
        let client = try makeClient(region: region, roleToAssume: roleToAssume)
        return .aws(
            client, bakeSleeper: CountdownSleeper(inner: TaskSleeper(), reporter: reporter), environment: environment)
    }

    /// The AWS clients for the region and role `settings` resolved.
    package func dependencies(_ settings: ResolvedSettings) throws -> DeployDependencies {
        try dependencies(region: settings.text(.region), roleToAssume: settings.text(.roleToAssume))
    }

    /// The AWS client for this context, masking every credential it obtains.
    func makeClient(region: String?, roleToAssume: String?) throws -> AWSClient {
        let reporter = self.reporter
        let role = try roleToAssume.map {
            try CIEnvironment.roleToAssume($0, environment: environment, onToken: reporter.mask)
        }
        return try AWSSetup(
            environment: environment, explicitRegion: region, roleToAssume: role, transport: transport,
            onCredentials: { credentials in credentials.secrets.forEach(reporter.mask) }
        ).makeClient()
    }
}
