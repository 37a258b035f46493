@testable import Rollout
import Testing

@Suite("Strategies: CodeDeploy names, short forms, exact arithmetic")
struct StrategyTests {
    typealias Step = Strategy.Step

    @Test("CodeDeploy's names verbatim, with or without the CodeDeployDefault.Lambda prefix")
    func codeDeployNames() throws {
        #expect(try Strategy.parse("AllAtOnce").steps.isEmpty)
        #expect(try Strategy.parse("Canary10Percent5Minutes").steps == [Step(basisPoints: 1000, bakeSeconds: 300)])
        #expect(
            try Strategy.parse("CodeDeployDefault.LambdaCanary10Percent30Minutes").steps == [
                Step(basisPoints: 1000, bakeSeconds: 1800)
            ])
        let linear = try Strategy.parse("Linear10PercentEvery1Minute")
        #expect(linear.steps.map(\.basisPoints) == [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000])
        #expect(linear.steps.allSatisfy { $0.bakeSeconds == 60 })
        #expect(linear.totalBakeSeconds == 540)
        for name in [
            "Canary10Percent10Minutes", "Canary10Percent15Minutes", "Linear10PercentEvery2Minutes",
            "Linear10PercentEvery3Minutes", "Linear10PercentEvery10Minutes",
        ] {
            #expect(throws: Never.self) { try Strategy.parse(name) }
        }
    }

    @Test("short forms with seconds, for tests and demos")
    func shortForms() throws {
        #expect(try Strategy.parse("all-at-once").steps.isEmpty)
        #expect(try Strategy.parse("canary:12.5%:2s").steps == [Step(basisPoints: 1250, bakeSeconds: 2)])
        #expect(
            try Strategy.parse("linear:25%:1m30s").steps == [
                Step(basisPoints: 2500, bakeSeconds: 90), Step(basisPoints: 5000, bakeSeconds: 90),
                Step(basisPoints: 7500, bakeSeconds: 90),
            ])
        #expect(
            try Strategy.parse("steps:5%@30s,25%@1m,50%@2m").steps == [
                Step(basisPoints: 500, bakeSeconds: 30), Step(basisPoints: 2500, bakeSeconds: 60),
                Step(basisPoints: 5000, bakeSeconds: 120),
            ])
        #expect(try Strategy.parse("steps:1%@1,99.99%@1").steps.last?.basisPoints == 9999)
        #expect(try Strategy.parse("steps:10%@1s,100%@0s").steps == [Step(basisPoints: 1000, bakeSeconds: 1)])
        #expect(try Strategy.parse("canary:10%:5m").description == "canary:10%:5m: 10% for 5m, then 100%")
    }

    @Test("weights as Lambda wants them are exact quotients of integers")
    func weights() throws {
        let steps = try Strategy.parse("linear:10%:1s").steps
        #expect(steps.map(\.weight) == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    }

    @Test("schedules that cannot work are refused with one sentence")
    func refused() {
        func message(_ spec: String) -> String {
            do { _ = try Strategy.parse(spec); return "accepted" } catch { return "\(error)" }
        }
        #expect(
            message("Canary10Percent5Hours").hasPrefix(
                "\"Canary10Percent5Hours\" is not one of CodeDeploy's Lambda configurations (did you mean Canary10Percent5Minutes?)"
            ))
        // Only CodeDeploy's exact names: a near miss or an invented shape is refused, not guessed.
        #expect(message("Canary10Percent5Minute").contains("did you mean Canary10Percent5Minutes?"))
        #expect(message("Canary25Percent5Minutes").contains("short form such as canary:10%:5m"))
        #expect(message("Linear10PercentEvry1Minute").contains("did you mean Linear10PercentEvery1Minute?"))
        #expect(message("AllAtOnce") == "accepted" && message("CodeDeployDefault.LambdaAllAtOnce") == "accepted")
        #expect(message("blue-green").hasPrefix("Unknown strategy"))
        #expect(message("linear:30%:1m").contains("never adds up to exactly 100%"))
        #expect(message("linear:33.3%:1m").contains("never adds up to exactly 100%"))
        #expect(message("steps:50%@1m,20%@1m").contains("must rise strictly"))
        #expect(message("steps:50%@1m,100%@1m").contains("cannot bake before the flip"))
        #expect(
            message("steps:100%@1m,50%@1m").contains("must rise strictly")
                || message("steps:100%@1m,50%@1m").contains("Only the last step"))
        #expect(message("canary:0%:5m").contains("outside 0–100%"))
        #expect(message("canary:150%:5m").contains("outside 0–100%"))
        #expect(message("canary:10.125%:5m").contains("at most two decimals"))
        #expect(message("canary:10%:soon").contains("is not a duration"))
        #expect(message("canary:10%:0s").contains("bake time above zero"))
        #expect(message("steps:10%").contains("is not SHARE@DURATION"))
    }
}
