import FoundationEssentials
import Glibc

/// Two-sample rank statistics for judging a canary's distribution against the stable one's
/// (Kayenta's judge): the Mann–Whitney U test, and the Hodges–Lehmann shift with its
/// distribution-free confidence bound. Checked against SciPy on fixed samples
/// (Tests/RolloutTests/Fixtures/rank-statistics.json, held to SciPy by
/// tests/test_rank_statistics_reference.py).
package enum RankStatistics {
    /// Mann–Whitney U of `candidate` over `stable` (U1 = R1 − n(n+1)/2, midranks for ties) and
    /// the one-sided p-value that `candidate` tends to be larger, by the normal approximation
    /// with tie and continuity corrections, as `scipy.stats.mannwhitneyu(candidate, stable,
    /// alternative="greater", method="asymptotic")`.
    package static func mannWhitneyGreater(_ candidate: [Double], _ stable: [Double]) -> (u: Double, p: Double) {
        let n = Double(candidate.count), m = Double(stable.count)
        guard n > 0, m > 0 else { return (0, 1) }
        var all = candidate.map { ($0, true) } + stable.map { ($0, false) }
        all.sort { $0.0 < $1.0 }
        var rankSum = 0.0, tieTerm = 0.0
        var index = 0
        while index < all.count {
            var end = index
            while end + 1 < all.count && all[end + 1].0 == all[index].0 { end += 1 }
            let midrank = Double(index + end + 2) / 2  // ranks index+1 … end+1
            let ties = Double(end - index + 1)
            tieTerm += ties * ties * ties - ties
            for position in index...end where all[position].1 { rankSum += midrank }
            index = end + 1
        }
        let u = rankSum - n * (n + 1) / 2
        let total = n + m
        let sigma = (n * m / 12 * ((total + 1) - tieTerm / (total * (total - 1)))).squareRoot()
        let z = (u - n * m / 2 - 0.5) / sigma
        return (u, 0.5 * erfc(z / 2.0.squareRoot()))
    }

    /// The Hodges–Lehmann estimate of the shift of `candidate` over `stable`: the median of all
    /// differences candidate_i − stable_j (the mean of the two middle ones for an even count).
    package static func hodgesLehmann(_ candidate: [Double], _ stable: [Double]) -> Double? {
        let differences = PairwiseDifferences(candidate, stable)
        let count = differences.count
        guard count > 0 else { return nil }
        if count % 2 == 1 { return differences.smallest(count / 2 + 1) }
        return (differences.smallest(count / 2) + differences.smallest(count / 2 + 1)) / 2
    }

    /// The distribution-free one-sided lower confidence bound for that shift at `confidence`:
    /// the k-th smallest difference, k = ⌊nm/2 − z·√(nm(n+m+1)/12)⌋ (at least 1), z the
    /// standard normal quantile of `confidence` (Lehmann, Nonparametrics, 1975, §2.6).
    package static func shiftLowerBound(_ candidate: [Double], _ stable: [Double], confidence: Double) -> Double? {
        let differences = PairwiseDifferences(candidate, stable)
        guard differences.count > 0 else { return nil }
        let n = Double(candidate.count), m = Double(stable.count)
        let z = normalQuantile(confidence)
        let k = max(1, Int((n * m / 2 - z * (n * m * (n + m + 1) / 12).squareRoot()).rounded(.down)))
        return differences.smallest(min(k, differences.count))
    }

    /// The median (the mean of the two middle values for an even count), as numpy's.
    package static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The q-quantile by the nearest rank (q in 0…1): the value at or below which q of them lie.
    package static func quantile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// The standard normal quantile (inverse CDF) of `p`, by Acklam's rational approximation
    /// refined with one Halley step on erfc (relative error below 1e-15).
    package static func normalQuantile(_ p: Double) -> Double {
        guard p > 0, p < 1 else { return p <= 0 ? -.infinity : .infinity }
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00,
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01,
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x =
                (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x =
                -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}

/// All n·m differences candidate_i − stable_j, never materialised: the k-th smallest is found
/// by bisection on the value with an O(n+m) count per step, so 10,000 records a side (10⁸
/// differences) take milliseconds and no memory beyond the two sorted samples.
struct PairwiseDifferences {
    let x: [Double]
    let y: [Double]

    init(_ candidate: [Double], _ stable: [Double]) {
        x = candidate.sorted()
        y = stable.sorted()
    }

    var count: Int { x.count * y.count }

    /// How many differences are at most `t` (each computed as x_i − y_j, the same expression
    /// everywhere, so the count is exact for the values `smallest` returns).
    func countAtMost(_ t: Double) -> Int {
        var total = 0, j = 0
        for xi in x {
            // x_i − y_j falls as j rises: those at most t are a suffix, starting later as x_i rises.
            while j < y.count && xi - y[j] > t { j += 1 }
            total += y.count - j
        }
        return total
    }

    /// The smallest difference above `t` (nil: none).
    func smallestAbove(_ t: Double) -> Double? {
        var best: Double?
        var j = 0
        for xi in x {
            while j < y.count && xi - y[j] > t { j += 1 }
            if j > 0 {
                let candidate = xi - y[j - 1]
                if best == nil || candidate < best! { best = candidate }
            }
        }
        return best
    }

    /// The k-th smallest difference (1-based).
    func smallest(_ k: Int) -> Double {
        var lo = x[0] - y[y.count - 1]  // the smallest difference
        if countAtMost(lo) >= k { return lo }
        var hi = x[x.count - 1] - y[0]  // the largest
        // count(lo) < k <= count(hi): narrow the interval, then walk its few distinct values.
        for _ in 0..<200 {
            let mid = lo + (hi - lo) / 2
            if mid <= lo || mid >= hi { break }
            if countAtMost(mid) >= k { hi = mid } else { lo = mid }
        }
        while let next = smallestAbove(lo) {
            if countAtMost(next) >= k { return next }
            lo = next
        }
        return hi
    }
}
