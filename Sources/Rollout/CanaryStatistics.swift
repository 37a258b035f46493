import Glibc

/// The statistics the canary analysis rests on, written out so each can be checked against an
/// independent implementation (statsmodels, in the tests).
package enum CanaryStatistics {
    /// One-sided score test that the new version's failure rate exceeds the stable version's
    /// by more than `margin` (a difference of proportions, 0.01 = 1 percentage point):
    /// H0: p_new − p_stable ≤ margin against H1: p_new − p_stable > margin. The statistic is
    /// Miettinen and Nurminen's (1985): the variance is taken at the maximum-likelihood rates
    /// restricted to p_new − p_stable = margin (Farrington and Manning's 1990 closed form),
    /// with the N/(N−1) correction. Unlike the plain Wald test it behaves with few events and
    /// zero counts, which a quiet canary has. Returns the z statistic and its one-sided p-value.
    package static func excessTest(
        failuresNew x1: Int, invocationsNew n1: Int, failuresStable x2: Int, invocationsStable n2: Int,
        margin: Double
    ) -> (z: Double, pValue: Double) {
        // Callers judge nothing without calls of both versions; a test of nothing finds nothing.
        guard n1 > 0 && n2 > 0 else { return (0, 1) }
        let p1 = Double(x1) / Double(n1), p2 = Double(x2) / Double(n2)
        let (r1, r2) = restrictedRates(p1: p1, n1: Double(n1), p2: p2, n2: Double(n2), difference: margin)
        let total = Double(n1 + n2)
        let variance = (r1 * (1 - r1) / Double(n1) + r2 * (1 - r2) / Double(n2)) * total / (total - 1)
        let excess = p1 - p2 - margin
        guard variance > 0 else {
            // Both restricted rates at 0 or 1: no spread at all, the observed excess decides.
            let z = excess > 0 ? Double.infinity : (excess < 0 ? -Double.infinity : 0)
            return (z, excess > 0 ? 0 : (excess < 0 ? 1 : 0.5))
        }
        let z = excess / variance.squareRoot()
        return (z, upperTail(z))
    }

    /// The rates that maximise the likelihood of both samples under p1 − p2 = difference
    /// (Farrington and Manning 1990, eq. 5 ff.: the root of a cubic in trigonometric form).
    static func restrictedRates(p1: Double, n1: Double, p2: Double, n2: Double, difference d: Double)
        -> (Double, Double)
    {
        if d == 0 {
            // The pooled rate, the cubic's root when the difference is nil.
            let pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
            return (pooled, pooled)
        }
        let theta = n2 / n1
        let a = 1 + theta
        let b = -(1 + theta + p1 + theta * p2 + d * (theta + 2))
        let c = d * d + d * (2 * p1 + theta + 1) + p1 + theta * p2
        let e = -p1 * d * (1 + d)
        let v = b * b * b / (27 * a * a * a) - b * c / (6 * a * a) + e / (2 * a)
        let uSquared = b * b / (9 * a * a) - c / (3 * a)
        let u = (v < 0 ? -1.0 : 1.0) * max(0, uSquared).squareRoot()
        let ratio = u == 0 ? 0 : min(1, max(-1, v / (u * u * u)))
        let w = (Double.pi + acos(ratio)) / 3
        let r1 = min(1, max(0, 2 * u * cos(w) - b / (3 * a)))
        let r2 = min(1, max(0, r1 - d))
        return (r1, r2)
    }

    /// P(Z > z) for a standard normal Z.
    package static func upperTail(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }
}
