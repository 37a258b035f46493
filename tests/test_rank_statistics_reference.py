"""The two-sample rank statistics of Tests/RolloutTests/Fixtures/rank-statistics.json are SciPy's
and NumPy's, recomputed here from the fixture's own samples, so the fixture the Swift canary
analysis is checked against cannot drift from the reference implementation.

For x = candidate (n values) and y = stable (m values), every case records:

- u, p_greater: scipy.stats.mannwhitneyu(x, y, alternative="greater", method="asymptotic",
  use_continuity=True): U1 = R1 - n(n+1)/2 with midranks for ties, and the normal approximation
  with tie and continuity correction. When every value is tied the variance is zero; SciPy 1.17
  then divides -0.5 by 0 (z = -inf) and returns p = 1.0, not NaN, so no case needs a null p.
- hl: the Hodges-Lehmann shift, numpy.median of all n*m differences x_i - y_j.
- lower_95, lower_90: the distribution-free one-sided lower confidence bound for the shift: with
  the differences sorted ascending as D(1..N), N = n*m, z = norm.ppf(c),
  k = max(floor(N/2 - z*sqrt(n*m*(n+m+1)/12)), 1), the bound is D(k) (1-based).
- median_candidate, median_stable: numpy.median.

Regenerate the fixture with `python3 tests/test_rank_statistics_reference.py`.
"""

import json
import math
import pathlib

import numpy as np
from scipy import stats

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "Tests" / "RolloutTests" / "Fixtures" / "rank-statistics.json"
CONFIDENCES = {"lower_95": 0.95, "lower_90": 0.90}


def latencies(seed: int, size: int, median_ms: float, sigma: float = 0.25) -> list[float]:
    """Lognormal durations around median_ms, rounded to 2 decimals like Lambda's reported milliseconds."""
    rng = np.random.default_rng(seed)
    return [round(float(v), 2) for v in rng.lognormal(mean=math.log(median_ms), sigma=sigma, size=size)]


def samples() -> list[tuple[str, list[float], list[float]]]:
    """(name, candidate, stable) for every case; small ones literal, large ones from seeded generators."""
    return [
        ("small_no_ties_5_vs_6", [12.4, 15.1, 9.8, 20.3, 17.6], [8.2, 11.9, 10.5, 7.3, 13.8, 9.1]),
        (
            "heavy_ties_integers_1_to_4",
            [float(v) for v in [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 2, 3, 4, 1, 3]],
            [float(v) for v in [1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 1, 2, 2, 3, 1, 4, 2]],
        ),
        ("both_constant_100", [100.0] * 8, [100.0] * 10),
        ("constant_candidate_vs_varied", [100.0] * 12, [88.5, 93.2, 97.75, 100.0, 100.0, 102.4, 105.9, 111.3, 95.05, 99.99]),
        ("varied_candidate_vs_constant", [101.2, 99.5, 130.0, 100.0, 87.25, 115.75, 104.4], [100.0] * 9),
        ("one_vs_one", [120.5], [100.25]),
        ("two_vs_three_tied", [50.0, 60.0], [50.0, 55.0, 60.0]),
        ("unequal_3_vs_400", [131.07, 98.44, 142.9], latencies(seed=3400, size=400, median_ms=100.0)),
        ("unequal_400_vs_3", latencies(seed=4003, size=400, median_ms=100.0), [101.37, 87.92, 119.6]),
        (
            "latency_300_vs_300_candidate_30pct_slower",
            latencies(seed=20240301, size=300, median_ms=130.0),
            latencies(seed=20240302, size=300, median_ms=100.0),
        ),
        (
            "latency_200_vs_200_equal_distributions",
            latencies(seed=777, size=200, median_ms=100.0),
            latencies(seed=778, size=200, median_ms=100.0),
        ),
        (
            "latency_150_vs_180_candidate_20pct_faster",
            latencies(seed=51, size=150, median_ms=80.0),
            latencies(seed=52, size=180, median_ms=100.0),
        ),
        (
            "integer_ms_ties_120_vs_100",
            [float(round(v)) for v in latencies(seed=909, size=120, median_ms=42.0, sigma=0.1)],
            [float(round(v)) for v in latencies(seed=910, size=100, median_ms=40.0, sigma=0.1)],
        ),
        (
            "negative_and_zero_values",
            [-3.5, 0.0, 2.25, -1.0, 0.0, 4.75, -0.5, 1.5],
            [-2.0, 0.0, -4.25, 1.0, -1.0, 0.0, -6.5],
        ),
        ("identical_samples", [95.5, 101.25, 99.0, 110.75, 88.0, 101.25], [95.5, 101.25, 99.0, 110.75, 88.0, 101.25]),
        ("complete_separation_candidate_slower", [210.5, 220.25, 205.0, 230.75, 215.5, 240.0], [100.5, 98.25, 105.0, 102.75, 99.5, 101.0, 97.0]),
    ]


def rank_of_bound(n: int, m: int, confidence: float) -> tuple[int, float]:
    """The 1-based rank k of the lower bound among the sorted differences, and the value floored."""
    z = float(stats.norm.ppf(confidence))
    t = (n * m) / 2 - z * math.sqrt(n * m * (n + m + 1) / 12)
    return max(math.floor(t), 1), t


def statistics(x: list[float], y: list[float]) -> dict:
    n, m = len(x), len(y)
    result = stats.mannwhitneyu(x, y, alternative="greater", method="asymptotic", use_continuity=True)
    differences = np.sort(np.subtract.outer(np.asarray(x, dtype=float), np.asarray(y, dtype=float)).ravel())
    values = {
        "u": float(result.statistic),
        "p_greater": None if math.isnan(result.pvalue) else float(result.pvalue),
        "hl": float(np.median(differences)),
    }
    for key, confidence in CONFIDENCES.items():
        k, _ = rank_of_bound(n, m, confidence)
        values[key] = float(differences[k - 1])
    values["median_candidate"] = float(np.median(x))
    values["median_stable"] = float(np.median(y))
    return values


def generate() -> dict:
    cases = []
    for name, candidate, stable in samples():
        cases.append({"name": name, "candidate": candidate, "stable": stable, **statistics(candidate, stable)})
    return {"cases": cases}


def write_fixture() -> None:
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    # One case a line: diffable, and every number in json.dumps's shortest round-trip repr.
    lines = ",\n".join(json.dumps(case) for case in generate()["cases"])
    FIXTURE.write_text('{"cases": [\n' + lines + "\n]}\n")


def load_cases() -> list[dict]:
    return json.loads(FIXTURE.read_text())["cases"]


def test_every_value_is_scipys():
    for case in load_cases():
        x, y = case["candidate"], case["stable"]
        expected = statistics(x, y)
        for key in ("u", "p_greater"):
            want, got = expected[key], case[key]
            if want is None or got is None:
                assert want is got, f"{case['name']}: {key} is {got}, scipy says {want}"
            else:
                assert got == want or math.isclose(got, want, rel_tol=1e-12, abs_tol=0.0), (
                    f"{case['name']}: {key} is {got!r}, scipy says {want!r}"
                )
        for key in ("hl", "lower_95", "lower_90", "median_candidate", "median_stable"):
            assert case[key] == expected[key], f"{case['name']}: {key} is {case[key]!r}, numpy says {expected[key]!r}"


def test_the_bound_ranks_are_far_from_a_floor_boundary():
    """A second implementation computing N/2 - z*sqrt(...) in another order must land on the same k."""
    for case in load_cases():
        n, m = len(case["candidate"]), len(case["stable"])
        for confidence in CONFIDENCES.values():
            _, t = rank_of_bound(n, m, confidence)
            assert abs(t - round(t)) > 1e-6, f"{case['name']}: {t!r} is within rounding of an integer"


def test_the_fixture_covers_the_hard_cases():
    cases = load_cases()
    assert len({c["name"] for c in cases}) == len(cases), "case names repeat"

    def has_ties(c):
        pooled = c["candidate"] + c["stable"]
        return len(set(pooled)) < len(pooled)

    def constant(sample):
        return len(set(sample)) == 1 and len(sample) > 1

    assert any(has_ties(c) for c in cases), "no case with ties"
    assert any(constant(c["candidate"]) or constant(c["stable"]) for c in cases), "no constant sample"
    assert any(constant(c["candidate"]) and constant(c["stable"]) for c in cases), "no case with both samples constant"
    sizes = [(len(c["candidate"]), len(c["stable"])) for c in cases]
    assert any(max(n, m) > 100 * min(n, m) for n, m in sizes), "no sizes differing by more than 100x"
    assert any(n > 100 * m for n, m in sizes) and any(m > 100 * n for n, m in sizes), "unequal sizes one way only"
    assert any(n * m >= 90_000 for n, m in sizes), "no case with N = n*m >= 90,000"
    assert any(min(c["candidate"] + c["stable"]) < 0 and 0.0 in c["candidate"] + c["stable"] for c in cases), (
        "no case with negative and zero values"
    )
    assert any(c["hl"] < 0 for c in cases) and any(c["hl"] > 0 for c in cases), "shifts in one direction only"


def test_the_generator_reproduces_the_fixture():
    assert generate() == json.loads(FIXTURE.read_text()), "regenerate: python3 tests/test_rank_statistics_reference.py"


if __name__ == "__main__":
    write_fixture()
    print(f"wrote {FIXTURE.relative_to(ROOT)}")
