import FuzzSupport
@testable import LambdaShiftCore
@testable import Rollout

/// Strategies and durations (`Strategy.parse`, `basisPoints`, `rate`, `seconds`, `days`): a
/// refusal is a `StrategyError` sentence; a strategy that parses rises strictly below 100% with a
/// bake on every step (the flip to 100% follows), its total bake adds up without overflow, and
/// its steps written as `steps:` parse back to the same steps. A share parses exactly when it is
/// ASCII digits with at most two decimals from 0.01% to 100%; a duration parses to at most
/// `longestSeconds` and back from its own rendering.
fuzz { bytes in
    let input = text(bytes)
    func refusal(_ error: any Error) {
        require((error as? StrategyError)?.message.hasSuffix(".") == true, "refused with \(error)")
    }
    do {
        check(try Strategy.parse(input))
    } catch {
        refusal(error)
    }
    let share = try? Strategy.basisPoints(input, in: "fuzz")
    require(share == referenceShare(input), "\(input) is \(share.map(String.init) ?? "refused") as a share")
    do {
        require((0...10_000).contains(try Strategy.rate(input, in: "fuzz")), "a rate outside 0–100%")
    } catch {
        refusal(error)
    }
    for read in [Strategy.seconds, Strategy.days] {
        do {
            let seconds = try read(input, "fuzz")
            require((0...Strategy.longestSeconds).contains(seconds), "\(input) is \(seconds) s")
            require(
                try Strategy.seconds(Strategy.duration(seconds), in: "fuzz") == seconds, "\(seconds) s written back")
        } catch {
            refusal(error)
        }
    }
}

func check(_ strategy: Strategy) {
    var previous = 0
    var total = 0
    for step in strategy.steps {
        require(step.basisPoints > previous && step.basisPoints < 10_000, "\(strategy): weights do not rise below 100%")
        require(step.bakeSeconds > 0, "\(strategy): a step without a bake")
        let sum = total.addingReportingOverflow(step.bakeSeconds)
        require(!sum.overflow, "\(strategy): the total bake overflows")
        total = sum.partialValue
        previous = step.basisPoints
    }
    guard !strategy.steps.isEmpty else { return }
    let written =
        "steps:" + strategy.steps.map { "\(Strategy.percent($0.basisPoints))@\($0.bakeSeconds)" }.joined(separator: ",")
    do {
        require(try Strategy.parse(written).steps == strategy.steps, "\(strategy) written as \(written)")
    } catch {
        require(false, "\(strategy) written as \(written) is refused: \(error)")
    }
}

/// A share in basis points read independently: optional blanks, ASCII digits, at most two
/// decimals, an optional `%`, from 1 to 10,000.
func referenceShare(_ text: String) -> Int? {
    var body = Array(text.trimmed(newlines: false).utf8)[...]
    if body.last == UInt8(ascii: "%") { body = body.dropLast() }
    let parts = body.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
    guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(digits.contains) }),
        parts.count == 1 || parts[1].count <= 2
    else { return nil }
    var value = 0
    for byte in parts[0] {
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
        if value > 100 { return nil }
    }
    value *= 100
    if parts.count == 2 {
        let fraction = parts[1].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        value += parts[1].count == 1 ? fraction * 10 : fraction
    }
    return (1...10_000).contains(value) ? value : nil
}
