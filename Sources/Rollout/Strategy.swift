import LambdaShiftCore
import AWSCore
/// How traffic moves to a new version: a list of steps, each a share of traffic for the new
/// version held for a bake time, ending with the full flip. Shares are kept in basis points
/// (1/100 of a percent) as integers, so steps add up exactly: no float drift, and a schedule
/// that would never reach 100 % is refused instead of being run.
package struct Strategy: Sendable, Equatable, CustomStringConvertible {
    package struct Step: Sendable, Equatable {
        /// Share of traffic on the new version, in basis points (10,000 = 100 %).
        package var basisPoints: Int
        /// How long to hold this share (and then check the gates) before the next step.
        package var bakeSeconds: Int

        package init(basisPoints: Int, bakeSeconds: Int) {
            self.basisPoints = basisPoints
            self.bakeSeconds = bakeSeconds
        }

        /// The share as Lambda's alias weight (0…1).
        package var weight: Double { Double(basisPoints) / 10_000 }
    }

    package var name: String
    /// The steps before the flip, shares strictly rising and below 100 %. Empty: all at once.
    package var steps: [Step]

    package static let allAtOnce = Strategy(name: "AllAtOnce", steps: [])

    /// The time from the first step to the flip, bakes included.
    package var totalBakeSeconds: Int { steps.reduce(0) { $0 + $1.bakeSeconds } }

    package var description: String {
        guard !steps.isEmpty else { return "\(name): all traffic at once" }
        return "\(name): "
            + steps.map { "\(Self.percent($0.basisPoints)) for \(Self.duration($0.bakeSeconds))" }.joined(
                separator: ", ") + ", then 100%"
    }

    /// Parses a strategy. Accepts AWS CodeDeploy's names verbatim (`AllAtOnce`,
    /// `Canary10Percent5Minutes`, `Linear10PercentEvery1Minute`, …, with or without the
    /// `CodeDeployDefault.Lambda` prefix) and a short form for any shape:
    /// `all-at-once`, `canary:10%:5m`, `linear:20%:30s`, `steps:5%@30s,25%@1m,50%@2m`.
    /// Durations take `s`, `m` and `h` (`1m30s`), or bare seconds.
    package static func parse(_ text: String) throws -> Strategy {
        let spec = text.trimmed(newlines: false)
        var name = spec
        if name.hasPrefix("CodeDeployDefault.Lambda") {
            name = String(name.dropFirst("CodeDeployDefault.Lambda".count))
        }
        if name == "AllAtOnce" || name.lowercased() == "all-at-once" { return Strategy(name: spec, steps: []) }
        if let known = codeDeployNames[name] {
            return try known.linear
                ? linear(name: spec, basisPoints: 1_000, bakeSeconds: known.minutes * 60)
                : canary(name: spec, basisPoints: 1_000, bakeSeconds: known.minutes * 60)
        }
        if name.first?.isUppercase == true, !name.contains(":") {
            let suggestion =
                nearest(to: name, among: ["AllAtOnce"] + codeDeployNames.keys.sorted(), ignoringCase: true)
                ?? "AllAtOnce"
            throw StrategyError(
                "\"\(spec)\" is not one of CodeDeploy's Lambda configurations (did you mean \(suggestion)?): use its exact name, or a short form such as canary:10%:5m or linear:20%:1m for any other shape."
            )
        }
        let parts = spec.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        switch parts.first?.lowercased() {
        case "canary" where parts.count == 3:
            return try canary(
                name: spec, basisPoints: try basisPoints(parts[1], in: spec),
                bakeSeconds: try seconds(parts[2], in: spec))
        case "linear" where parts.count == 3:
            return try linear(
                name: spec, basisPoints: try basisPoints(parts[1], in: spec),
                bakeSeconds: try seconds(parts[2], in: spec))
        case "steps" where parts.count == 2:
            var steps: [Step] = []
            for item in parts[1].split(separator: ",", omittingEmptySubsequences: false) {
                let pieces = item.split(separator: "@", omittingEmptySubsequences: false).map {
                    $0.trimmed(newlines: false)
                }
                guard pieces.count == 2 else {
                    throw StrategyError(
                        "The step \"\(item)\" in \"\(spec)\" is not SHARE@DURATION: write steps like steps:10%@1m,50%@2m."
                    )
                }
                steps.append(
                    Step(
                        basisPoints: try basisPoints(pieces[0], in: spec), bakeSeconds: try seconds(pieces[1], in: spec)
                    ))
            }
            return try validated(
                Strategy(name: spec, steps: steps.last?.basisPoints == 10_000 ? Array(steps.dropLast()) : steps),
                finalStep: steps.last)
        default:
            throw StrategyError(
                "Unknown strategy \"\(spec)\": use AllAtOnce, a CodeDeploy name such as Canary10Percent5Minutes or Linear10PercentEvery1Minute, or canary:10%:5m, linear:20%:1m, steps:10%@1m,50%@2m."
            )
        }
    }

    static func canary(name: String, basisPoints: Int, bakeSeconds: Int) throws -> Strategy {
        try validated(
            Strategy(name: name, steps: [Step(basisPoints: basisPoints, bakeSeconds: bakeSeconds)]), finalStep: nil)
    }

    /// Linear: the share rises by `basisPoints` each `bakeSeconds` until 100 %, which must be
    /// reached exactly (linear:30% would stop at 90 %: refused, not rounded).
    static func linear(name: String, basisPoints: Int, bakeSeconds: Int) throws -> Strategy {
        guard basisPoints > 0, 10_000 % basisPoints == 0 else {
            throw StrategyError(
                "\"\(name)\" moves \(percent(basisPoints)) at a time, which never adds up to exactly 100%: pick a share that divides 100% (such as 10%, 20%, 25%, 50%)."
            )
        }
        let steps = stride(from: basisPoints, to: 10_000, by: basisPoints).map {
            Step(basisPoints: $0, bakeSeconds: bakeSeconds)
        }
        return try validated(Strategy(name: name, steps: steps), finalStep: nil)
    }

    static func validated(_ strategy: Strategy, finalStep: Step?) throws -> Strategy {
        var previous = 0
        for step in strategy.steps {
            guard step.basisPoints > previous else {
                throw StrategyError(
                    "The shares in \"\(strategy.name)\" must rise strictly: \(percent(step.basisPoints)) follows \(percent(previous))."
                )
            }
            guard step.basisPoints < 10_000 else {
                throw StrategyError(
                    "Only the last step of \"\(strategy.name)\" may reach 100%: \(percent(step.basisPoints)) comes earlier."
                )
            }
            guard step.bakeSeconds > 0 else {
                throw StrategyError(
                    "Each step of \"\(strategy.name)\" needs a bake time above zero: \(percent(step.basisPoints)) has none."
                )
            }
            previous = step.basisPoints
        }
        if let finalStep, finalStep.basisPoints == 10_000, finalStep.bakeSeconds != 0 {
            throw StrategyError(
                "The final 100% step of \"\(strategy.name)\" cannot bake before the flip: use --bake for a bake after 100%."
            )
        }
        return strategy
    }

    /// `10%`, `12.5%` or `2.25%` in basis points; more precision than 1/100 % is refused.
    package static func basisPoints(_ text: String, in spec: String) throws -> Int {
        var number = text.trimmed(newlines: false)
        if number.hasSuffix("%") { number.removeLast() }
        let pieces = number.split(separator: ".", omittingEmptySubsequences: false)
        // ASCII digits only: `isNumber` alone would take ½ or ٣, which Int then reads as nothing.
        func digits(_ piece: Substring) -> Bool { !piece.isEmpty && piece.allSatisfy { $0.isASCII && $0.isNumber } }
        guard (1...2).contains(pieces.count), digits(pieces[0]), let whole = Int(pieces[0]),
            pieces.count == 1 || (pieces[1].count <= 2 && digits(pieces[1]))
        else {
            throw StrategyError(
                "\"\(text)\" in \"\(spec)\" is not a share of traffic: write it as a percentage with at most two decimals, such as 10% or 12.5%."
            )
        }
        var fraction = pieces.count == 2 ? Int(pieces[1]) ?? 0 : 0
        if pieces.count == 2 && pieces[1].count == 1 { fraction *= 10 }
        // Checked before scaling: a whole part near Int.max would overflow.
        guard whole <= 100, whole * 100 + fraction > 0, whole * 100 + fraction <= 10_000 else {
            throw StrategyError(
                "\"\(text)\" in \"\(spec)\" is outside 0–100%: each share must be above 0% and at most 100%.")
        }
        return whole * 100 + fraction
    }

    /// A rate limit in percent (`0`, `1`, `2.5%`) in basis points: 0% (no error at all) is
    /// allowed, negatives and more than 100% are not. `origin` names the setting.
    package static func rate(_ text: String, in origin: String) throws -> Int {
        let trimmed = text.trimmed(newlines: false)
        if trimmed == "0" || trimmed == "0%" || trimmed == "0.0" || trimmed == "0.00" { return 0 }
        do {
            return try basisPoints(trimmed, in: origin)
        } catch {
            throw StrategyError(
                "\(origin) is \"\(text)\": give a percentage from 0 to 100 with at most two decimals, such as 1 or 0.5%."
            )
        }
    }

    /// `14d`, `36h`, `90m` or any duration `seconds` reads, in seconds (days allowed).
    package static func days(_ text: String, in spec: String) throws -> Int {
        let trimmed = text.trimmed(newlines: false)
        if trimmed.hasSuffix("d"), let days = Int(trimmed.dropLast()), days >= 0 {
            return try bounded(days <= longestSeconds / 86_400 ? days * 86_400 : nil, text, in: spec)
        }
        return try seconds(trimmed, in: spec)
    }

    /// The longest duration any setting takes, 100 years: far beyond every bake, timeout or age,
    /// and small enough that a strategy's total and a sleep in nanoseconds cannot overflow.
    package static let longestSeconds = 100 * 365 * 86_400

    /// `90`, `30s`, `5m`, `1h`, `1m30s` in seconds.
    package static func seconds(_ text: String, in spec: String) throws -> Int {
        let trimmed = text.trimmed(newlines: false)
        if let plain = Int(trimmed), plain >= 0 { return try bounded(plain, text, in: spec) }
        var total = 0, digits = "", overflowed = false
        for ch in trimmed {
            if ch.isNumber { digits.append(ch); continue }
            guard let value = Int(digits), let unit = ["s": 1, "m": 60, "h": 3600][String(ch)] else {
                throw StrategyError("\"\(text)\" in \"\(spec)\" is not a duration: write it as 30s, 5m, 1h or 1m30s.")
            }
            // An overflow is refused below as too long, not trapped.
            let product = value.multipliedReportingOverflow(by: unit)
            let sum = total.addingReportingOverflow(product.partialValue)
            overflowed = overflowed || product.overflow || sum.overflow
            total = sum.partialValue
            digits = ""
        }
        guard digits.isEmpty, !trimmed.isEmpty else {
            throw StrategyError("\"\(text)\" in \"\(spec)\" is not a duration: write it as 30s, 5m, 1h or 1m30s.")
        }
        return try bounded(overflowed ? nil : total, text, in: spec)
    }

    /// `seconds` when it is at most `longestSeconds` (nil: too many to count).
    private static func bounded(_ seconds: Int?, _ text: String, in spec: String) throws -> Int {
        guard let seconds, seconds <= longestSeconds else {
            throw StrategyError(
                "\"\(text)\" in \"\(spec)\" is longer than 100 years: give a shorter duration, such as 30s, 5m or 1h.")
        }
        return seconds
    }

    /// CodeDeploy's predefined Lambda deployment configurations, exactly
    /// (`CodeDeployDefault.Lambda…`): https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html
    static let codeDeployNames: [String: (linear: Bool, minutes: Int)] = [
        "Canary10Percent5Minutes": (false, 5), "Canary10Percent10Minutes": (false, 10),
        "Canary10Percent15Minutes": (false, 15), "Canary10Percent30Minutes": (false, 30),
        "Linear10PercentEvery1Minute": (true, 1), "Linear10PercentEvery2Minutes": (true, 2),
        "Linear10PercentEvery3Minutes": (true, 3), "Linear10PercentEvery10Minutes": (true, 10),
    ]

    /// Basis points as a percentage, locale-free: 1000 → 10%, 250 → 2.5%, 5 → 0.05%.
    package static func percent(_ basisPoints: Int) -> String { Decimals.text(Double(basisPoints) / 100) + "%" }

    static func duration(_ seconds: Int) -> String {
        if seconds >= 60 && seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}

/// A strategy that cannot be run as given (exit 2, before anything changes).
package struct StrategyError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

import FoundationEssentials

extension StrategyError: LambdaShiftError {
    package var sentence: String { message }
    package var exitCode: Int32 { ExitStatus.usage }
}
