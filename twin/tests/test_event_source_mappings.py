"""Lambda event source mappings as the twin answers them (README "Rules", lambda_event_sources.py), each rule
proved with boto3 against a running twin: the source (an SQS queue, a Kinesis stream, a DynamoDB stream) created
through the proxy, every call SigV4-checked."""

from __future__ import annotations

import datetime
import os
import sys

import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_aws_rules import loose, refused  # noqa: E402
from test_twin import (_tamper_signature, client, ctl, error_of, fresh, publish_new_version,  # noqa: E402,F401
                       seed, twin)

FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"
NOT_FOUND = (404, "ResourceNotFoundException", "The resource you requested does not exist.")
FUNCTION_MISSING = (400, "InvalidParameterValueException", "Function does not exist")


def queue(twin, name="jobs") -> str:
    """An SQS queue created through the proxy; its ARN."""
    sqs = client(twin, "sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def arns(listing) -> list[str]:
    return [m["FunctionArn"] for m in listing["EventSourceMappings"]]


def test_function_arn_keeps_the_qualifier_given(twin):
    """API CreateEventSourceMapping (FunctionName: function name, function ARN, version or alias ARN, partial ARN)
    and EventSourceMappingConfiguration; AWS's answers as LocalStack recorded them (test_function_name_variations):
    FunctionArn is the function's ARN with the qualifier exactly as given, none for a name or an unqualified ARN."""
    seed(twin)  # version 1 behind "live"
    source = queue(twin)
    lam = client(twin, "lambda")
    given = {"fn:1": f"{FN_ARN}:1", "fn:live": f"{FN_ARN}:live", "fn": FN_ARN, "fn:$LATEST": f"{FN_ARN}:$LATEST"}
    made = {}
    for name, expected in given.items():
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        m = lam.create_event_source_mapping(EventSourceArn=source, FunctionName=name)
        assert m["ResponseMetadata"]["HTTPStatusCode"] == 202
        assert m["FunctionArn"] == expected
        assert (m["State"], m["StateTransitionReason"]) == ("Creating", "USER_INITIATED")
        assert (m["BatchSize"], m["MaximumBatchingWindowInSeconds"], m["FunctionResponseTypes"]) == (10, 0, [])
        assert m["EventSourceArn"] == source
        assert m["EventSourceMappingArn"] == f"arn:aws:lambda:us-east-1:123456789012:event-source-mapping:{m['UUID']}"
        assert m["LastModified"] >= before
        made[name] = m["UUID"]
    # the full ARN forms say the same
    assert lam.create_event_source_mapping(EventSourceArn=queue(twin, "other"),
                                           FunctionName=f"{FN_ARN}:live")["FunctionArn"] == f"{FN_ARN}:live"
    got = lam.get_event_source_mapping(UUID=made["fn:live"])
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (got["State"], got["FunctionArn"]) == ("Enabled", f"{FN_ARN}:live")  # resting after Creating
    # the whole exchange went through the proxy, signed and verified; moto's own mappings were never used
    log = [e for e in ctl(twin, "/_twin/requests") if e["service"] in ("sqs", "lambda")]
    assert ("sqs", "CreateQueue") in [(e["service"], e["operation"]) for e in log]
    assert all(e["signed"] and e["signatureVerified"] for e in log)
    assert any(e["operation"] == "CreateEventSourceMapping" and e["status"] == 202 for e in log)


def test_list_by_function_name_in_each_form_and_by_source(twin):
    """API ListEventSourceMappings: FunctionName in any of its forms, EventSourceArn "to show only event source
    mappings for a single event source". An unqualified name or ARN lists the function's mappings whatever their
    qualifier; a qualified one those with that qualifier; filters that name nothing answer an empty list
    (LocalStack's AWS-recorded test_event_source_mapping_exceptions)."""
    seed(twin)
    seed(twin, name="other")
    jobs, audit = queue(twin, "jobs"), queue(twin, "audit")
    lam = client(twin, "lambda")
    for name, source in (("fn:1", jobs), ("fn:live", jobs), ("fn", jobs), ("fn:live", audit), ("other", jobs)):
        lam.create_event_source_mapping(EventSourceArn=source, FunctionName=name)
    everything = [f"{FN_ARN}:1", f"{FN_ARN}:live", FN_ARN, f"{FN_ARN}:live"]
    for form in ("fn", FN_ARN, "123456789012:function:fn"):
        assert arns(lam.list_event_source_mappings(FunctionName=form)) == everything  # creation order
    for form in ("fn:1", f"{FN_ARN}:1", "123456789012:function:fn:1"):
        assert arns(lam.list_event_source_mappings(FunctionName=form)) == [f"{FN_ARN}:1"]
    assert arns(lam.list_event_source_mappings(FunctionName="fn:live")) == [f"{FN_ARN}:live"] * 2
    assert arns(lam.list_event_source_mappings(FunctionName=f"{FN_ARN}:live", EventSourceArn=audit)) == \
        [f"{FN_ARN}:live"]
    assert arns(lam.list_event_source_mappings(EventSourceArn=audit)) == [f"{FN_ARN}:live"]
    assert len(arns(lam.list_event_source_mappings(EventSourceArn=jobs))) == 4
    assert len(arns(lam.list_event_source_mappings())) == 5
    assert arns(lam.list_event_source_mappings(FunctionName="other")) == [FN_ARN.replace(":fn", ":other")]
    # a name that is a prefix of another function's is not that function
    assert arns(lam.list_event_source_mappings(FunctionName="f")) == []
    for nothing in ("fn:2", "fn:$LATEST", "doesnotexist", "arn:aws:lambda:eu-west-1:123456789012:function:fn"):
        assert lam.list_event_source_mappings(FunctionName=nothing)["EventSourceMappings"] == []
    assert lam.list_event_source_mappings(
        EventSourceArn="arn:aws:sqs:us-east-1:111111111111:somequeue")["EventSourceMappings"] == []
    # mappings live in their region: eu-west-1 sees none of these
    assert loose(twin, "lambda", region="eu-west-1").list_event_source_mappings()["EventSourceMappings"] == []


def test_list_pages_with_marker_and_max_items(twin):
    """API ListEventSourceMappings: Marker / MaxItems, NextMarker "returned when the response doesn't contain all
    event source mappings"; "a maximum of 100 items in each response, even if you set the number higher"."""
    seed(twin)
    lam = client(twin, "lambda")
    sources = [queue(twin, f"q{n}") for n in range(5)]
    made = [lam.create_event_source_mapping(EventSourceArn=s, FunctionName="fn:1")["UUID"] for s in sources]
    first = lam.list_event_source_mappings(FunctionName="fn", MaxItems=2)
    assert [m["UUID"] for m in first["EventSourceMappings"]] == made[:2] and first["NextMarker"]
    second = lam.list_event_source_mappings(FunctionName="fn", MaxItems=2, Marker=first["NextMarker"])
    assert [m["UUID"] for m in second["EventSourceMappings"]] == made[2:4]
    # a mapping deleted between two pages does not move the others
    lam.delete_event_source_mapping(UUID=made[2])
    third = lam.list_event_source_mappings(FunctionName="fn", MaxItems=2, Marker=second["NextMarker"])
    assert [m["UUID"] for m in third["EventSourceMappings"]] == made[4:] and "NextMarker" not in third
    pages = lam.get_paginator("list_event_source_mappings").paginate(FunctionName="fn:1",
                                                                    PaginationConfig={"PageSize": 1})
    assert [m["UUID"] for page in pages for m in page["EventSourceMappings"]] == made[:2] + made[3:]
    status, code, _ = refused(lambda: lam.list_event_source_mappings(Marker="not-a-marker"))
    assert (status, code) == (400, "InvalidParameterValueException")

    many = [queue(twin, f"m{n}") for n in range(101)]
    for s in many:
        lam.create_event_source_mapping(EventSourceArn=s, FunctionName="fn")
    capped = lam.list_event_source_mappings(FunctionName="fn", MaxItems=500)
    assert len(capped["EventSourceMappings"]) == 100 and capped["NextMarker"]
    rest = lam.list_event_source_mappings(FunctionName="fn", MaxItems=500, Marker=capped["NextMarker"])
    assert len(rest["EventSourceMappings"]) == 4 + 101 - 100 and "NextMarker" not in rest


def test_get_update_and_delete(twin):
    """API GetEventSourceMapping (200), UpdateEventSourceMapping ("You can change the function that Lambda invokes,
    or pause invocation and resume later"; 202), DeleteEventSourceMapping ("it enters a Deleting state"; 202); an
    unknown UUID: 404 ResourceNotFoundException "The resource you requested does not exist." (AWS, as LocalStack
    recorded it)."""
    seed(twin)
    source = queue(twin)
    lam = client(twin, "lambda")
    uuid = lam.create_event_source_mapping(EventSourceArn=source, FunctionName="fn:1", BatchSize=5)["UUID"]

    moved = lam.update_event_source_mapping(UUID=uuid, FunctionName="fn:live")
    assert moved["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (moved["FunctionArn"], moved["State"], moved["BatchSize"]) == (f"{FN_ARN}:live", "Updating", 5)
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"
    assert arns(lam.list_event_source_mappings(FunctionName="fn:1")) == []
    assert arns(lam.list_event_source_mappings(FunctionName="fn:live")) == [f"{FN_ARN}:live"]
    assert lam.update_event_source_mapping(UUID=uuid, FunctionName=FN_ARN)["FunctionArn"] == FN_ARN

    paused = lam.update_event_source_mapping(UUID=uuid, Enabled=False, BatchSize=7)
    assert (paused["State"], paused["BatchSize"]) == ("Disabling", 7)
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"
    assert lam.update_event_source_mapping(UUID=uuid, Enabled=True)["State"] == "Enabling"
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"

    assert refused(lambda: lam.update_event_source_mapping(UUID=uuid, FunctionName="fn:nope")) == FUNCTION_MISSING
    assert refused(lambda: lam.update_event_source_mapping(UUID=uuid, FunctionName="fn:9")) == FUNCTION_MISSING
    assert lam.get_event_source_mapping(UUID=uuid)["FunctionArn"] == FN_ARN  # a refused update changes nothing

    gone = lam.delete_event_source_mapping(UUID=uuid)
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (gone["State"], gone["UUID"], gone["FunctionArn"]) == ("Deleting", uuid, FN_ARN)
    assert refused(lambda: lam.get_event_source_mapping(UUID=uuid)) == NOT_FOUND
    assert refused(lambda: lam.delete_event_source_mapping(UUID=uuid)) == NOT_FOUND
    assert refused(lambda: lam.update_event_source_mapping(UUID=uuid, Enabled=False)) == NOT_FOUND
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []


def test_create_refusals(twin):
    """A missing function, version or alias: 400 InvalidParameterValueException "Function does not exist" (AWS, as
    LocalStack recorded it for a missing function, and as aws/aws-cdk#2084 reports it for an alias not yet created);
    a missing queue: "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue.
    …" (recorded), the function checked first; no event source: "Unrecognized event source." (recorded); the same
    source and function twice: 409 ResourceConflictException naming the existing UUID (DataBiosphere/azul#3399);
    BatchSize over 10 for SQS needs MaximumBatchingWindowInSeconds (API CreateEventSourceMapping)."""
    seed(twin)
    source = queue(twin)
    lam = client(twin, "lambda")
    for name in ("fn:9", "fn:nope", "nope", f"{FN_ARN}:9", "arn:aws:lambda:us-east-1:111111111111:function:fn"):
        assert refused(lambda: lam.create_event_source_mapping(EventSourceArn=source, FunctionName=name)) == \
            FUNCTION_MISSING
    missing_queue = "arn:aws:sqs:us-east-1:123456789012:nope"
    assert refused(lambda: lam.create_event_source_mapping(EventSourceArn=missing_queue, FunctionName="fn")) == (
        400, "InvalidParameterValueException",
        "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
        "SQS Error Message: The specified queue does not exist.")
    # a queue of another region is not there for this region's Lambda
    assert refused(lambda: lam.create_event_source_mapping(EventSourceArn=source.replace("us-east-1", "eu-west-1"),
                                                           FunctionName="fn"))[1] == "InvalidParameterValueException"
    assert refused(lambda: lam.create_event_source_mapping(EventSourceArn=missing_queue, FunctionName="nope")) == \
        FUNCTION_MISSING
    assert refused(lambda: lam.create_event_source_mapping(FunctionName="fn")) == \
        (400, "InvalidParameterValueException", "Unrecognized event source.")
    # a function ARN of another region: the twin's 404 for every operation
    status, code, message = refused(lambda: lam.create_event_source_mapping(
        EventSourceArn=source, FunctionName="arn:aws:lambda:eu-west-1:123456789012:function:fn"))
    assert (status, code) == (404, "ResourceNotFoundException") and "eu-west-1" in message

    first = lam.create_event_source_mapping(EventSourceArn=source, FunctionName="fn:1")["UUID"]
    assert refused(lambda: lam.create_event_source_mapping(EventSourceArn=source, FunctionName=f"{FN_ARN}:1")) == (
        409, "ResourceConflictException",
        f'An event source mapping with SQS arn (" {source} ") and function (" fn ") already exists. '
        f"Please update or delete the existing mapping with UUID {first}")
    # another qualifier of the same function is another mapping
    lam.create_event_source_mapping(EventSourceArn=source, FunctionName="fn:live")

    assert refused(lambda: lam.create_event_source_mapping(EventSourceArn=source, FunctionName="fn", BatchSize=20)) \
        == (400, "InvalidParameterValueException",
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
    wide = lam.create_event_source_mapping(EventSourceArn=source, FunctionName="fn", BatchSize=20,
                                           MaximumBatchingWindowInSeconds=1)
    assert (wide["BatchSize"], wide["MaximumBatchingWindowInSeconds"]) == (20, 1)
    assert len(lam.list_event_source_mappings()["EventSourceMappings"]) == 3


def test_delete_function_leaves_the_mappings(twin):
    """API DeleteFunction documents no refusal for a version that an event source mapping names ("To delete
    Lambda event source mappings that invoke a function, use DeleteEventSourceMapping"; its Qualifier: "You can't
    delete a version that an alias references", nothing about mappings): the version goes, the mapping stays and
    still names it. A mapping outlives DeleteFunction of the whole function too (AWS, as LocalStack recorded it:
    test_event_source_mapping_lifecycle_delete_function)."""
    seed(twin)
    source = queue(twin)
    lam = client(twin, "lambda")
    assert publish_new_version(lam, twin, "def handler(e, c):\n    return 2\n")["Version"] == "2"
    uuid = lam.create_event_source_mapping(EventSourceArn=source, FunctionName="fn:2")["UUID"]
    assert lam.delete_function(FunctionName="fn", Qualifier="2")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="fn")["Versions"]] == ["$LATEST", "1"]
    kept = lam.get_event_source_mapping(UUID=uuid)
    assert (kept["FunctionArn"], kept["State"]) == (f"{FN_ARN}:2", "Enabled")
    assert arns(lam.list_event_source_mappings(FunctionName="fn")) == [f"{FN_ARN}:2"]
    # a version an alias references is still refused (concurrency_semantics), mapping or not
    lam.create_event_source_mapping(EventSourceArn=source, FunctionName="fn:1")
    assert refused(lambda: lam.delete_function(FunctionName="fn", Qualifier="1"))[:2] == \
        (409, "ResourceConflictException")

    lam.delete_function(FunctionName="fn")
    assert arns(lam.list_event_source_mappings(FunctionName="fn")) == [f"{FN_ARN}:2", f"{FN_ARN}:1"]
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"
    ctl(twin, "/_twin/reset", {})
    assert client(twin, "lambda").list_event_source_mappings()["EventSourceMappings"] == []


def test_stream_sources(twin):
    """Kinesis and DynamoDB streams (API CreateEventSourceMapping: StartingPosition required for streams, BatchSize
    default 100; AWS's defaults, refusals and "Stream not found: ARN" as LocalStack recorded them)."""
    seed(twin)
    lam = client(twin, "lambda")
    kinesis = client(twin, "kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    stream = kinesis.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"]["StreamARN"]
    table = client(twin, "dynamodb").create_table(
        TableName="orders", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    changes = table["TableDescription"]["LatestStreamArn"]

    assert refused(lambda: lam.create_event_source_mapping(EventSourceArn=stream, FunctionName="fn")) == (
        400, "InvalidParameterValueException",
        "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: "
        "Member must not be null.")
    m = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName="fn:live", StartingPosition="LATEST")
    assert m["FunctionArn"] == f"{FN_ARN}:live"
    assert {k: m[k] for k in ("BatchSize", "StartingPosition", "BisectBatchOnFunctionError", "MaximumRetryAttempts",
                              "MaximumRecordAgeInSeconds", "ParallelizationFactor", "TumblingWindowInSeconds",
                              "LastProcessingResult", "StateTransitionReason", "FunctionResponseTypes")} == {
        "BatchSize": 100, "StartingPosition": "LATEST", "BisectBatchOnFunctionError": False,
        "MaximumRetryAttempts": -1, "MaximumRecordAgeInSeconds": -1, "ParallelizationFactor": 1,
        "TumblingWindowInSeconds": 0, "LastProcessingResult": "No records processed",
        "StateTransitionReason": "User action", "FunctionResponseTypes": []}
    status, code, message = refused(lambda: lam.create_event_source_mapping(
        EventSourceArn=stream, FunctionName="fn:live", StartingPosition="LATEST"))
    assert (status, code) == (409, "ResourceConflictException") and m["UUID"] in message
    assert refused(lambda: lam.create_event_source_mapping(
        EventSourceArn=stream + "x", FunctionName="fn", StartingPosition="LATEST")) == \
        (400, "InvalidParameterValueException", f"Stream not found: {stream}x")

    assert refused(lambda: lam.create_event_source_mapping(
        EventSourceArn=changes, FunctionName="fn", StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=datetime.datetime(2026, 1, 1))) == \
        (400, "InvalidParameterValueException", f"Unsupported starting position for arn type: {changes}")
    assert lam.create_event_source_mapping(EventSourceArn=changes, FunctionName="fn:1",
                                           StartingPosition="TRIM_HORIZON")["FunctionArn"] == f"{FN_ARN}:1"
    assert refused(lambda: lam.create_event_source_mapping(
        EventSourceArn=changes.rsplit("/", 1)[0] + "/2000-01-01T00:00:00.000", FunctionName="fn",
        StartingPosition="LATEST"))[2].startswith("Stream not found: ")
    assert len(lam.list_event_source_mappings(FunctionName="fn")["EventSourceMappings"]) == 2


@pytest.mark.parametrize("service,call", [
    ("lambda", lambda c: c.list_event_source_mappings()),
    ("sqs", lambda c: c.create_queue(QueueName="unsigned")),
])
def test_mapping_and_queue_calls_are_signature_checked(twin, service, call):
    """SigV4 like every other call: a tampered signature is 403 InvalidSignatureException (Lambda, and SQS's JSON
    protocol), and nothing is created."""
    c = client(twin, service)
    c.meta.events.register("before-send", _tamper_signature)
    with pytest.raises(ClientError) as exc:
        call(c)
    assert error_of(exc)[:2] == (403, "InvalidSignatureException")
    entry = ctl(twin, "/_twin/requests")[-1]
    assert (entry["service"], entry["signed"], entry["signatureVerified"]) == (service, True, False)
    assert client(twin, "sqs").list_queues().get("QueueUrls", []) == []
