import Foundation
import Testing

@testable import Rollout

/// The rank statistics against SciPy on fixed samples: Fixtures/rank-statistics.json holds
/// SciPy's U and p (mannwhitneyu, asymptotic, one-sided) and numpy's Hodges–Lehmann estimate
/// and bounds for each case; tests/test_rank_statistics_reference.py holds the file to SciPy.
@Suite("Mann–Whitney U and the Hodges–Lehmann shift match SciPy")
struct RankStatisticsTests {
    struct Case: Decodable {
        var name: String
        var candidate: [Double]
        var stable: [Double]
        var u: Double
        var p_greater: Double?
        var hl: Double
        var lower_95: Double
        var lower_90: Double
        var median_candidate: Double
        var median_stable: Double
    }

    struct Fixture: Decodable { var cases: [Case] }

    static let cases: [Case] = {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/rank-statistics.json")
        return (try? JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)).cases) ?? []
    }()

    @Test("the fixture is there, with its hard cases")
    func fixture() {
        #expect(Self.cases.count >= 14)
        #expect(Self.cases.contains { $0.candidate.count * $0.stable.count >= 90_000 })
    }

    @Test("U and the one-sided p-value to 1e-9; the estimate, the bounds and the medians exactly")
    func matchesSciPy() {
        for c in Self.cases {
            let (u, p) = RankStatistics.mannWhitneyGreater(c.candidate, c.stable)
            #expect(abs(u - c.u) <= 1e-9 * max(1, abs(c.u)), "\(c.name): U \(u) vs \(c.u)")
            if let expected = c.p_greater {
                #expect(
                    abs(p - expected) <= 1e-9 * max(expected, 1e-300) || abs(p - expected) <= 1e-12,
                    "\(c.name): p \(p) vs \(expected)")
            }
            #expect(RankStatistics.hodgesLehmann(c.candidate, c.stable) == c.hl, "\(c.name): HL")
            #expect(
                RankStatistics.shiftLowerBound(c.candidate, c.stable, confidence: 0.95) == c.lower_95,
                "\(c.name): 95% bound")
            #expect(
                RankStatistics.shiftLowerBound(c.candidate, c.stable, confidence: 0.90) == c.lower_90,
                "\(c.name): 90% bound")
            #expect(RankStatistics.median(c.candidate) == c.median_candidate, "\(c.name): median")
            #expect(RankStatistics.median(c.stable) == c.median_stable, "\(c.name): median")
        }
    }

    @Test("the k-th difference found by bisection is the sorted list's, ties and all")
    func selection() {
        let x: [Double] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3.5], y: [Double] = [2, 7, 1, 8, 2, 8, 1.25]
        let all = x.flatMap { xi in y.map { xi - $0 } }.sorted()
        let differences = PairwiseDifferences(x, y)
        for k in 1...all.count { #expect(differences.smallest(k) == all[k - 1], "k = \(k)") }
    }

    @Test("the normal quantile")
    func quantile() {
        #expect(abs(RankStatistics.normalQuantile(0.95) - 1.6448536269514722) < 1e-14)
        #expect(abs(RankStatistics.normalQuantile(0.5)) < 1e-15)
        #expect(abs(RankStatistics.normalQuantile(0.001) + 3.090232306167813) < 1e-13)
    }
}
