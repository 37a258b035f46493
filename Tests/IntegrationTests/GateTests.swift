import AWSCore
import AWSServices
import Foundation
import Rollout
import Testing

extension TwinSuite {
    /// The health gates against CloudWatch and Lambda in the twin.
    @Suite("Health gates: alarms, per-version metrics, smoke invoke")
    struct GateTests {
        let twin: Twin
        init() throws { twin = try Twin.start() }

        @Test("alarms by name and prefix: any in ALARM fails; an unknown name is a configuration error")
        func alarms() async throws {
            let client = try twin.client()
            let seeder = Seeder(client: client)
            let prefix = uniqueName("gate")
            try await seeder.createAlarm(prefix + "-errors", state: "OK")
            try await seeder.createAlarm(prefix + "-latency", state: "OK")
            let gate = AlarmGate(
                cloudWatch: CloudWatchClient(client: client), names: [prefix + "-errors"], prefixes: [prefix + "-lat"])
            let now = Date()
            let ok = try await gate.evaluate(GateWindow(newVersion: "2", start: now, end: now, final: true))
            #expect(ok.passed && ok.detail == "2 alarms, none in ALARM")
            _ = try await seeder.cloudWatch(
                "SetAlarmState", ["AlarmName": prefix + "-latency", "StateValue": "ALARM", "StateReason": "test"])
            let firing = try await gate.evaluate(GateWindow(newVersion: "2", start: now, end: now, final: true))
            #expect(!firing.passed && firing.detail == "in ALARM: \(prefix)-latency")
            let unknown = AlarmGate(cloudWatch: CloudWatchClient(client: client), names: ["no-such-\(prefix)"])
            await #expect {
                _ = try await unknown.evaluate(GateWindow(newVersion: "2", start: now, end: now, final: true))
            } throws: { ($0 as? AWSClientError)?.isConfiguration == true }
            // A prefix matching nothing is no gate at all: never "0 alarms, none in ALARM".
            let nothing = AlarmGate(cloudWatch: CloudWatchClient(client: client), names: [], prefixes: ["zz-\(prefix)"])
            await #expect {
                _ = try await nothing.evaluate(GateWindow(newVersion: "2", start: now, end: now, final: true))
            } throws: { ($0 as? AWSClientError)?.isConfiguration == true }
            let one = AlarmGate(cloudWatch: CloudWatchClient(client: client), names: [prefix + "-errors"])
            #expect(
                try await one.evaluate(GateWindow(newVersion: "2", start: now, end: now, final: true)).detail
                    == "1 alarm, none in ALARM")
        }

        @Test("metrics of the new version behind the alias: error rate against the limit, and too little traffic fails")
        func metrics() async throws {
            let client = try twin.client()
            let seeder = Seeder(client: client)
            let function = uniqueName("metrics-gate")
            let now = Date()
            var data: [[String: Any]] = []
            for (metric, value) in [("Invocations", 200), ("Errors", 6), ("Throttles", 2)] {
                data.append([
                    "MetricName": metric, "Value": value, "Timestamp": Int(now.timeIntervalSince1970) - 5,
                    "Dimensions": [
                        ["Name": "FunctionName", "Value": function], ["Name": "Resource", "Value": function + ":live"],
                        ["Name": "ExecutedVersion", "Value": "2"],
                    ],
                ])
            }
            _ = try await seeder.cloudWatch("PutMetricData", ["Namespace": "AWS/Lambda", "MetricData": data])
            let cloudWatch = CloudWatchClient(client: client)
            func gate(_ maxBasisPoints: Int, _ minInvocations: Int) -> MetricsGate {
                MetricsGate(
                    cloudWatch: cloudWatch, function: function, alias: "live", maxErrorRateBasisPoints: maxBasisPoints,
                    minInvocations: minInvocations)
            }
            let start = now.addingTimeInterval(-30), end = now
            let pass = try await gate(500, 10).evaluate(
                GateWindow(newVersion: "2", start: start, end: end, final: true))
            #expect(pass.passed)
            #expect(pass.detail == "8 error(s)/throttle(s) in 200 invocation(s) of version 2 (4%, limit 5%)")
            #expect(
                !(try await gate(300, 10).evaluate(GateWindow(newVersion: "2", start: start, end: end, final: true)))
                    .passed)
            let thin = try await gate(500, 500).evaluate(
                GateWindow(newVersion: "2", start: start, end: end, final: true))
            #expect(thin.inconclusive && !thin.passed && thin.detail.contains("fewer than --min-invocations 500"))
            let silent = try await gate(500, 1).evaluate(
                GateWindow(newVersion: "3", start: start, end: end, final: true))
            #expect(silent.inconclusive && silent.detail.hasPrefix("0 invocation(s) of version 3"))
            // During a bake, too little traffic so far is not yet a verdict; a breach already is.
            let early = try await gate(500, 500).evaluate(
                GateWindow(newVersion: "2", start: start, end: end, final: false))
            #expect(early.passed && early.detail.hasSuffix("so far"))
            #expect(
                !(try await gate(300, 10).evaluate(GateWindow(newVersion: "2", start: start, end: end, final: false)))
                    .passed)
        }

        @Test("the smoke invoke calls the new version itself and fails on a function error")
        func smoke() async throws {
            let name = uniqueName("smoke-fn")
            try await twin.seedFunction(name)
            let lambda = LambdaClient(client: try twin.client())
            let smoke = SmokeTest(lambda: lambda, payload: Data(#"{"ping":1}"#.utf8), showsResponse: true)
            let ok = try await smoke.run(function: name, version: "1")
            #expect(ok.passed && ok.detail == #"version 1 answered {"ping":1}"#)
            // Unasked, the response is not quoted: only its size.
            let quiet = try await SmokeTest(lambda: lambda, payload: Data(#"{"secret-ish":"s3cr3t-value"}"#.utf8)).run(
                function: name, version: "1")
            #expect(quiet.passed && quiet.detail == "version 1 answered 29 bytes (--show-smoke-response quotes them)")
            try await twin.control(
                "POST", "/_twin/invoke",
                [
                    "function": name, "qualifier": "1", "statusCode": 200,
                    "payload": #"{"errorMessage":"KeyError"}"#, "functionError": "Unhandled",
                ])
            let bad = try await smoke.run(function: name, version: "1")
            #expect(!bad.passed && bad.detail == #"version 1 raised a Unhandled error: {"errorMessage":"KeyError"}"#)
            let badQuiet = try await SmokeTest(lambda: lambda, payload: Data("{}".utf8)).run(
                function: name, version: "1")
            #expect(
                !badQuiet.passed
                    && badQuiet.detail
                        == "version 1 raised a Unhandled error: 27 bytes (--show-smoke-response quotes them)"
            )
            let invocations = try await twin.controlJSON("GET", "/_twin/invocations")
            #expect("\(invocations)".contains(name))
        }
    }
}
