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

import json
import math
import re
import threading
import time
import uuid
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


# Alarm history (DescribeAlarmHistory) ------------------------------------------
#
# moto 5.2.1 has no DescribeAlarmHistory. The twin records, per CloudWatch backend (one per account
# and region, so history is per region, and moto's reset clears it):
# - ConfigurationUpdate when PutMetricAlarm creates an alarm: HistorySummary 'Alarm "NAME" created'
#   (CloudWatch CLI reference, mon-describe-alarm-history, example output,
#   https://docs.aws.amazon.com/AmazonCloudWatch/latest/cli/cli-mon-describe-alarm-history.html),
#   HistoryData {"version":"1.0","type":"Create","createdAlarm":{...}} (as AWS answers in public
#   output; not documented); 'Alarm "NAME" updated' / 'deleted' likewise for an update or DeleteAlarms
#   (deleted: the same kind of public output; updated and both HistoryData layouts: the twin's);
# - StateUpdate when an alarm's state value changes: HistorySummary "Alarm updated from OLD to NEW",
#   HistoryData {"version":"1.0","oldState":{"stateValue","stateReason","stateReasonData"?},
#   "newState":{...}} with stateReasonData as a JSON object (AWS CLI Command Reference,
#   describe-alarm-history example,
#   https://docs.aws.amazon.com/cli/latest/reference/cloudwatch/describe-alarm-history.html).
# A SetAlarmState to the state the alarm is already in records nothing (what AWS does is not
# documented; its summary "updated from X to Y" and SetAlarmState's "When the updated state differs
# from the previous value, the action ... is invoked" describe changes).

HISTORY_VERSION = "1.0"
HISTORY_DATA_MAX = 4095  # AlarmHistoryItem HistoryData: length 1-4095 (model)
DEFAULT_MAX_RECORDS = 100  # AWS's default is not documented; the model's maximum
HISTORY_ITEM_TYPES = ("ConfigurationUpdate", "StateUpdate", "Action",
                      "AlarmContributorStateUpdate", "AlarmContributorAction")


class InvalidNextToken(ValueError):
    """A NextToken the twin did not issue for this request (DescribeAlarmHistory: InvalidNextToken, 400)."""


def _state_json(value: str, reason: str | None, reason_data: str | None) -> dict:
    out = {"stateValue": value, "stateReason": reason or ""}
    if reason_data:
        try:
            out["stateReasonData"] = json.loads(reason_data)
        except ValueError:
            pass  # SetAlarmState refuses reason data that is not JSON; nothing to embed
    return out


def _fit(data: dict, droppable: list[tuple[str, ...]]) -> str:
    """HistoryData as JSON within the model's 4095 characters: drop the optional parts in order."""
    text = json.dumps(data, separators=(",", ":"))
    for path in droppable:
        if len(text) <= HISTORY_DATA_MAX:
            break
        node = data
        for key in path[:-1]:
            node = node.get(key, {})
        node.pop(path[-1], None)
        text = json.dumps(data, separators=(",", ":"))
    return text[:HISTORY_DATA_MAX]


def state_update_data(old: tuple, new: tuple) -> str:
    """HistoryData of a StateUpdate; old/new are (stateValue, stateReason, stateReasonData JSON text)."""
    data = {"version": HISTORY_VERSION, "oldState": _state_json(*old), "newState": _state_json(*new)}
    return _fit(data, [("oldState", "stateReasonData"), ("newState", "stateReasonData"),
                       ("oldState", "stateReason")])


def configuration_data(kind: str, alarm: dict) -> str:
    """HistoryData of a ConfigurationUpdate: kind Create / Update / Delete, alarm a snapshot."""
    key = {"Create": "createdAlarm", "Update": "updatedAlarm", "Delete": "deletedAlarm"}[kind]
    data = {"version": HISTORY_VERSION, "type": kind, key: alarm}
    optional = [k for k in alarm if k not in ("alarmName", "alarmArn", "stateValue")]
    return _fit(data, [(key, k) for k in reversed(optional)])


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _moment(value) -> datetime | None:
    """A StartDate / EndDate as moto hands it over (datetime), or as sent (epoch seconds, ISO 8601)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), timezone.utc)
    text = str(value)
    try:
        return datetime.fromtimestamp(float(text), timezone.utc)
    except ValueError:
        return _aware(datetime.fromisoformat(text.replace("Z", "+00:00")))


class AlarmHistory:
    """One region's alarm history items, oldest first, each with a sequence number.

    Time stamps have AWS's millisecond precision and strictly increase (an item recorded within the
    same millisecond as the one before is stamped one millisecond later), so the order by time stamp
    is the order of recording."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: list[dict] = []
        self.tokens: dict[str, tuple] = {}
        self._last: datetime | None = None

    def record(self, alarm_name: str, alarm_type: str, item_type: str, summary: str, data: str,
               at: datetime | None = None) -> dict:
        with self.lock:
            moment = _aware(at or datetime.now(timezone.utc))
            moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
            if self._last is not None and moment <= self._last:
                moment = self._last + timedelta(milliseconds=1)
            self._last = moment
            item = {"seq": len(self.items), "AlarmName": alarm_name, "AlarmType": alarm_type,
                    "Timestamp": moment, "HistoryItemType": item_type, "HistorySummary": summary,
                    "HistoryData": data}
            self.items.append(item)
            return item

    def describe(self, params: dict) -> tuple[list[dict], str | None]:
        """(AlarmHistoryItems, NextToken) for DescribeAlarmHistory's parameters (names as in the model)."""
        name = params.get("AlarmName")
        types = params.get("AlarmTypes") or ["MetricAlarm"]  # "If you omit this parameter, only metric alarms"
        item_type = params.get("HistoryItemType")
        start, end = params.get("StartDate"), params.get("EndDate")
        start, end = _moment(start), _moment(end)
        contributor = params.get("AlarmContributorId")
        scan_by = params.get("ScanBy") or "TimestampDescending"
        limit = int(params.get("MaxRecords") or DEFAULT_MAX_RECORDS)
        query = (name, tuple(sorted(types)), item_type, start, end, contributor, scan_by)
        with self.lock:
            token = params.get("NextToken")
            after = None
            if token:
                issued = self.tokens.get(token)
                if issued is None or issued[1] != query:
                    raise InvalidNextToken("The specified NextToken is not valid.")
                after = issued[0]
            if contributor:
                matching = []  # the twin has no alarm contributors (multi-time-series alarms)
            else:
                matching = [i for i in self.items
                            if (name is None or i["AlarmName"] == name) and i["AlarmType"] in types
                            and (item_type is None or i["HistoryItemType"] == item_type)
                            and (start is None or i["Timestamp"] >= start)
                            and (end is None or i["Timestamp"] <= end)]
            if scan_by == "TimestampDescending":
                matching.reverse()
                if after is not None:
                    matching = [i for i in matching if i["seq"] < after]
            elif after is not None:
                matching = [i for i in matching if i["seq"] > after]
            page, more = matching[:limit], len(matching) > limit
            next_token = None
            if more:
                next_token = uuid.uuid4().hex
                self.tokens[next_token] = (page[-1]["seq"], query)
        return [{k: v for k, v in i.items() if k != "seq"} for i in page], next_token
