"""What Lambda writes to CloudWatch Logs per invocation (README "Rules", lambda_logs.py) and CloudWatch
Logs FilterLogEvents as the twin answers it (logs_semantics.py), each rule proved with boto3 against a
running twin, and the /_twin/lambda-behaviour control route."""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import time

import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_aws_rules import control_refusal, loose, refused  # noqa: E402
from test_twin import client, ctl, error_of, fresh, make_zip, publish_new_version, seed, twin  # noqa: E402,F401

ROLE = "arn:aws:iam::123456789012:role/twin-lambda-role"
STREAM = re.compile(r"^(\d{4}/\d{2}/\d{2})/\[(\$LATEST|\d+)\]([0-9a-f]{32})$")
REPORT = re.compile(r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: (?P<duration>\d+\.\d\d) ms\t"
                    r"Billed Duration: (?P<billed>\d+) ms\tMemory Size: (?P<memory>\d+) MB\t"
                    r"Max Memory Used: (?P<used>\d+) MB\t(?:Init Duration: (?P<init>\d+\.\d\d) ms\t)?"
                    r"(?:Status: (?P<status>timeout|error)\t(?:Error Type: (?P<type>[\w.]+)\t)?)?\n$")


def utc_days(before: float, after: float) -> set[str]:
    return {time.strftime("%Y/%m/%d", time.gmtime(t)) for t in (before, after)}


def all_events(logs, group, **kwargs) -> list[dict]:
    events, token = [], None
    while True:
        page = logs.filter_log_events(logGroupName=group, **({"nextToken": token} if token else {}), **kwargs)
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def invoke(lam, qualifier=None, **kwargs):
    """(request id, executed version, function error, payload) of one Invoke."""
    args = {"FunctionName": "fn", "Payload": b"{}", **kwargs}
    if qualifier:
        args["Qualifier"] = qualifier
    r = lam.invoke(**args)
    return (r["ResponseMetadata"]["RequestId"], r.get("ExecutedVersion"), r.get("FunctionError"),
            r["Payload"].read(), r.get("LogResult"))


# Text format, alias weights, streams per execution environment ------------------------------------

def test_text_records_name_each_executed_version(twin):
    seed(twin)  # version 1 behind "live", Text format, /aws/lambda/fn
    lam, logs = client(twin, "lambda"), client(twin, "logs")
    publish_new_version(lam, twin, "def handler(e, c):\n    return 2\n")
    lam.update_alias(FunctionName="fn", Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    assert lam.get_function_configuration(FunctionName="fn")["LoggingConfig"] == \
        {"LogFormat": "Text", "LogGroup": "/aws/lambda/fn"}
    ctl(twin, "/_twin/lambda", {"seed": 3})
    before = time.time()
    runs = [invoke(lam, "live") for _ in range(16)]
    after = time.time()
    executed = {rid: version for rid, version, _, _, _ in runs}
    assert set(executed.values()) == {"1", "2"} and len(executed) == 16

    events = all_events(logs, "/aws/lambda/fn")
    streams = {e["logStreamName"] for e in events}
    assert len(streams) == 2  # one execution environment per version: one stream each
    for name in streams:
        day, version, _ = STREAM.match(name).groups()
        assert day in utc_days(before, after)
        mine = [e["message"] for e in events if e["logStreamName"] == name]
        ids = [rid for rid, v in executed.items() if v == version]
        assert len(mine) == 3 * len(ids)  # START, END and REPORT per invocation, in order
        for i, rid in enumerate(ids):
            start, end, report = mine[3 * i: 3 * i + 3]
            assert start == f"START RequestId: {rid} Version: {version}\n"
            assert end == f"END RequestId: {rid}\n"
            m = REPORT.match(report)
            assert m and m["id"] == rid
            # the defaults: 2.00 ms, billed 2 ms, the function's 128 MB, 40 MB used, a cold start first
            assert (m["duration"], m["billed"], m["memory"], m["used"], m["status"]) == ("2.00", "2", "128", "40", None)
            assert m["init"] == ("150.00" if i == 0 else None)
    ordered = [e["timestamp"] for e in events]
    assert ordered == sorted(ordered)  # interleaved by time across the streams

    # a new stream per execution environment: an update of $LATEST makes its next invocation cold
    first = invoke(lam)
    lam.update_function_configuration(FunctionName="fn", Description="new environment")
    second = invoke(lam)
    latest = [e for e in all_events(logs, "/aws/lambda/fn", filterPattern='"REPORT RequestId"')
              if "[$LATEST]" in e["logStreamName"]]
    assert [REPORT.match(e["message"])["id"] for e in latest] == [first[0], second[0]]
    assert all(REPORT.match(e["message"])["init"] == "150.00" for e in latest)
    assert latest[0]["logStreamName"] != latest[1]["logStreamName"]


def test_behaviour_sets_durations_cold_starts_errors_and_timeouts(twin):
    seed(twin)
    lam, logs = client(twin, "lambda"), client(twin, "logs")
    set_to = ctl(twin, "/_twin/lambda-behaviour", {
        "function": "fn", "version": 1, "durationMs": 12.34, "memorySizeMb": 256, "maxMemoryUsedMb": 70,
        "initDurationMs": 321.5, "coldStartEvery": 3, "errorEvery": 4, "timeoutEvery": 5})
    assert set_to == {"function": "fn", "region": "us-east-1", "version": "1", "durationMs": 12.34, "jitterMs": 0.0,
                      "memorySizeMb": 256, "maxMemoryUsedMb": 70, "initDurationMs": 321.5, "coldStartEvery": 3,
                      "errorEvery": 4, "timeoutEvery": 5, "invocations": 0}
    runs = [invoke(lam, "live", LogType="Tail") for _ in range(6)]
    ids = [r[0] for r in runs]
    assert [r[1] for r in runs] == ["1"] * 6
    # invocation 4: an unhandled function error; 5: a timeout (the function's Timeout, 3 s)
    assert [r[2] for r in runs] == [None, None, None, "Unhandled", "Unhandled", None]
    assert json.loads(runs[3][3])["errorType"] == "Error"
    assert json.loads(runs[4][3]) == {"errorType": "Sandbox.Timedout",
                                      "errorMessage": f"RequestId: {ids[4]} Error: Task timed out after 3.00 seconds"}
    assert runs[0][3] == b"{}"

    events = all_events(logs, "/aws/lambda/fn")
    reports = [e for e in events if e["message"].startswith("REPORT")]
    assert [REPORT.match(e["message"])["id"] for e in reports] == ids
    fields = [REPORT.match(e["message"]).groupdict() for e in reports]
    assert [f["init"] for f in fields] == ["321.50", None, "321.50", None, None, "321.50"]  # 1st, every 3rd
    assert [f["status"] for f in fields] == [None, None, None, "error", "timeout", None]
    assert fields[3]["type"] == "Runtime.Unknown" and fields[4]["type"] is None
    assert [(f["duration"], f["billed"]) for f in fields] == \
        [("12.34", "13")] * 4 + [("3000.00", "3000"), ("12.34", "13")]
    assert {(f["memory"], f["used"]) for f in fields} == {("256", "70")}
    # a new stream at each cold start: invocations 1-2, 3-5, 6
    by_id = {REPORT.match(e["message"])["id"]: e["logStreamName"] for e in reports}
    assert by_id[ids[0]] == by_id[ids[1]] != by_id[ids[2]] == by_id[ids[3]] == by_id[ids[4]] != by_id[ids[5]]
    assert all(STREAM.match(s).group(2) == "1" for s in by_id.values())
    # the timeout line comes before END, in the invocation's stream
    timed_out = [e["message"] for e in events if e["logStreamName"] == by_id[ids[4]] and ids[4] in e["message"]]
    assert timed_out[0] == f"START RequestId: {ids[4]} Version: 1\n"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z " + ids[4] + r" Task timed out after 3\.00 seconds\n",
                        timed_out[1])
    assert timed_out[2:] == [f"END RequestId: {ids[4]}\n", reports[4]["message"]]
    # LogType Tail: the invocation's own records
    assert base64.b64decode(runs[0][4]).decode() == "".join(
        e["message"] for e in events if ids[0] in e["message"])

    # an Event invocation runs (and logs); a DryRun does not
    lam.invoke(FunctionName="fn", Qualifier="1", InvocationType="Event", Payload=b"{}")
    lam.invoke(FunctionName="fn", Qualifier="1", InvocationType="DryRun", Payload=b"{}")
    assert len(all_events(logs, "/aws/lambda/fn", filterPattern='"REPORT RequestId"')) == 7


def jittered_durations(twin, n=6):
    ctl(twin, "/_twin/reset", {})
    seed(twin)
    ctl(twin, "/_twin/lambda-behaviour", {"function": "fn", "version": "$LATEST", "durationMs": 20, "jitterMs": 5})
    lam, logs = client(twin, "lambda"), client(twin, "logs")
    for _ in range(n):
        invoke(lam)
    return [float(REPORT.match(e["message"])["duration"])
            for e in all_events(logs, "/aws/lambda/fn", filterPattern='"REPORT RequestId"')]


def test_jitter_is_reproducible(twin):
    first, again = jittered_durations(twin), jittered_durations(twin)
    assert first == again  # seeded from (function, version, invocation index)
    assert all(15 <= d <= 25 for d in first) and len(set(first)) > 1


# JSON format, custom log group -------------------------------------------------------------------

def test_json_records_go_to_the_custom_group(twin):
    made = ctl(twin, "/_twin/seed-function", {"name": "fn", "alias": "live",
                                             "loggingConfig": {"LogFormat": "JSON", "LogGroup": "/custom/group"}})
    expected = {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO",
                "LogGroup": "/custom/group"}
    assert made["LoggingConfig"] == expected
    lam, logs = client(twin, "lambda"), client(twin, "logs")
    assert lam.get_function_configuration(FunctionName="fn")["LoggingConfig"] == expected
    assert lam.get_function(FunctionName="fn", Qualifier="1")["Configuration"]["LoggingConfig"] == expected
    ctl(twin, "/_twin/lambda-behaviour", {"function": "fn", "version": "1", "durationMs": 7.5, "errorEvery": 2,
                                         "timeoutEvery": 3})
    ids = [invoke(lam, "live")[0] for _ in range(3)]

    events = all_events(logs, "/custom/group")
    records = [json.loads(e["message"]) for e in events]
    assert [(r["type"], r["record"]["requestId"]) for r in records] == \
        [(t, rid) for rid in ids for t in ("platform.start", "platform.report")]
    for r, e in zip(records, events):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r["time"])
        assert r["time"] == time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(e["timestamp"] / 1000)) + \
            f".{e['timestamp'] % 1000:03d}Z"
        assert STREAM.match(e["logStreamName"]).group(2) == "1"
    assert records[0]["record"] == {"requestId": ids[0], "version": "1"}
    reports = [r["record"] for r in records if r["type"] == "platform.report"]
    assert reports[0] == {"requestId": ids[0], "status": "success",
                          "metrics": {"durationMs": 7.5, "billedDurationMs": 8, "memorySizeMB": 128,
                                      "maxMemoryUsedMB": 40, "initDurationMs": 150.0}}
    assert reports[1] == {"requestId": ids[1], "status": "error", "errorType": "Runtime.Unknown",
                          "metrics": {"durationMs": 7.5, "billedDurationMs": 8, "memorySizeMB": 128,
                                      "maxMemoryUsedMB": 40}}
    assert reports[2] == {"requestId": ids[2], "status": "timeout",
                          "metrics": {"durationMs": 3000.0, "billedDurationMs": 3000, "memorySizeMB": 128,
                                      "maxMemoryUsedMB": 40}}
    # nothing in the default group
    assert refused(lambda: logs.filter_log_events(logGroupName="/aws/lambda/fn")) == \
        (400, "ResourceNotFoundException", "The specified log group does not exist.")


def test_logging_config_through_the_api_and_the_control_route(twin):
    seed(twin)
    lam = client(twin, "lambda")
    lam.create_function(FunctionName="api", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": make_zip("def handler(e, c):\n    return e\n")},
                        LoggingConfig={"LogFormat": "JSON", "SystemLogLevel": "WARN"})
    got = lam.get_function_configuration(FunctionName="api")["LoggingConfig"]
    assert got == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN",
                   "LogGroup": "/aws/lambda/api"}
    assert lam.publish_version(FunctionName="api")["LoggingConfig"] == got  # version 1 keeps it
    for _ in range(10):
        if lam.get_function_configuration(FunctionName="api")["LastUpdateStatus"] == "Successful":
            break
    updated = lam.update_function_configuration(FunctionName="api", LoggingConfig={"LogFormat": "Text",
                                                                                    "LogGroup": "/other/api"})
    assert updated["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/other/api"}  # levels go with JSON
    versions = {v["Version"]: v["LoggingConfig"] for v in lam.list_versions_by_function(FunctionName="api")["Versions"]}
    assert versions == {"$LATEST": {"LogFormat": "Text", "LogGroup": "/other/api"}, "1": got}
    status, code, message = refused(lambda: loose(twin, "lambda").update_function_configuration(
        FunctionName="api", LoggingConfig={"LogFormat": "XML"}))
    assert (status, code) == (400, "ValidationException") and "at 'loggingConfig.logFormat'" in message

    # the control route, settled at once
    changed = ctl(twin, "/_twin/function-config", {"function": "fn", "loggingConfig": {"LogGroup": "/custom/fn"}})
    assert changed["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/custom/fn"}
    assert changed["LastUpdateStatus"] == "Successful"
    assert lam.get_function_configuration(FunctionName="fn")["LoggingConfig"] == changed["LoggingConfig"]
    assert lam.get_function_configuration(FunctionName="fn", Qualifier="1")["LoggingConfig"] == \
        {"LogFormat": "Text", "LogGroup": "/aws/lambda/fn"}  # published before: unchanged
    assert lam.publish_version(FunctionName="fn")["LoggingConfig"] == changed["LoggingConfig"]
    for body, words in [({"function": "fn", "loggingConfig": {"LogFormat": "XML"}}, "LogFormat"),
                        ({"function": "fn", "loggingConfig": {"LogGroup": "bad group!"}}, "LogGroup"),
                        ({"function": "fn", "loggingConfig": {"Level": "INFO"}}, "unknown"),
                        ({"function": "fn", "loggingConfig": "JSON"}, "object")]:
        status, message = control_refusal(twin, "/_twin/function-config", body)
        assert status == 400 and words in message
    status, message = control_refusal(twin, "/_twin/seed-function", {"name": "x", "loggingConfig": {"LogFormat": 1}})
    assert status == 400 and "LogFormat" in message


# FilterLogEvents ---------------------------------------------------------------------------------------

def test_filter_log_events_patterns_pages_and_window(twin):
    seed(twin)
    ctl(twin, "/_twin/seed-function", {"name": "jfn", "loggingConfig": {"LogFormat": "JSON"}})
    lam, logs = client(twin, "lambda"), client(twin, "logs")
    early = [invoke(lam)[0] for _ in range(2)] + [invoke(lam, FunctionName="jfn")[0]]
    time.sleep(0.05)
    middle = int(time.time() * 1000)
    time.sleep(0.05)
    late = [invoke(lam)[0] for _ in range(3)] + [invoke(lam, FunctionName="jfn")[0]]

    # a quoted term: the events that contain the exact phrase (the REPORT lines only)
    reports = logs.filter_log_events(logGroupName="/aws/lambda/fn", filterPattern='"REPORT RequestId"')
    assert [REPORT.match(e["message"])["id"] for e in reports["events"]] == early[:2] + late[:3]
    assert "nextToken" not in reports and reports["searchedLogStreams"] == []
    assert set(reports["events"][0]) == {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}
    # a JSON property filter: the platform.report records only (the start records and text lines do not match)
    json_reports = logs.filter_log_events(logGroupName="/aws/lambda/jfn", filterPattern='{ $.type = "platform.report" }')
    assert [json.loads(e["message"])["record"]["requestId"] for e in json_reports["events"]] == [early[2], late[3]]
    assert logs.filter_log_events(logGroupName="/aws/lambda/fn",
                                  filterPattern='{ $.type = "platform.report" }')["events"] == []
    assert len(logs.filter_log_events(logGroupName="/aws/lambda/jfn")["events"]) == 4  # no pattern: all
    # other forms of the syntax
    assert len(logs.filter_log_events(logGroupName="/aws/lambda/fn", filterPattern="?START ?END")["events"]) == 10
    assert len(logs.filter_log_events(logGroupName="/aws/lambda/fn", filterPattern="RequestId -REPORT")["events"]) == 10
    assert len(logs.filter_log_events(logGroupName="/aws/lambda/jfn",
                                      filterPattern='{ $.record.metrics.durationMs >= 2 && $.record.status = "success" }'
                                      )["events"]) == 2

    # pages of `limit`, chained by nextToken
    pages, token = [], None
    while True:
        page = logs.filter_log_events(logGroupName="/aws/lambda/fn", filterPattern='"REPORT RequestId"', limit=2,
                                      **({"nextToken": token} if token else {}))
        pages.append([REPORT.match(e["message"])["id"] for e in page["events"]])
        token = page.get("nextToken")
        if not token:
            break
    assert pages == [early[:2], late[:2], late[2:3]]
    # a token is good for the query it was issued for only
    first = logs.filter_log_events(logGroupName="/aws/lambda/fn", filterPattern='"REPORT RequestId"', limit=2)
    assert refused(lambda: logs.filter_log_events(logGroupName="/aws/lambda/fn", filterPattern="START",
                                                  nextToken=first["nextToken"])) == \
        (400, "InvalidParameterException", "The specified nextToken is invalid.")
    assert refused(lambda: logs.filter_log_events(logGroupName="/aws/lambda/fn", nextToken="garbage"))[:2] == \
        (400, "InvalidParameterException")

    # startTime / endTime (inclusive, milliseconds)
    after = logs.filter_log_events(logGroupName="/aws/lambda/fn", filterPattern='"REPORT RequestId"', startTime=middle)
    assert [REPORT.match(e["message"])["id"] for e in after["events"]] == late[:3]
    before = logs.filter_log_events(logGroupName="/aws/lambda/fn", filterPattern='"REPORT RequestId"', endTime=middle)
    assert [REPORT.match(e["message"])["id"] for e in before["events"]] == early[:2]
    stamp = after["events"][0]["timestamp"]
    assert after["events"][0] in logs.filter_log_events(logGroupName="/aws/lambda/fn", startTime=stamp,
                                                        endTime=stamp)["events"]
    # a stream prefix, a group by identifier (ARN)
    stream = after["events"][0]["logStreamName"]
    assert len(logs.filter_log_events(logGroupName="/aws/lambda/fn", logStreamNamePrefix=stream[:14])["events"]) == 15
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/jfn"
    assert len(logs.filter_log_events(logGroupIdentifier=arn)["events"]) == 4


def test_filter_log_events_refusals_and_signing(twin):
    seed(twin)
    lam, logs = client(twin, "lambda"), client(twin, "logs")
    invoke(lam)
    assert refused(lambda: logs.filter_log_events(logGroupName="/aws/lambda/nope")) == \
        (400, "ResourceNotFoundException", "The specified log group does not exist.")
    assert refused(lambda: logs.filter_log_events(logGroupName="/aws/lambda/fn",
                                                  logGroupIdentifier="/aws/lambda/fn"))[:2] == \
        (400, "InvalidParameterException")
    assert refused(lambda: logs.filter_log_events(logGroupName="/aws/lambda/fn", logStreamNames=["a"],
                                                  logStreamNamePrefix="a"))[:2] == (400, "InvalidParameterException")
    status, code, message = refused(lambda: logs.filter_log_events(logGroupName="/aws/lambda/fn",
                                                                   filterPattern="[ip, user]"))
    assert (status, code) == (400, "InvalidParameterException") and "space-delimited" in message
    # the model's constraints (InvalidParameterException with the Coral message)
    status, code, message = refused(lambda: loose(twin, "logs").filter_log_events(logGroupName="bad name!"))
    assert (status, code) == (400, "InvalidParameterException")
    assert message.startswith("1 validation error detected: Value 'bad name!' at 'logGroupName'")
    # SigV4 as for every service: a wrong secret is refused, a good one recorded as verified
    bad = client(twin, "logs", secret="wrong/secret")
    assert refused(lambda: bad.filter_log_events(logGroupName="/aws/lambda/fn"))[:2] == \
        (403, "InvalidSignatureException")
    ctl(twin, "/_twin/requests/clear", {})
    answer = logs.filter_log_events(logGroupName="/aws/lambda/fn")
    assert answer["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"
    entry, = [e for e in ctl(twin, "/_twin/requests")]
    assert (entry["service"], entry["operation"], entry["signatureVerified"], entry["mutating"]) == \
        ("logs", "FilterLogEvents", True, False)
    with pytest.raises(ClientError) as exc:
        client(twin, "logs", akid="AKIDUNKNOWN").filter_log_events(logGroupName="/aws/lambda/fn")
    assert error_of(exc)[:2] == (403, "UnrecognizedClientException")


def test_records_are_written_in_the_functions_region(twin):
    ctl(twin, "/_twin/seed-function", {"name": "fn", "region": "eu-west-1"})
    ctl(twin, "/_twin/lambda-behaviour", {"function": "fn", "region": "eu-west-1", "version": "$LATEST",
                                         "durationMs": 9})
    lam = loose(twin, "lambda", region="eu-west-1")
    rid = lam.invoke(FunctionName="fn", Payload=b"{}")["ResponseMetadata"]["RequestId"]
    report, = loose(twin, "logs", region="eu-west-1").filter_log_events(
        logGroupName="/aws/lambda/fn", filterPattern='"REPORT RequestId"')["events"]
    assert (REPORT.match(report["message"])["id"], REPORT.match(report["message"])["duration"]) == (rid, "9.00")
    assert refused(lambda: client(twin, "logs").filter_log_events(logGroupName="/aws/lambda/fn"))[:2] == \
        (400, "ResourceNotFoundException")  # us-east-1 has no such group


# The control route ------------------------------------------------------------------------------------

def test_lambda_behaviour_route_validation_and_reset(twin):
    seed(twin)
    for body, words in [
        ({"version": "1", "durationMs": 1}, "function is required"),
        ({"function": "fn", "durationMs": 1}, "version is required"),
        ({"function": "fn", "version": "live", "durationMs": 1}, "version is required"),
        ({"function": "fn", "version": 0, "durationMs": 1}, "version is required"),
        ({"function": "fn", "version": "1"}, "durationMs is required"),
        ({"function": "fn", "version": "1", "durationMs": -1}, "durationMs"),
        ({"function": "fn", "version": "1", "durationMs": "5"}, "durationMs"),
        ({"function": "fn", "version": "1", "durationMs": 1, "jitterMs": -2}, "jitterMs"),
        ({"function": "fn", "version": "1", "durationMs": 1, "memorySizeMb": 64}, "memorySizeMb"),
        ({"function": "fn", "version": "1", "durationMs": 1, "maxMemoryUsedMb": 1.5}, "maxMemoryUsedMb"),
        ({"function": "fn", "version": "1", "durationMs": 1, "coldStartEvery": -1}, "coldStartEvery"),
        ({"function": "fn", "version": "1", "durationMs": 1, "errorEvery": True}, "errorEvery"),
        ({"function": "fn", "version": "1", "durationMs": 1, "timeoutEvery": 2.5}, "timeoutEvery"),
        ({"function": "fn", "version": "1", "durationMs": 1, "status": "error"}, "unknown field"),
        ({"function": "fn", "version": "1", "durationMs": 1, "region": "mars"}, "region"),
    ]:
        status, message = control_refusal(twin, "/_twin/lambda-behaviour", body)
        assert status == 400 and words in message, (body, message)
    assert control_refusal(twin, "/_twin/lambda-behaviour",
                           {"function": "ghost", "version": "1", "durationMs": 1}) == (404, "no function ghost in us-east-1")
    # a version not published yet may be given its behaviour ahead of the deployment that publishes it
    ahead = ctl(twin, "/_twin/lambda-behaviour", {"function": "fn", "version": "2", "durationMs": 50})
    assert (ahead["version"], ahead["durationMs"], ahead["memorySizeMb"]) == ("2", 50.0, None)
    lam, logs = client(twin, "lambda"), client(twin, "logs")
    publish_new_version(lam, twin, "v2")
    invoke(lam, "2")
    report, = logs.filter_log_events(logGroupName="/aws/lambda/fn", filterPattern='"REPORT RequestId"')["events"]
    assert REPORT.match(report["message"])["duration"] == "50.00"

    # reset clears behaviours (and the logs, with moto)
    ctl(twin, "/_twin/reset", {})
    seed(twin)
    publish_new_version(lam, twin, "v2")
    invoke(lam, "2")
    report, = logs.filter_log_events(logGroupName="/aws/lambda/fn", filterPattern='"REPORT RequestId"')["events"]
    assert REPORT.match(report["message"])["duration"] == "2.00"


def test_a_refused_write_keeps_the_invocation(capsys):
    """In process: moto refusing the records (or not answering) is a warning on stderr, not an error."""
    from twin.lambda_semantics import LambdaSemantics, LambdaState
    from twin.messages import Response

    class RefusingMoto:
        def __init__(self, fail):
            self.fail = fail

        def call(self, *args, **kwargs):
            if self.fail == "raise":
                raise ConnectionError("moto went away")
            return Response(500, [("X-Amzn-ErrorType", "ServiceUnavailableException")], b'{"message": "no"}')

    for fail in ("answer", "raise"):
        semantics = LambdaSemantics(LambdaState(), RefusingMoto(fail))
        outcome = semantics._run_invocation("us-east-1", "fn", "1", {"MemorySize": 512, "Timeout": 5}, "rid-1",
                                            function_error=False)
        assert (outcome["status"], outcome["memorySizeMB"], outcome["coldStart"]) == ("success", 512, True)
        assert outcome["records"][-1].startswith("REPORT RequestId: rid-1\tDuration: 2.00 ms\t")
        err = capsys.readouterr().err
        assert err.startswith("twin: warning: Invoke fn:1 in us-east-1: its log records were not written (")
