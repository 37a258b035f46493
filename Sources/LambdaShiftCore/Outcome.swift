/// How a command ended: the word of its `outcome` output (PRODUCT.md) and its exit code, one
/// value. This is the one place outcome words are written; reports, outputs and JSON
/// documents render them from here.
package enum Outcome: Sendable, Hashable {
    // A deploy (and its targets).
    /// The alias serves the new version.
    case deployed
    /// The alias already served this code: nothing changed.
    case skipped
    /// Nothing to do: a branch that maps to no environment, no shift to promote, nothing to clean.
    case nothingToDo
    /// A health gate failed (the smoke test included), and the alias serves what it served.
    case rolledBack
    /// A signal stopped the run, and the alias was restored.
    case cancelled
    /// Failed with PRODUCT.md's exit code: 1 (no traffic moved, or restored), 2 (bad settings,
    /// found before any change) or 5 (the rollback itself failed).
    case failed(exitCode: Int32)
    /// A target of a run over several that was prepared and never shifted (the run stopped first).
    case notMoved
    /// `deploy --detach` (or an `advance`) moved the alias a step and left the rollout to later
    /// `advance` runs.
    case inProgress
    /// `advance` before the current step's bake has elapsed (or while it has no verdict yet):
    /// nothing changed.
    case waiting

    // `plan`.
    case wouldDeploy
    case wouldSkip

    // The operator commands.
    /// `promote` finished a shift.
    case promoted
    /// `rollback` put the alias back on a healthy version (an operator's choice, so exit 0).
    case revertedByOperator
    /// `cleanup` removed preview aliases.
    case cleaned
    /// A command that reports and changes nothing did what it was asked (package, iam-policy,
    /// a doctor that found nothing wrong).
    case ok

    /// A failure with exit 1: no traffic moved, or the alias was restored.
    package static let failed = Outcome.failed(exitCode: ExitStatus.failed)

    /// The `outcome` output's word.
    package var word: String {
        switch self {
        case .deployed: "deployed"
        case .skipped: "skipped"
        case .nothingToDo: "nothing-to-do"
        case .rolledBack, .revertedByOperator: "rolled-back"
        case .cancelled: "cancelled"
        case .failed: "failed"
        case .notMoved: "not-moved"
        case .inProgress: "in-progress"
        case .waiting: "waiting"
        case .wouldDeploy: "would-deploy"
        case .wouldSkip: "would-skip"
        case .promoted: "promoted"
        case .cleaned: "cleaned"
        case .ok: "ok"
        }
    }

    /// PRODUCT.md's exit code for a run that ends this way.
    package var exitCode: Int32 {
        switch self {
        case .rolledBack: ExitStatus.gateFailed
        case .cancelled: ExitStatus.cancelled
        case .failed(let code): code
        case .deployed, .skipped, .nothingToDo, .notMoved, .inProgress, .waiting, .wouldDeploy, .wouldSkip, .promoted,
            .revertedByOperator,
            .cleaned, .ok:
            ExitStatus.success
        }
    }

    /// Whether the run succeeded (exit 0).
    package var succeeded: Bool { exitCode == ExitStatus.success }

    /// How an error ends a run: cancellation is `cancelled`; our errors carry their exit code
    /// (a gate's 3 is `rolledBack`); any other error is `failed` with 1.
    package init(ending error: any Error) {
        if error is CancellationError {
            self = .cancelled
            return
        }
        self.init(failureCode: (error as? any LambdaShiftError)?.exitCode ?? ExitStatus.failed)
    }

    /// The outcome a failing (non-zero) exit code stands for, when nothing more is known.
    package init(failureCode exitCode: Int32) {
        precondition(exitCode != ExitStatus.success, "a failure's exit code is not 0")
        switch exitCode {
        case ExitStatus.gateFailed: self = .rolledBack
        case ExitStatus.cancelled: self = .cancelled
        default: self = .failed(exitCode: exitCode)
        }
    }
}

extension Outcome: CustomStringConvertible {
    package var description: String { word }
}

extension Outcome {
    /// A command's exit codes for its help, from the outcomes it can end with: `Exit codes: 0
    /// deployed, skipped or nothing-to-do; 1 failed: no traffic moved, or the alias was restored; …`.
    /// `also`: what a code means for this command beyond PRODUCT.md's general sense.
    package static func exitCodeHelp(_ outcomes: [Outcome], also: [Int32: String] = [:]) -> String {
        let codes = outcomes.reduce(into: [Int32]()) { codes, outcome in
            if !codes.contains(outcome.exitCode) { codes.append(outcome.exitCode) }
        }
        let parts = codes.sorted().map { code -> String in
            let extra = also[code].map { " (\($0))" } ?? ""
            if code == ExitStatus.success {
                let words = outcomes.filter(\.succeeded).map(\.word)
                let listed =
                    words.count > 1 ? words.dropLast().joined(separator: ", ") + " or " + words.last! : words[0]
                return "0 \(listed)\(extra)"
            }
            return "\(code) \(Outcome(failureCode: code).word): \(ExitStatus.meaning(code))\(extra)"
        }
        return "Exit codes: " + parts.joined(separator: "; ") + "."
    }
}

extension ExitStatus {
    /// What a failing exit code means, as PRODUCT.md defines it.
    package static func meaning(_ code: Int32) -> String {
        switch code {
        case failed: "no traffic moved, or the alias was restored"
        case usage: "bad settings or arguments, found before any change"
        case gateFailed: "a health gate failed and the alias was restored"
        case cancelled: "a signal stopped the run and the alias was restored"
        case rollbackFailed: "the rollback itself failed: the alias may be split"
        default: "exit \(code)"
        }
    }
}
