@testable import Rollout
import Testing

/// What fuzzing strategies and durations (Fuzz/fuzz-strategy) found: a share or a duration too
/// large for an Int trapped (the process died instead of exiting 2), a duration of Int.max
/// seconds parsed and then overflowed a strategy's total, and digits other than ASCII after the
/// point (`10.½%`) read as nothing.
@Suite("Strategies and durations: what fuzzing found")
struct StrategyFuzzTests {
    @Test("a share or a duration too large for an Int is refused with a sentence, not a trap")
    func overflows() {
        for spec in [
            "canary:92233720368547758%:5m", "canary:10%:9999999999999999h", "linear:10%:99999999999999999999m",
            "steps:10%@9223372036854775807,20%@9223372036854775807",
        ] {
            #expect(throws: StrategyError.self, "\(spec)") { try Strategy.parse(spec) }
        }
        #expect(throws: StrategyError.self) { try Strategy.days("106751991167301d", in: "older-than") }
        #expect(throws: StrategyError.self) { try Strategy.rate("92233720368547758", in: "max-error-rate") }
    }

    @Test("durations stop at 100 years, which every sum of steps and every sleep can hold")
    func longestDuration() throws {
        #expect(try Strategy.seconds("3153600000", in: "bake") == Strategy.longestSeconds)
        #expect(try Strategy.days("36500d", in: "older-than") == Strategy.longestSeconds)
        #expect(throws: StrategyError.self) { try Strategy.seconds("3153600001", in: "bake") }
        do {
            _ = try Strategy.seconds("876001h", in: "bake")
            Issue.record("accepted 876,001 hours")
        } catch {
            #expect(
                "\(error)"
                    == "\"876001h\" in \"bake\" is longer than 100 years: give a shorter duration, such as 30s, 5m or 1h."
            )
        }
    }

    @Test("only ASCII digits make a share: ½ or ٣ after the point is refused, not read as zero")
    func asciiDigits() throws {
        #expect(throws: StrategyError.self) { try Strategy.parse("canary:10.½%:5m") }
        #expect(throws: StrategyError.self) { try Strategy.basisPoints("10.٣", in: "fuzz") }
        #expect(throws: StrategyError.self) { try Strategy.basisPoints("٣", in: "fuzz") }
        #expect(try Strategy.basisPoints("12.5%", in: "fuzz") == 1_250)
    }
}
