"""CloudWatch GetMetricData for MetricStat queries, as AWS documents it,
computed from the raw data moto 5.2.1 keeps (installed into moto by
`moto_patches.py`; the data is written by PutMetricData through moto, and
nowhere else).

moto 5.2.1 keeps every published sample (a `Value`, each `Values[i]`
repeated `Counts[i]` times, or a statistic set) but its GetMetricData
- answers 500 (a TypeError in its serializer) for any extended statistic
  such as `p99`;
- ignores the namespace when the query has dimensions, matches a query
  without dimensions against every dimension set, and compares dimension
  lists through a broken `__lt__`;
- starts its periods at StartTime as given (AWS rounds StartTime down).

What this module does instead, per MetricStat query (sources in README.md,
Rules):
- a metric is namespace + name + its exact set of dimensions (CloudWatch
  User Guide, "Metrics concepts", Dimensions: each unique combination of
  dimensions is a separate metric); `Unit`, when given, filters by unit;
- StartTime is rounded down (GetMetricData API reference, StartTime): to the
  minute when it is less than 15 days old, to 5 minutes up to 63 days, to
  the hour beyond; to an even 5/10/20/30-second division of the minute for
  those periods; periods then follow from it, the last one ending at
  EndTime (exclusive); a period without data gives no data point; Period
  must suit the age of StartTime (multiple of 60 beyond 3 hours, of 300
  beyond 15 days, of 3600 beyond 63 days) or no data points come back
  (same page, MetricStat Period);
- SampleCount, Sum, Average, Minimum, Maximum over raw samples and
  statistic sets (as moto did);
- `pNN.NN` (0 to 100, at most two decimals): the nearest-rank percentile
  of the period's samples (the smallest sample value whose cumulative count
  reaches NN.NN % of the sample count). A statistic set takes part only
  when it stands for identical values (SampleCount 1 with Minimum = Maximum
  = Sum, or Minimum = Maximum with Sum = Minimum x SampleCount: PutMetricData
  API reference); any other statistic set in the period, or any negative
  value (GetMetricStatistics API reference), makes the percentile
  unavailable and the period gives no data point. AWS does not document how
  it computes percentiles, so values may differ from AWS's for small or
  coarse samples;
- any other statistic (trimmed mean, winsorized mean, IQM, PR(...), ...)
  is not computed by the twin: 400 InvalidParameterValue saying so;
- ScanBy TimestampDescending by default (moto's answer already was).

Metric math and Metrics Insights queries still go to moto's code (math
over the results computed here).
"""

from __future__ import annotations

import math
import re
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

BASIC_STATISTICS = ("SampleCount", "Sum", "Average", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"^p(\d{1,3}(?:\.\d{1,2})?)$")

DAY = 86400


class StatisticNotComputed(ValueError):
    """A Stat the twin does not compute (or no statistic at all)."""


def percentile_of(stat: str) -> Decimal | None:
    """`p99.9` → Decimal('99.9'); None when `stat` is not a percentile."""
    match = _PERCENTILE.match(stat or "")
    if not match:
        return None
    value = Decimal(match.group(1))
    return value if value <= 100 else None


def check_statistic(stat: str) -> None:
    if stat in BASIC_STATISTICS or percentile_of(stat) is not None:
        return
    raise StatisticNotComputed(
        f"The twin does not compute the statistic '{stat}': it computes "
        f"{', '.join(BASIC_STATISTICS)} and percentiles pNN.NN (0-100)."
    )


def nearest_rank(samples: list[tuple[float, float]], p: Decimal) -> float | None:
    """Nearest-rank percentile of (value, count) samples: the smallest value
    whose cumulative count is at least p % of the total count."""
    samples = [(v, w) for v, w in samples if w > 0]
    if not samples:
        return None
    samples.sort(key=lambda s: s[0])
    total = sum(Decimal(w) for _, w in samples)
    rank = p * total / 100  # exact: Decimal arithmetic on the counts
    running = Decimal(0)
    for value, weight in samples:
        running += Decimal(weight)
        if running >= rank:
            return value
    return samples[-1][0]


def _uniform_set(datum) -> bool:
    """A statistic set usable for percentiles (PutMetricData API reference)."""
    count, low, high, total = datum.sample_count, datum.min, datum.max, datum.sum
    if low != high:
        return False
    if count == 1:
        return low == total
    return math.isclose(total, low * count, rel_tol=1e-9, abs_tol=1e-12)


def statistic(stat: str, values: list[float], sets: list) -> float | None:
    """One period's statistic; None when no data point should be returned."""
    count = len(values) + sum(s.sample_count for s in sets)
    if count <= 0:
        return None
    if stat == "SampleCount":
        return float(count)
    if stat == "Sum":
        return float(sum(values) + sum(s.sum for s in sets))
    if stat == "Average":
        return float(sum(values) + sum(s.sum for s in sets)) / count
    if stat == "Minimum":
        return float(min(list(values) + [s.min for s in sets]))
    if stat == "Maximum":
        return float(max(list(values) + [s.max for s in sets]))
    p = percentile_of(stat)
    if p is None:
        raise StatisticNotComputed(stat)
    if any(not _uniform_set(s) for s in sets):
        return None  # raw values needed (PutMetricData API reference)
    samples = [(v, 1.0) for v in values] + [(s.min, s.sample_count) for s in sets]
    if any(v < 0 for v, _ in samples):
        return None  # not available with negative values (GetMetricStatistics API reference)
    result = nearest_rank(samples, p)
    return None if result is None else float(result)


def epoch(moment: datetime) -> float:
    """Seconds since the epoch; naive datetimes are UTC (moto's convention)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def aligned_start(start: float, period: int, now: float) -> float:
    """StartTime rounded down as the GetMetricData API reference says."""
    age = now - start
    if period in (1, 5, 10, 20, 30):
        unit = period
    elif age < 15 * DAY:
        unit = 60
    elif age < 63 * DAY:
        unit = 300
    else:
        unit = 3600
    return math.floor(start / unit) * unit


def period_allowed(start: float, period: int, now: float) -> bool:
    """Period versus the age of StartTime (MetricStat Period); else no data points."""
    age = now - start
    if age > 63 * DAY:
        return period % 3600 == 0
    if age > 15 * DAY:
        return period % 300 == 0
    if age > 3 * 3600:
        return period % 60 == 0
    return True


def _dimension_key(dimensions) -> frozenset:
    out = set()
    for d in dimensions:
        name = d.name if hasattr(d, "name") else d.get("Name")
        value = d.value if hasattr(d, "value") else d.get("Value")
        out.add((name, value))
    return frozenset(out)


def index_metrics(data: list) -> dict:
    """moto's stored samples by metric: (namespace, name, frozenset of (dimension, value))."""
    index: dict[tuple, list] = {}
    for datum in data:
        index.setdefault((datum.namespace, datum.name, _dimension_key(datum.dimensions)), []).append(datum)
    return index


def metric_stat_result(query: dict, index: dict, start_time: datetime, end_time: datetime,
                       scan_by: str, now: float | None = None) -> dict:
    """moto's result dict (id, label, values, timestamps, status_code) for one MetricStat query."""
    from moto.cloudwatch.models import MetricAggregatedDatum

    now = time.time() if now is None else now
    metric_stat = query["MetricStat"]
    metric = metric_stat["Metric"]
    namespace, name = metric.get("Namespace"), metric.get("MetricName")
    data = index.get((namespace, name, _dimension_key(metric.get("Dimensions") or [])), [])
    unit = metric_stat.get("Unit")
    period = int(metric_stat["Period"])
    stat = metric_stat["Stat"]
    start, end = epoch(start_time), epoch(end_time)
    first = aligned_start(start, period, now)

    buckets: dict[int, tuple[list[float], list]] = {}
    if period > 0 and period_allowed(start, period, now):
        for datum in data:
            if unit and datum.unit != unit:
                continue
            moment = epoch(datum.timestamp)
            if not first <= moment < end:
                continue
            values, sets = buckets.setdefault(int((moment - first) // period), ([], []))
            if isinstance(datum, MetricAggregatedDatum):
                sets.append(datum)
            else:
                values.append(float(datum.value))

    points = []
    for index in sorted(buckets):
        value = statistic(stat, *buckets[index])
        if value is not None:
            points.append((first + index * period, value))
    if scan_by != "TimestampAscending":
        points.reverse()
    origin = start_time.replace(microsecond=0)
    timestamps = [origin + timedelta(seconds=t - epoch(origin)) for t, _ in points]
    return {
        "id": query["Id"],
        "label": query.get("Label") or f"{name} {stat}",
        "values": [v for _, v in points],
        "timestamps": timestamps,
        "status_code": "Complete",
    }
