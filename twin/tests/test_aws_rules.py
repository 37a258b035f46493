"""The AWS rules the twin enforces beyond moto (README "Rules"), each proved with boto3.

botocore validates parameters client-side; the clients here turn that off
(parameter_validation=False) so the twin's own checks are what answer."""

from __future__ import annotations

import base64
import json
import os
import sys

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_twin import (AKID, REGION, SECRET, b64sha256, client, ctl, error_of, fresh, make_zip,  # noqa: E402,F401
                       publish_new_version, raw_request, seed, twin, wait_successful)

LOOSE = Config(retries={"total_max_attempts": 1, "mode": "standard"}, parameter_validation=False,
               connect_timeout=5, read_timeout=30)
ROLE = "arn:aws:iam::123456789012:role/twin-lambda-role"


def loose(twin, service, region=REGION):
    return boto3.client(service, endpoint_url=twin["endpoint"], region_name=region, aws_access_key_id=AKID,
                        aws_secret_access_key=SECRET, config=LOOSE)


def refused(call):
    with pytest.raises(ClientError) as exc:
        call()
    return error_of(exc)


def add_body_member(client, operation, name, value):
    """Inject a member botocore would not serialize (signed afterwards, so it verifies)."""
    def handler(params, **kwargs):
        body = json.loads(params["body"] or b"{}")
        body[name] = value
        params["body"] = json.dumps(body).encode()
    client.meta.events.register(f"before-call.{client.meta.service_model.endpoint_prefix}.{operation}", handler)


# Rule 1: weighted aliases -----------------------------------------------------------

def test_weighted_alias_rules(twin):
    seed(twin)
    lam = loose(twin, "lambda")
    publish_new_version(lam, twin, "v2")
    publish_new_version(lam, twin, "v3")

    status, code, message = refused(lambda: lam.update_alias(
        FunctionName="fn", Name="live", FunctionVersion="$LATEST", RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}}))
    assert (status, code, message) == (400, "InvalidParameterValueException",
                                       "$LATEST is not supported for an alias pointing to more than 1 version")
    assert refused(lambda: lam.create_alias(FunctionName="fn", Name="canary", FunctionVersion="$LATEST",
                                            RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}}))[:2] == \
        (400, "InvalidParameterValueException")
    # at most one additional version; it differs from the primary; it exists
    assert refused(lambda: lam.update_alias(FunctionName="fn", Name="live", RoutingConfig={
        "AdditionalVersionWeights": {"2": 0.1, "3": 0.1}}))[:2] == (400, "InvalidParameterValueException")
    assert refused(lambda: lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="2", RoutingConfig={
        "AdditionalVersionWeights": {"2": 0.1}}))[:2] == (400, "InvalidParameterValueException")
    assert refused(lambda: lam.update_alias(FunctionName="fn", Name="live", RoutingConfig={
        "AdditionalVersionWeights": {"9": 0.1}}))[:2] == (404, "ResourceNotFoundException")
    # the model: key pattern [0-9]+ ($LATEST) and weight range [0.0, 1.0]
    status, code, message = refused(lambda: lam.update_alias(FunctionName="fn", Name="live", RoutingConfig={
        "AdditionalVersionWeights": {"$LATEST": 0.1}}))
    assert (status, code) == (400, "ValidationException")
    assert "at 'routingConfig.additionalVersionWeights'" in message and "[0-9]+" in message
    status, code, message = refused(lambda: lam.update_alias(FunctionName="fn", Name="live", RoutingConfig={
        "AdditionalVersionWeights": {"2": 1.5}}))
    assert (status, code) == (400, "ValidationException")
    assert "Member must have value less than or equal to 1.0" in message
    # FunctionVersion must exist; name pattern and lengths
    assert refused(lambda: lam.create_alias(FunctionName="fn", Name="ghost", FunctionVersion="42"))[:2] == \
        (404, "ResourceNotFoundException")
    status, code, message = refused(lambda: lam.create_alias(FunctionName="fn", Name="123", FunctionVersion="1"))
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("1 validation error detected: Value '123' at 'name' failed to satisfy constraint: "
                              "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
    assert refused(lambda: lam.create_alias(FunctionName="fn", Name="x" * 129, FunctionVersion="1"))[:2] == \
        (400, "ValidationException")
    assert refused(lambda: lam.update_alias(FunctionName="fn", Name="live", Description="d" * 257))[:2] == \
        (400, "ValidationException")
    assert lam.get_alias(FunctionName="fn", Name="live")["FunctionVersion"] == "1"  # nothing changed

    # the valid forms still work, and the RevisionId semantics are kept
    before = lam.get_alias(FunctionName="fn", Name="live")
    ok = lam.update_alias(FunctionName="fn", Name="live", RevisionId=before["RevisionId"],
                          RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})
    assert ok["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}} and ok["RevisionId"] != before["RevisionId"]
    made = lam.create_alias(FunctionName="fn", Name="canary", FunctionVersion="3",
                            RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    assert made["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.5}}
    # moving the primary onto the additional version while weights are kept is refused
    assert refused(lambda: lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="2"))[:2] == \
        (400, "InvalidParameterValueException")


# Rule 1b: the versions behind a weighted alias share their execution role and dead-letter queue ----

OTHER_ROLE = "arn:aws:iam::123456789012:role/twin-other-role"
DLQ = "arn:aws:sqs:us-east-1:123456789012:fn-dlq"
OTHER_DLQ = "arn:aws:sns:us-east-1:123456789012:fn-failures"
ROLE_MISMATCH = (400, "InvalidParameterValueException",
                 "Specified versions must be associated with the same execution role")
DLQ_MISMATCH = (400, "InvalidParameterValueException",
                "Specified versions must be associated with the same dead letter queue configuration")


def control_refusal(twin, path, body):
    import urllib.error
    with pytest.raises(urllib.error.HTTPError) as exc:
        ctl(twin, path, body)
    return exc.value.code, json.loads(exc.value.read())["message"]


def alias_of(lam, name):
    alias = lam.get_alias(FunctionName="fn", Name=name)
    alias.pop("ResponseMetadata")
    return alias


def test_weighted_alias_versions_share_role_and_dead_letter_queue(twin):
    seed(twin)  # version 1 behind "live": the seed role, no dead-letter queue
    lam = loose(twin, "lambda")
    before = lam.get_function_configuration(FunctionName="fn")

    # the control route changes $LATEST as UpdateFunctionConfiguration would, settled at once
    changed = ctl(twin, "/_twin/function-config", {"function": "fn", "role": OTHER_ROLE})
    assert (changed["FunctionName"], changed["Version"], changed["Role"]) == ("fn", "$LATEST", OTHER_ROLE)
    assert changed["LastUpdateStatus"] == "Successful" and changed["RevisionId"] != before["RevisionId"]
    assert "DeadLetterConfig" not in changed
    latest = lam.get_function_configuration(FunctionName="fn")
    assert (latest["Role"], latest["LastUpdateStatus"], latest["RevisionId"]) == \
        (OTHER_ROLE, "Successful", changed["RevisionId"])
    assert lam.publish_version(FunctionName="fn")["Version"] == "2"  # no wait: nothing in progress

    # role mismatch: refused on UpdateAlias and CreateAlias, nothing changes
    alias = alias_of(lam, "live")
    assert refused(lambda: lam.update_alias(FunctionName="fn", Name="live", RoutingConfig={
        "AdditionalVersionWeights": {"2": 0.1}})) == ROLE_MISMATCH
    assert refused(lambda: lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="2", RoutingConfig={
        "AdditionalVersionWeights": {"1": 0.1}})) == ROLE_MISMATCH
    assert refused(lambda: lam.create_alias(FunctionName="fn", Name="canary", FunctionVersion="1", RoutingConfig={
        "AdditionalVersionWeights": {"2": 0.5}})) == ROLE_MISMATCH
    assert alias_of(lam, "live") == alias
    assert refused(lambda: lam.get_alias(FunctionName="fn", Name="canary"))[:2] == (404, "ResourceNotFoundException")

    # $LATEST goes back to the seed role; version 2 keeps the role it was published with
    ctl(twin, "/_twin/function-config", {"function": "fn", "role": ROLE})
    assert lam.get_function_configuration(FunctionName="fn", Qualifier="2")["Role"] == OTHER_ROLE
    assert lam.get_function_configuration(FunctionName="fn", Qualifier="1")["Role"] == ROLE
    assert lam.publish_version(FunctionName="fn")["Version"] == "3"
    ok = lam.update_alias(FunctionName="fn", Name="live", RoutingConfig={"AdditionalVersionWeights": {"3": 0.1}})
    assert ok["RoutingConfig"] == {"AdditionalVersionWeights": {"3": 0.1}}  # same role, no queue on either

    # dead-letter queue: present on one version, absent on the other
    with_dlq = ctl(twin, "/_twin/function-config", {"function": "fn", "deadLetterTargetArn": DLQ})
    assert with_dlq["DeadLetterConfig"] == {"TargetArn": DLQ} and with_dlq["Role"] == ROLE
    assert lam.get_function_configuration(FunctionName="fn")["DeadLetterConfig"] == {"TargetArn": DLQ}
    published = lam.publish_version(FunctionName="fn")
    assert (published["Version"], published["DeadLetterConfig"]) == ("4", {"TargetArn": DLQ})
    assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName="fn", Qualifier="3")
    alias = alias_of(lam, "live")
    assert refused(lambda: lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="3", RoutingConfig={
        "AdditionalVersionWeights": {"4": 0.1}})) == DLQ_MISMATCH
    assert refused(lambda: lam.create_alias(FunctionName="fn", Name="canary", FunctionVersion="4", RoutingConfig={
        "AdditionalVersionWeights": {"3": 0.1}})) == DLQ_MISMATCH
    assert alias_of(lam, "live") == alias

    # two different queues, set through UpdateFunctionConfiguration itself
    lam.update_function_configuration(FunctionName="fn", DeadLetterConfig={"TargetArn": OTHER_DLQ})
    status, message = control_refusal(twin, "/_twin/function-config", {"function": "fn", "deadLetterTargetArn": DLQ})
    assert status == 409 and "An update is in progress" in message  # as a second update would be
    wait_successful(lam)
    assert lam.publish_version(FunctionName="fn")["DeadLetterConfig"] == {"TargetArn": OTHER_DLQ}  # version 5
    assert lam.get_function_configuration(FunctionName="fn", Qualifier="4")["DeadLetterConfig"] == {"TargetArn": DLQ}
    versions = {v["Version"]: v.get("DeadLetterConfig") for v in lam.list_versions_by_function(FunctionName="fn")["Versions"]}
    assert versions == {"$LATEST": {"TargetArn": OTHER_DLQ}, "1": None, "2": None, "3": None,
                        "4": {"TargetArn": DLQ}, "5": {"TargetArn": OTHER_DLQ}}
    assert refused(lambda: lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="4", RoutingConfig={
        "AdditionalVersionWeights": {"5": 0.1}})) == DLQ_MISMATCH

    # the same role and the same queue: accepted
    ctl(twin, "/_twin/function-config", {"function": "fn", "deadLetterTargetArn": DLQ})
    assert lam.publish_version(FunctionName="fn")["Version"] == "6"
    made = lam.create_alias(FunctionName="fn", Name="canary", FunctionVersion="4",
                            RoutingConfig={"AdditionalVersionWeights": {"6": 0.2}})
    assert made["RoutingConfig"] == {"AdditionalVersionWeights": {"6": 0.2}}
    # the role is checked first when both differ
    ctl(twin, "/_twin/function-config", {"function": "fn", "role": OTHER_ROLE, "deadLetterTargetArn": ""})
    removed = lam.get_function_configuration(FunctionName="fn")
    assert removed["Role"] == OTHER_ROLE and "DeadLetterConfig" not in removed
    assert lam.publish_version(FunctionName="fn")["Version"] == "7"
    assert refused(lambda: lam.update_alias(FunctionName="fn", Name="canary", RoutingConfig={
        "AdditionalVersionWeights": {"7": 0.2}})) == ROLE_MISMATCH

    # the control route's refusals
    assert control_refusal(twin, "/_twin/function-config", {"function": "ghost", "role": ROLE})[0] == 404
    for bad in ({"function": "fn"}, {"function": "fn", "role": "not-an-arn"},
                {"function": "fn", "deadLetterTargetArn": "arn:aws:s3:::bucket"},
                {"function": "fn", "role": ROLE, "timeout": 3}, {"role": ROLE}):
        assert control_refusal(twin, "/_twin/function-config", bad)[0] == 400


# Rule 2: request shapes against botocore's models ----------------------------------------

def test_lambda_shapes_are_validated_from_the_model(twin):
    seed(twin)
    lam = loose(twin, "lambda")
    status, code, message = refused(lambda: lam.get_function(FunctionName="bad name!"))
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy "
                              "constraint: Member must satisfy regular expression pattern: ")
    status, code, message = refused(lambda: lam.list_functions(MaxItems=20000))
    assert message == ("1 validation error detected: Value '20000' at 'maxItems' failed to satisfy constraint: "
                       "Member must have value less than or equal to 10000")
    status, code, message = refused(lambda: lam.invoke(FunctionName="fn", InvocationType="Sometimes"))
    assert (status, code) == (400, "ValidationException") and "'invocationType'" in message
    assert "Member must satisfy enum value set: [Event, RequestResponse, DryRun]" in message
    status, code, message = refused(lambda: lam.create_function(FunctionName="g", Code={"ZipFile": b"x"},
                                                                Runtime="python9", Handler="a.b"))
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("2 validation errors detected: ")
    assert "Value null at 'role' failed to satisfy constraint: Member must not be null" in message
    assert "Value 'python9' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set:" in message
    status, code, message = refused(lambda: lam.update_function_configuration(FunctionName="fn", MemorySize="big"))
    assert (status, code) == (400, "InvalidRequestContentException")
    status, code, message = refused(lambda: lam.update_function_configuration(FunctionName="fn", Timeout=0))
    assert (status, code) == (400, "ValidationException") and "at 'timeout'" in message

    extra = loose(twin, "lambda")
    add_body_member(extra, "UpdateAlias", "Weights", {"2": 0.1})
    status, code, message = refused(lambda: extra.update_alias(FunctionName="fn", Name="live", Description="x"))
    assert (status, code) == (400, "InvalidRequestContentException")
    assert message == 'Could not parse request body into json: Unrecognized field "Weights", not marked as ignorable'
    assert lam.get_alias(FunctionName="fn", Name="live")["Description"] == ""
    assert all(e["signatureVerified"] for e in ctl(twin, "/_twin/requests"))


def test_cloudwatch_sts_and_s3_shapes_are_validated(twin):
    cw = loose(twin, "cloudwatch")
    status, code, message = refused(lambda: cw.set_alarm_state(AlarmName="a", StateValue="MAYBE", StateReason="r"))
    assert (status, code) == (400, "ValidationError")
    assert message == ("1 validation error detected: Value 'MAYBE' at 'stateValue' failed to satisfy constraint: "
                       "Member must satisfy enum value set: [OK, ALARM, INSUFFICIENT_DATA]")
    assert refused(lambda: cw.describe_alarms(MaxRecords=500))[:2] == (400, "ValidationError")
    cw_extra = loose(twin, "cloudwatch")
    add_body_member(cw_extra, "DescribeAlarms", "Bogus", 1)
    assert refused(lambda: cw_extra.describe_alarms())[:2] == (400, "InvalidParameterValue")
    assert cw.describe_alarms()["MetricAlarms"] == []

    sts = loose(twin, "sts")
    status, code, message = refused(lambda: sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/x",
                                                            RoleSessionName="a b", DurationSeconds=10))
    assert (status, code) == (400, "ValidationError")
    assert message.startswith("2 validation errors detected: Value 'a b' at 'roleSessionName'")
    assert "Value '10' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or " \
           "equal to 900" in message
    assert refused(lambda: sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/x",
                                           RoleSessionName="ab", DurationSeconds="ten"))[:2] == (400, "ValidationError")

    s3 = loose(twin, "s3")
    s3.create_bucket(Bucket="twin-shapes")
    assert refused(lambda: s3.put_object(Bucket="twin-shapes", Key="k", Body=b"x", StorageClass="CHEAP"))[:2] == \
        (400, "InvalidStorageClass")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket="twin-shapes", Key="k", Body=b"x", ACL="everyone")
    assert error_of(exc)[:2] == (400, "InvalidArgument")
    assert (exc.value.response["Error"]["ArgumentName"], exc.value.response["Error"]["ArgumentValue"]) == \
        ("x-amz-acl", "everyone")
    assert refused(lambda: s3.list_objects_v2(Bucket="twin-shapes", EncodingType="base64"))[:2] == \
        (400, "InvalidArgument")
    status, _, body = raw_request(twin, "GET", "/twin-shapes?list-type=2&max-keys=lots", "s3")
    assert status == 400 and b"<Code>InvalidArgument</Code>" in body and b"<ArgumentName>max-keys" in body
    assert s3.list_objects_v2(Bucket="twin-shapes", EncodingType="url", MaxKeys=5)["KeyCount"] == 0


# Rules 3 and 4: function State and SnapStart ---------------------------------------------

def _create(lam, name="st", **extra):
    return lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                               Code={"ZipFile": make_zip("def handler(e, c):\n    return e\n")}, **extra)


def test_new_function_is_pending_then_active(twin):
    seed(twin, name="other")  # the role
    assert ctl(twin, "/_twin/lambda")["pendingPolls"] == 0
    lam = loose(twin, "lambda")
    created = _create(lam, "quick")
    assert created["State"] == "Active"  # default: unchanged

    ctl(twin, "/_twin/lambda", {"pendingPolls": 1})
    created = _create(lam)
    assert (created["State"], created["StateReasonCode"]) == ("Pending", "Creating")
    status, code, message = refused(lambda: lam.update_function_code(FunctionName="st", ZipFile=make_zip("x")))
    assert (status, code, message) == (409, "ResourceConflictException", "The operation cannot be performed at this "
                                       "time. The function is currently in the following state: Pending")
    assert refused(lambda: lam.invoke(FunctionName="st", Payload=b"{}"))[:2] == (409, "ResourceConflictException")
    assert refused(lambda: lam.publish_version(FunctionName="st"))[:2] == (409, "ResourceConflictException")
    states = [lam.get_function_configuration(FunctionName="st")["State"],
              lam.get_function(FunctionName="st")["Configuration"]["State"]]
    assert states == ["Pending", "Active"]
    config = lam.get_function_configuration(FunctionName="st")
    assert "StateReasonCode" not in config
    assert lam.invoke(FunctionName="st", Payload=b"{}")["StatusCode"] == 200


def test_inactive_and_failed_functions(twin):
    seed(twin, alias=None)
    lam = loose(twin, "lambda")
    ctl(twin, "/_twin/lambda", {"pendingPolls": 1})
    ctl(twin, "/_twin/function-state", {"function": "fn", "state": "Inactive"})
    config = lam.get_function_configuration(FunctionName="fn")
    assert (config["State"], config["StateReasonCode"]) == ("Inactive", "Idle")
    status, code, _ = refused(lambda: lam.invoke(FunctionName="fn", Payload=b"{}"))
    assert (status, code) == (502, "ResourceNotReadyException")
    config = lam.get_function_configuration(FunctionName="fn")
    assert (config["State"], config["StateReasonCode"]) == ("Pending", "Restoring")
    assert lam.get_function_configuration(FunctionName="fn")["State"] == "Active"
    assert lam.invoke(FunctionName="fn", Payload=b"{}")["StatusCode"] == 200

    ctl(twin, "/_twin/function-state", {"function": "fn", "state": "Inactive"})
    updated = lam.update_function_code(FunctionName="fn", ZipFile=make_zip("again"))
    assert (updated["State"], updated["StateReasonCode"]) == ("Pending", "Restoring")

    ctl(twin, "/_twin/lambda", {"pendingPolls": 0})
    ctl(twin, "/_twin/function-state", {"function": "fn", "state": "Failed", "reason": "role is gone",
                                        "reasonCode": "InsufficientRolePermissions"})
    config = lam.get_function(FunctionName="fn")["Configuration"]
    assert (config["State"], config["StateReason"], config["StateReasonCode"]) == \
        ("Failed", "role is gone", "InsufficientRolePermissions")
    assert refused(lambda: lam.invoke(FunctionName="fn", Payload=b"{}"))[:2] == (409, "ResourceConflictException")
    with pytest.raises(urllib_error()):
        ctl(twin, "/_twin/function-state", {"function": "fn", "state": "Failed", "reasonCode": "NotACode"})


def urllib_error():
    import urllib.error
    return urllib.error.HTTPError


def test_last_update_failed_carries_reason_code(twin):
    seed(twin, alias=None)
    lam = loose(twin, "lambda")
    ctl(twin, "/_twin/lambda", {"updatePolls": 0, "failNextUpdate": "The runtime is gone",
                                "failNextUpdateCode": "InvalidRuntime"})
    updated = lam.update_function_code(FunctionName="fn", ZipFile=make_zip("x"))
    assert (updated["LastUpdateStatus"], updated["LastUpdateStatusReason"], updated["LastUpdateStatusReasonCode"]) == \
        ("Failed", "The runtime is gone", "InvalidRuntime")
    ctl(twin, "/_twin/lambda", {"failNextUpdate": "kms", "failNextUpdateCode": "KMSKeyAccessDenied"})
    lam.update_function_configuration(FunctionName="fn", Description="d")
    assert lam.get_function_configuration(FunctionName="fn")["LastUpdateStatusReasonCode"] == "KMSKeyAccessDenied"
    assert ctl(twin, "/_twin/lambda")["failNextUpdateCode"] == "InternalError"  # one-shot


def test_snapstart_versions_are_pending_until_read(twin):
    seed(twin, name="other")
    lam = loose(twin, "lambda")
    created = _create(lam, "snap", SnapStart={"ApplyOn": "PublishedVersions"})
    assert created["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"}
    ctl(twin, "/_twin/lambda", {"snapStartPolls": 1})
    version = lam.publish_version(FunctionName="snap")
    assert (version["Version"], version["State"], version["StateReasonCode"]) == ("1", "Pending", "Creating")
    assert version["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
    status, code, message = refused(lambda: lam.invoke(FunctionName="snap", Qualifier="1", Payload=b"{}"))
    assert (status, code, message) == (409, "ResourceConflictException", "The operation cannot be performed at this "
                                       "time. The function is currently in the following state: Pending")
    # an alias may point at the Pending version (no documented refusal); invoking through it fails
    lam.create_alias(FunctionName="snap", Name="live", FunctionVersion="1")
    assert refused(lambda: lam.invoke(FunctionName="snap", Qualifier="live", Payload=b"{}"))[:2] == \
        (409, "ResourceConflictException")
    assert lam.invoke(FunctionName="snap", Payload=b"{}")["ExecutedVersion"] == "$LATEST"
    listed = lam.list_versions_by_function(FunctionName="snap")["Versions"]
    assert [(v["Version"], v["State"]) for v in listed] == [("$LATEST", "Active"), ("1", "Pending")]
    states = [lam.get_function_configuration(FunctionName="snap", Qualifier="1")["State"],
              lam.get_function(FunctionName="snap:1")["Configuration"]["State"]]
    assert states == ["Pending", "Active"]
    assert lam.invoke(FunctionName="snap", Qualifier="live", Payload=b"{}")["ExecutedVersion"] == "1"

    ctl(twin, "/_twin/lambda", {"snapStartPolls": 0, "failNextSnapStart": {
        "reason": "Snapshot creation failed", "reasonCode": "FunctionError.InitTimeout"}})
    lam.update_function_code(FunctionName="snap", ZipFile=make_zip("v2"))
    wait_successful(lam, "snap")
    assert lam.publish_version(FunctionName="snap")["State"] == "Pending"
    failed = lam.get_function_configuration(FunctionName="snap", Qualifier="2")
    assert (failed["State"], failed["StateReason"], failed["StateReasonCode"]) == \
        ("Failed", "Snapshot creation failed", "FunctionError.InitTimeout")
    assert refused(lambda: lam.invoke(FunctionName="snap", Qualifier="2", Payload=b"{}"))[:2] == \
        (409, "ResourceConflictException")

    lam.update_function_configuration(FunctionName="snap", SnapStart={"ApplyOn": "None"})
    wait_successful(lam, "snap")
    lam.update_function_code(FunctionName="snap", ZipFile=make_zip("v3"))
    wait_successful(lam, "snap")
    assert lam.publish_version(FunctionName="snap")["State"] == "Active"


# Rule 5: PackageType Image -----------------------------------------------------------------

def test_image_functions_refuse_zip_code(twin):
    seed(twin, alias=None)
    for tag in ("1", "2"):  # the images must exist in ECR (test_images.py)
        ctl(twin, "/_twin/seed-image", {"repository": "app", "tag": tag})
    lam = loose(twin, "lambda")
    image = lam.create_function(FunctionName="img", PackageType="Image", Role=ROLE,
                                Code={"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"})
    assert image["PackageType"] == "Image"
    for code in [{"ZipFile": make_zip("x")}, {"S3Bucket": "twin-bucket", "S3Key": "k.zip"}]:
        status, err, message = refused(lambda: lam.update_function_code(FunctionName="img", **code))
        assert (status, err, message) == (400, "InvalidParameterValueException",
                                          "Please provide ImageUri when updating a function with packageType Image.")
    updated = lam.update_function_code(FunctionName="img", ImageUri="123456789012.dkr.ecr.us-east-1.amazonaws.com/app:2")
    assert updated["PackageType"] == "Image"
    status, err, message = refused(lambda: lam.update_function_code(FunctionName="fn", ImageUri="x.dkr.ecr/app:1"))
    assert (status, err, message) == (400, "InvalidParameterValueException",
                                      "Please don't provide ImageUri when updating a function with packageType Zip.")

    forced = ctl(twin, "/_twin/function-state", {"function": "fn", "packageType": "Image"})
    assert forced["packageType"] == "Image"
    assert lam.get_function_configuration(FunctionName="fn")["PackageType"] == "Image"
    assert refused(lambda: lam.update_function_code(FunctionName="fn", ZipFile=make_zip("x")))[:2] == \
        (400, "InvalidParameterValueException")
    assert base64  # (imported for symmetry with test_twin helpers)


# Rule 6: S3 versioning states and bucket regions ----------------------------------------------

def test_version_ids_in_unversioned_and_suspended_buckets(twin):
    s3 = loose(twin, "s3")
    s3.create_bucket(Bucket="twin-plain")
    put = s3.put_object(Bucket="twin-plain", Key="k", Body=b"a")
    assert "x-amz-version-id" not in put["ResponseMetadata"]["HTTPHeaders"]
    assert "x-amz-version-id" not in s3.head_object(Bucket="twin-plain", Key="k")["ResponseMetadata"]["HTTPHeaders"]

    s3.create_bucket(Bucket="twin-suspended")
    s3.put_bucket_versioning(Bucket="twin-suspended", VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket="twin-suspended", Key="k", Body=b"v1")["VersionId"]
    assert first != "null"
    s3.put_bucket_versioning(Bucket="twin-suspended", VersioningConfiguration={"Status": "Suspended"})
    assert s3.put_object(Bucket="twin-suspended", Key="k", Body=b"v2")["VersionId"] == "null"
    assert s3.put_object(Bucket="twin-suspended", Key="k", Body=b"v3")["VersionId"] == "null"  # replaces null
    got = s3.get_object(Bucket="twin-suspended", Key="k")
    assert (got["VersionId"], got["Body"].read()) == ("null", b"v3")
    assert s3.head_object(Bucket="twin-suspended", Key="k", VersionId=first)["VersionId"] == first
    versions = s3.list_object_versions(Bucket="twin-suspended")["Versions"]
    assert sorted(v["VersionId"] for v in versions) == sorted([first, "null"])


def test_bucket_in_another_region_redirects(twin):
    eu = loose(twin, "s3", region="eu-west-1")
    eu.create_bucket(Bucket="twin-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    eu.put_object(Bucket="twin-eu", Key="k", Body=b"x")  # signed for its own region: served
    us = loose(twin, "s3")
    status, headers, body = raw_request(twin, "GET", "/twin-eu/k", "s3")
    assert status == 301 and headers["x-amz-bucket-region"] == "eu-west-1"
    assert b"<Code>PermanentRedirect</Code>" in body and b"<Endpoint>twin-eu.s3.eu-west-1.amazonaws.com" in body
    status, headers, body = raw_request(twin, "HEAD", "/twin-eu", "s3")
    assert (status, headers["x-amz-bucket-region"], body) == (301, "eu-west-1", b"")
    status, _, body = raw_request(twin, "GET", "/twin-eu?location", "s3")  # GetBucketLocation: any region
    assert status == 200 and b"eu-west-1" in body
    # us-east-1 buckets: as before, served whatever region the request is signed for
    us.create_bucket(Bucket="twin-us")
    eu.put_object(Bucket="twin-us", Key="k", Body=b"x")
    assert us.get_object(Bucket="twin-us", Key="k")["Body"].read() == b"x"


def test_checksum_kept_and_returned_with_checksum_mode(twin):
    """HeadObject / GetObject API reference: ChecksumMode ENABLED returns the SHA-256 the object
    was uploaded with (per version); nothing without the mode, nothing for an object uploaded
    without one."""
    import base64
    import hashlib
    s3 = loose(twin, "s3")
    s3.create_bucket(Bucket="twin-checksums")
    s3.put_bucket_versioning(Bucket="twin-checksums", VersioningConfiguration={"Status": "Enabled"})
    first_body, second_body = b"first bytes", b"second bytes"
    first_sum = base64.b64encode(hashlib.sha256(first_body).digest()).decode()
    second_sum = base64.b64encode(hashlib.sha256(second_body).digest()).decode()
    first = s3.put_object(Bucket="twin-checksums", Key="p.zip", Body=first_body, ChecksumSHA256=first_sum)["VersionId"]
    s3.put_object(Bucket="twin-checksums", Key="p.zip", Body=second_body, ChecksumSHA256=second_sum)
    assert s3.head_object(Bucket="twin-checksums", Key="p.zip", ChecksumMode="ENABLED").get("ChecksumSHA256") == second_sum
    assert s3.head_object(Bucket="twin-checksums", Key="p.zip", VersionId=first,
                          ChecksumMode="ENABLED").get("ChecksumSHA256") == first_sum
    assert "ChecksumSHA256" not in s3.head_object(Bucket="twin-checksums", Key="p.zip")
    s3.put_object(Bucket="twin-checksums", Key="plain", Body=b"no checksum")
    assert "ChecksumSHA256" not in s3.head_object(Bucket="twin-checksums", Key="plain", ChecksumMode="ENABLED")


# Rule 7: CloudWatch GetMetricData statistics (percentiles) and metric identity ----------------

def _minute_ago(minutes=10):
    """A minute boundary `minutes` ago (epoch seconds): room for periods on both sides."""
    import time
    return (int(time.time()) // 60) * 60 - minutes * 60


def _at(seconds):
    import datetime
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)


def _lambda_dims(version, alias="live", function="fn"):
    return [{"Name": "FunctionName", "Value": function}, {"Name": "Resource", "Value": f"{function}:{alias}"},
            {"Name": "ExecutedVersion", "Value": version}]


def _read(cw, metric, dims, stat, start, end, period=60, namespace="AWS/Lambda", **extra):
    """(values, timestamps as offsets from `start`) of one MetricStat query."""
    result = cw.get_metric_data(MetricDataQueries=[{"Id": "q", "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dims},
        "Period": period, "Stat": stat}}], StartTime=_at(start), EndTime=_at(end), **extra)["MetricDataResults"][0]
    return result["Values"], [int(t.timestamp()) - start for t in result["Timestamps"]]


def test_percentiles_are_computed_from_raw_values(twin):
    """Nearest-rank percentiles over the samples of each period; Sum / SampleCount over Values+Counts;
    statistic sets only when they stand for identical values; none with negative values."""
    cw = loose(twin, "cloudwatch")
    base = _minute_ago()
    at = _at(base + 5)
    # 100 individual Values 1..100 in one PutMetricData (botocore gzips a body this large)
    cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[
        {"MetricName": "Duration", "Dimensions": _lambda_dims("1"), "Value": float(v), "Timestamp": at,
         "Unit": "Milliseconds"} for v in range(1, 101)])
    put = [e for e in ctl(twin, "/_twin/requests") if e["operation"] == "PutMetricData"][-1]
    assert (put["headers"].get("content-encoding"), put["status"]) == ("gzip", 200)
    # Values + Counts: 10 ms x 95, 500 ms x 5 (and 7 ms x 3 more in another call, same period)
    cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[{
        "MetricName": "Duration", "Dimensions": _lambda_dims("2"), "Values": [10.0, 500.0], "Counts": [95.0, 5.0],
        "Timestamp": at, "Unit": "Milliseconds"}])
    cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[{
        "MetricName": "Duration", "Dimensions": _lambda_dims("2"), "Values": [7.0], "Timestamp": _at(base + 50)}])

    def stats(version, names, metric="Duration", namespace="AWS/Lambda"):
        """{stat: [values]} for one metric, all statistics in one GetMetricData call."""
        dims = _lambda_dims(version) if version else []
        queries = [{"Id": f"q{i}", "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": metric,
                                                             "Dimensions": dims}, "Period": 60, "Stat": name}}
                   for i, name in enumerate(names)]
        results = cw.get_metric_data(MetricDataQueries=queries, StartTime=_at(base),
                                     EndTime=_at(base + 60))["MetricDataResults"]
        for r in results:
            assert [int(t.timestamp()) for t in r["Timestamps"]] == [base] * len(r["Values"])
        return {names[int(r["Id"][1:])]: r["Values"] for r in results}

    expected_v1 = {"p0": 1.0, "p7": 7.0, "p50": 50.0, "p90": 90.0, "p99": 99.0, "p99.9": 100.0, "p100": 100.0,
                   "Sum": 5050.0, "SampleCount": 100.0, "Average": 50.5, "Minimum": 1.0, "Maximum": 100.0}
    assert stats("1", list(expected_v1)) == {name: [value] for name, value in expected_v1.items()}
    # v2: 7 x1, 10 x95, 500 x5 → 101 samples; rank = p% of 101, the smallest value whose running count
    # reaches it: p0.99 → 0.9999 → 7; p1 → 1.01 → 10; p95 → 95.95 → 10; p96 → 96.96 → 500
    expected_v2 = {"p0.99": 7.0, "p1": 10.0, "p50": 10.0, "p95": 10.0, "p96": 500.0, "p99": 500.0, "Sum": 3457.0,
                   "SampleCount": 101.0, "Minimum": 7.0, "Maximum": 500.0}
    assert stats("2", list(expected_v2)) == {name: [value] for name, value in expected_v2.items()}

    # statistic sets: usable for percentiles only when they stand for identical values
    cw.put_metric_data(Namespace="Twin/Sets", MetricData=[
        {"MetricName": "Same", "StatisticValues": {"SampleCount": 4, "Sum": 20, "Minimum": 5, "Maximum": 5},
         "Timestamp": at},
        {"MetricName": "Same", "Value": 9.0, "Timestamp": at},
        {"MetricName": "One", "StatisticValues": {"SampleCount": 1, "Sum": 3, "Minimum": 3, "Maximum": 3},
         "Timestamp": at},
        {"MetricName": "Spread", "StatisticValues": {"SampleCount": 4, "Sum": 100, "Minimum": 10, "Maximum": 40},
         "Timestamp": at},
        {"MetricName": "Negative", "Values": [-1.0, 2.0, 3.0], "Timestamp": at},
    ])

    def sets(metric, *names):
        return stats(None, list(names), metric=metric, namespace="Twin/Sets")

    assert sets("Same", "p50", "p90", "SampleCount") == {"p50": [5.0], "p90": [9.0], "SampleCount": [5.0]}
    assert sets("One", "p99") == {"p99": [3.0]}
    assert sets("Spread", "p50", "Sum", "Average") == {"p50": [], "Sum": [100.0], "Average": [25.0]}
    assert sets("Negative", "p50", "Minimum") == {"p50": [], "Minimum": [-1.0]}

    # a statistic the twin does not compute: refused plainly (not moto's 500)
    status, code, message = refused(lambda: _read(cw, "Duration", _lambda_dims("1"), "tm90", base, base + 60))
    assert (status, code) == (400, "InvalidParameterValue") and "'tm90'" in message
    assert refused(lambda: _read(cw, "Duration", _lambda_dims("1"), "p100.5", base, base + 60))[:2] == \
        (400, "InvalidParameterValue")


def test_percentiles_over_the_query_protocol(twin):
    """The same answers for a form-encoded (query protocol) PutMetricData / GetMetricData."""
    import xml.etree.ElementTree as ET
    from urllib.parse import urlencode
    base = _minute_ago()
    dims = _lambda_dims("3")

    def form(params):
        body = urlencode(params).encode()
        status, _, answer = raw_request(twin, "POST", "/", "monitoring", body,
                                        [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
        assert status == 200, answer
        return ET.fromstring(answer)

    put = {"Action": "PutMetricData", "Version": "2010-08-01", "Namespace": "AWS/Lambda",
           "MetricData.member.1.MetricName": "Duration", "MetricData.member.1.Timestamp": _at(base + 1).isoformat(),
           "MetricData.member.1.Unit": "Milliseconds"}
    for i, d in enumerate(dims, 1):
        put[f"MetricData.member.1.Dimensions.member.{i}.Name"] = d["Name"]
        put[f"MetricData.member.1.Dimensions.member.{i}.Value"] = d["Value"]
    for i, (value, count) in enumerate([(20.0, 98), (300.0, 2)], 1):
        put[f"MetricData.member.1.Values.member.{i}"] = str(value)
        put[f"MetricData.member.1.Counts.member.{i}"] = str(count)
    form(put)

    get = {"Action": "GetMetricData", "Version": "2010-08-01", "StartTime": _at(base).isoformat(),
           "EndTime": _at(base + 60).isoformat()}
    for n, stat in enumerate(["p50", "p98", "p99", "Sum", "SampleCount"], 1):
        prefix = f"MetricDataQueries.member.{n}"
        get.update({f"{prefix}.Id": f"q{n}", f"{prefix}.MetricStat.Period": "60", f"{prefix}.MetricStat.Stat": stat,
                    f"{prefix}.MetricStat.Metric.Namespace": "AWS/Lambda",
                    f"{prefix}.MetricStat.Metric.MetricName": "Duration"})
        for i, d in enumerate(dims, 1):
            get[f"{prefix}.MetricStat.Metric.Dimensions.member.{i}.Name"] = d["Name"]
            get[f"{prefix}.MetricStat.Metric.Dimensions.member.{i}.Value"] = d["Value"]
    root = form(get)
    answers = {}
    for member in root.iter():
        if member.tag.endswith("member") and member.find("{*}Id") is not None:
            answers[member.find("{*}Id").text] = [float(v.text) for v in member.find("{*}Values")]
    assert answers == {"q1": [20.0], "q2": [20.0], "q3": [300.0], "q4": [2560.0], "q5": [100.0]}


def test_metric_identity_periods_and_window(twin):
    """A metric is namespace + name + its exact dimension set; StartTime rounds down to the minute;
    EndTime is exclusive; empty periods give no data point; newest first unless ScanBy says otherwise."""
    cw = loose(twin, "cloudwatch")
    base = _minute_ago()

    def put(value, at, dims, namespace="AWS/Lambda"):
        cw.put_metric_data(Namespace=namespace, MetricData=[
            {"MetricName": "Errors", "Dimensions": dims, "Value": value, "Timestamp": _at(at)}])

    put(1.0, base + 5, _lambda_dims("1"))
    put(2.0, base + 65, list(reversed(_lambda_dims("1"))))  # same set, another order
    put(4.0, base + 65, _lambda_dims("2"))                    # the other version behind the alias
    put(8.0, base + 65, _lambda_dims("1")[:2])                # FunctionName + Resource only
    put(16.0, base + 65, _lambda_dims("1")[:1])               # FunctionName only
    put(100.0, base + 5, _lambda_dims("1"), namespace="Other")
    put(32.0, base + 185, _lambda_dims("1"))                  # two empty periods before it

    window = (base, base + 240)
    assert _read(cw, "Errors", _lambda_dims("1"), "Sum", *window) == ([32.0, 2.0, 1.0], [180, 60, 0])
    assert _read(cw, "Errors", _lambda_dims("1"), "Sum", *window, ScanBy="TimestampAscending") == \
        ([1.0, 2.0, 32.0], [0, 60, 180])
    assert _read(cw, "Errors", _lambda_dims("2"), "Sum", *window) == ([4.0], [60])
    assert _read(cw, "Errors", _lambda_dims("1")[:2], "Sum", *window) == ([8.0], [60])
    assert _read(cw, "Errors", _lambda_dims("1")[:1], "Sum", *window) == ([16.0], [60])
    assert _read(cw, "Errors", [], "Sum", *window) == ([], [])  # nothing was published without dimensions
    assert _read(cw, "Errors", _lambda_dims("1"), "Sum", *window, namespace="Other") == ([100.0], [0])
    # StartTime 12:xx:34 → 12:xx:00 (less than 15 days ago): same periods, same timestamps
    values, offsets = _read(cw, "Errors", _lambda_dims("1"), "Sum", base + 34, base + 240)
    assert (values, [o + 34 for o in offsets]) == ([32.0, 2.0, 1.0], [180, 60, 0])
    # EndTime is exclusive: a sample stamped exactly at EndTime is left out
    assert _read(cw, "Errors", _lambda_dims("1"), "Sum", base, base + 65) == ([1.0], [0])
    assert _read(cw, "Errors", _lambda_dims("1"), "Sum", base, base + 66) == ([2.0, 1.0], [60, 0])
    # a longer period sums across the minutes it covers
    assert _read(cw, "Errors", _lambda_dims("1"), "Sum", base, base + 300, period=120) == ([32.0, 3.0], [120, 0])
    # EndTime not after StartTime: moto's ValidationError (kept)
    assert refused(lambda: _read(cw, "Errors", _lambda_dims("1"), "Sum", base + 60, base))[:2] == \
        (400, "ValidationError")


# Rule 7b: CloudWatch alarm history (DescribeAlarmHistory) --------------------------------------

def _put_alarm(cw, name):
    cw.put_metric_alarm(AlarmName=name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold")


def _history(cw, **params):
    """Every page of DescribeAlarmHistory (NextToken followed)."""
    items, token = [], None
    while True:
        answer = cw.describe_alarm_history(**params, **({"NextToken": token} if token else {}))
        items += answer["AlarmHistoryItems"]
        token = answer.get("NextToken")
        if not token:
            return items


def test_alarm_history_records_every_state_change(twin):
    cw = loose(twin, "cloudwatch")
    _put_alarm(cw, "api-errors")
    created = cw.describe_alarms(AlarmNames=["api-errors"])["MetricAlarms"][0]
    assert (created["StateValue"], created["StateReason"]) == ("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation")
    [item] = cw.describe_alarm_history(AlarmName="api-errors")["AlarmHistoryItems"]
    assert (item["AlarmType"], item["HistoryItemType"], item["HistorySummary"]) == \
        ("MetricAlarm", "ConfigurationUpdate", 'Alarm "api-errors" created')
    data = json.loads(item["HistoryData"])
    assert (data["version"], data["type"], data["createdAlarm"]["alarmName"], data["createdAlarm"]["stateValue"]) == \
        ("1.0", "Create", "api-errors", "INSUFFICIENT_DATA")

    cw.set_alarm_state(AlarmName="api-errors", StateValue="OK", StateReason="seeded")
    cw.set_alarm_state(AlarmName="api-errors", StateValue="ALARM", StateReason="error spike",
                       StateReasonData='{"version":"1.0","recentDatapoints":[3.0]}')
    cw.set_alarm_state(AlarmName="api-errors", StateValue="ALARM", StateReason="still failing")  # no change: no item
    cw.set_alarm_state(AlarmName="api-errors", StateValue="OK", StateReason="recovered")
    updates = cw.describe_alarm_history(AlarmName="api-errors", HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    assert [i["HistorySummary"] for i in updates] == ["Alarm updated from ALARM to OK", "Alarm updated from OK to ALARM",
                                                       "Alarm updated from INSUFFICIENT_DATA to OK"]  # newest first
    assert updates[0]["Timestamp"] > updates[1]["Timestamp"] > updates[2]["Timestamp"]
    assert {i["AlarmName"] for i in updates} == {"api-errors"} and {i["AlarmType"] for i in updates} == {"MetricAlarm"}
    assert json.loads(updates[1]["HistoryData"]) == {
        "version": "1.0", "oldState": {"stateValue": "OK", "stateReason": "seeded"},
        "newState": {"stateValue": "ALARM", "stateReason": "error spike",
                     "stateReasonData": {"version": "1.0", "recentDatapoints": [3.0]}}}
    assert json.loads(updates[0]["HistoryData"])["oldState"]["stateReason"] == "still failing"
    alarm = cw.describe_alarms(AlarmNames=["api-errors"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "OK" and alarm["StateUpdatedTimestamp"] == updates[0]["Timestamp"]

    # PutMetricAlarm on an existing alarm keeps its state; DeleteAlarms keeps the history
    cw.set_alarm_state(AlarmName="api-errors", StateValue="ALARM", StateReason="again")
    _put_alarm(cw, "api-errors")
    assert cw.describe_alarms(AlarmNames=["api-errors"])["MetricAlarms"][0]["StateValue"] == "ALARM"
    cw.delete_alarms(AlarmNames=["api-errors"])
    config = cw.describe_alarm_history(AlarmName="api-errors", HistoryItemType="ConfigurationUpdate")
    assert [i["HistorySummary"] for i in config["AlarmHistoryItems"]] == [
        'Alarm "api-errors" deleted', 'Alarm "api-errors" updated', 'Alarm "api-errors" created']
    assert len(cw.describe_alarm_history(AlarmName="api-errors")["AlarmHistoryItems"]) == 7


def test_alarm_history_window_filters_and_pages(twin):
    cw = loose(twin, "cloudwatch")
    _put_alarm(cw, "api-errors")
    _put_alarm(cw, "db-errors")
    cw.set_alarm_state(AlarmName="api-errors", StateValue="OK", StateReason="seeded")
    cw.set_alarm_state(AlarmName="db-errors", StateValue="OK", StateReason="seeded")
    # botocore sends StartDate / EndDate as whole epoch seconds (JSON 1.0), as the Swift client does
    import datetime
    import time

    def next_second():
        time.sleep(1 - time.time() % 1 + 0.01)
        return datetime.datetime.fromtimestamp(int(time.time()), datetime.timezone.utc)

    run_1 = next_second()  # a deploy's first run looks at the alarms here
    cw.set_alarm_state(AlarmName="api-errors", StateValue="ALARM", StateReason="error spike")
    cw.set_alarm_state(AlarmName="api-errors", StateValue="OK", StateReason="recovered")
    run_2 = next_second()  # ... and its next run here: the alarm is OK again
    assert cw.describe_alarms(AlarmNames=["api-errors"])["MetricAlarms"][0]["StateValue"] == "OK"
    window = _history(cw, StartDate=run_1, EndDate=run_2)
    assert [(i["AlarmName"], i["HistorySummary"]) for i in window] == [
        ("api-errors", "Alarm updated from ALARM to OK"), ("api-errors", "Alarm updated from OK to ALARM")]
    assert [json.loads(i["HistoryData"])["newState"]["stateValue"] for i in window] == ["OK", "ALARM"]
    assert all(run_1 <= i["Timestamp"] <= run_2 for i in window)
    before = _history(cw, EndDate=run_1)  # the first run saw these
    assert len(before) == 4 and all(i["Timestamp"] < run_1 for i in before)
    assert _history(cw, StartDate=run_2) == []
    assert _history(cw, StartDate=run_2, EndDate=run_1) == []

    # no AlarmName: every alarm; AlarmName and HistoryItemType filter; only metric alarms unless asked
    everything = _history(cw)
    assert {i["AlarmName"] for i in everything} == {"api-errors", "db-errors"} and len(everything) == 6
    assert [i["AlarmName"] for i in _history(cw, AlarmName="db-errors")] == ["db-errors", "db-errors"]
    assert len(_history(cw, HistoryItemType="ConfigurationUpdate")) == 2
    assert _history(cw, AlarmTypes=["CompositeAlarm"]) == []
    assert len(_history(cw, AlarmTypes=["CompositeAlarm", "MetricAlarm"])) == 6

    # MaxRecords=1 pages through the same items, newest first; ScanBy ascending reverses them
    one_by_one, token = [], None
    while True:
        page = cw.describe_alarm_history(MaxRecords=1, **({"NextToken": token} if token else {}))
        assert len(page["AlarmHistoryItems"]) == 1
        one_by_one += page["AlarmHistoryItems"]
        token = page.get("NextToken")
        if not token:
            break
    assert one_by_one == everything
    assert [i["Timestamp"] for i in everything] == sorted((i["Timestamp"] for i in everything), reverse=True)
    ascending = _history(cw, ScanBy="TimestampAscending", MaxRecords=2)
    assert ascending == list(reversed(everything))
    assert ascending[0]["HistorySummary"] == 'Alarm "api-errors" created'

    # refusals: a token the twin did not issue, or one issued for other filters; MaxRecords 1-100
    token = cw.describe_alarm_history(MaxRecords=1)["NextToken"]
    assert refused(lambda: cw.describe_alarm_history(NextToken="not-a-token"))[:2] == (400, "InvalidNextToken")
    assert refused(lambda: cw.describe_alarm_history(MaxRecords=1, NextToken=token,
                                                     ScanBy="TimestampAscending"))[:2] == (400, "InvalidNextToken")
    assert cw.describe_alarm_history(MaxRecords=1, NextToken=token)["AlarmHistoryItems"] == everything[1:2]
    for bad in (0, 101):
        status, code, message = refused(lambda: cw.describe_alarm_history(MaxRecords=bad))
        assert (status, code) == (400, "ValidationError") and "at 'maxRecords'" in message

    # per region; reset clears it
    assert loose(twin, "cloudwatch", region="eu-west-1").describe_alarm_history()["AlarmHistoryItems"] == []
    ctl(twin, "/_twin/reset", {})
    assert cw.describe_alarm_history()["AlarmHistoryItems"] == []


def test_alarm_history_on_the_wire(twin):
    """JSON 1.0 as the Swift client sends it (epoch-second numbers), and the query protocol."""
    import xml.etree.ElementTree as ET
    from urllib.parse import urlencode
    cw = loose(twin, "cloudwatch")
    _put_alarm(cw, "api-errors")
    cw.set_alarm_state(AlarmName="api-errors", StateValue="ALARM", StateReason="error spike")
    now = int(__import__("time").time())
    body = json.dumps({"AlarmName": "api-errors", "HistoryItemType": "StateUpdate", "StartDate": now - 60,
                       "EndDate": now + 60, "MaxRecords": 10, "ScanBy": "TimestampAscending"}).encode()
    status, headers, answer = raw_request(twin, "POST", "/", "monitoring", body, [
        ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "GraniteServiceVersion20100801.DescribeAlarmHistory")])
    assert status == 200, answer
    [item] = json.loads(answer)["AlarmHistoryItems"]
    assert isinstance(item["Timestamp"], (int, float)) and now - 60 <= item["Timestamp"] <= now + 60
    assert item["HistorySummary"] == "Alarm updated from INSUFFICIENT_DATA to ALARM"

    form = urlencode({"Action": "DescribeAlarmHistory", "Version": "2010-08-01", "AlarmName": "api-errors",
                      "HistoryItemType": "StateUpdate"}).encode()
    status, _, answer = raw_request(twin, "POST", "/", "monitoring", form,
                                    [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
    assert status == 200, answer
    summaries = [e.text for e in ET.fromstring(answer).iter() if e.tag.endswith("HistorySummary")]
    assert summaries == ["Alarm updated from INSUFFICIENT_DATA to ALARM"]


# Rule 8: regions -------------------------------------------------------------------------------
#
# A Lambda function lives in one region: the same name in two regions is two functions (ARN
# arn:aws:lambda:REGION:…). The twin serves every region at one endpoint and takes the region from
# the SigV4 credential scope, as moto does for its per-region backends.

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


def seed_in(twin, region, name="api", alias="live", code="def handler(e, c):\n    return e\n"):
    return ctl(twin, "/_twin/seed-function", {"name": name, "region": region, "alias": alias,
                                               "zipBase64": base64.b64encode(make_zip(code)).decode()})


def test_same_function_name_in_two_regions_is_two_functions(twin):
    seeded = {region: seed_in(twin, region, code=f"# {region}\n") for region in REGIONS}
    lam = {region: loose(twin, "lambda", region=region) for region in REGIONS}
    for region in REGIONS:
        assert seeded[region]["FunctionArn"] == f"arn:aws:lambda:{region}:123456789012:function:api"
        assert lam[region].get_function(FunctionName="api")["Configuration"]["FunctionArn"] == \
            seeded[region]["FunctionArn"]
        assert [f["FunctionName"] for f in lam[region].list_functions()["Functions"]] == ["api"]
    assert len({seeded[r]["RevisionId"] for r in REGIONS}) == 3
    assert len({seeded[r]["CodeSha256"] for r in REGIONS}) == 3

    # an update in eu-west-1: its RevisionId and LastUpdateStatus only
    us, eu, ap = (lam[r] for r in REGIONS)
    updated = eu.update_function_code(FunctionName="api", ZipFile=make_zip("eu v2"),
                                      RevisionId=seeded["eu-west-1"]["RevisionId"])
    assert updated["LastUpdateStatus"] == "InProgress"
    assert us.get_function_configuration(FunctionName="api")["LastUpdateStatus"] == "Successful"
    assert us.get_function_configuration(FunctionName="api")["RevisionId"] == seeded["us-east-1"]["RevisionId"]
    # eu's update in progress blocks eu only; us's RevisionId is not eu's
    assert refused(lambda: eu.publish_version(FunctionName="api"))[:2] == (409, "ResourceConflictException")
    assert refused(lambda: us.update_function_code(FunctionName="api", ZipFile=make_zip("x"),
                                                   RevisionId=updated["RevisionId"]))[:2] == \
        (412, "PreconditionFailedException")
    status, code, message = refused(lambda: eu.publish_version(FunctionName="api"))
    assert message.endswith("resource: arn:aws:lambda:eu-west-1:123456789012:function:api")
    wait_successful(eu, "api")

    # versions: a publish in us-east-1 makes version 2 there only
    us.update_function_code(FunctionName="api", ZipFile=make_zip("us v2"))
    wait_successful(us, "api")
    assert us.publish_version(FunctionName="api")["Version"] == "2"
    assert [v["Version"] for v in us.list_versions_by_function(FunctionName="api")["Versions"]] == ["$LATEST", "1", "2"]
    assert [v["Version"] for v in eu.list_versions_by_function(FunctionName="api")["Versions"]] == ["$LATEST", "1"]
    assert refused(lambda: eu.get_function_configuration(FunctionName="api", Qualifier="2"))[:2] == \
        (404, "ResourceNotFoundException")

    # aliases: weights and RevisionId per region
    eu_alias = eu.get_alias(FunctionName="api", Name="live")
    us_alias = us.get_alias(FunctionName="api", Name="live")
    assert eu_alias["RevisionId"] != us_alias["RevisionId"]
    assert refused(lambda: us.update_alias(FunctionName="api", Name="live", RevisionId=eu_alias["RevisionId"],
                                           FunctionVersion="2"))[:2] == (412, "PreconditionFailedException")
    moved = us.update_alias(FunctionName="api", Name="live", RevisionId=us_alias["RevisionId"],
                            RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    assert moved["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.5}}
    again = eu.get_alias(FunctionName="api", Name="live")
    assert (again["RevisionId"], again["FunctionVersion"], "RoutingConfig" in again) == \
        (eu_alias["RevisionId"], "1", False)
    # eu-west-1 has no version 2 to route to
    assert refused(lambda: eu.update_alias(FunctionName="api", Name="live", RoutingConfig={
        "AdditionalVersionWeights": {"2": 0.5}}))[:2] == (404, "ResourceNotFoundException")

    # invoke: versions and alias weights of the region asked
    assert eu.invoke(FunctionName="api", Qualifier="live", Payload=b"{}")["ExecutedVersion"] == "1"
    assert refused(lambda: eu.invoke(FunctionName="api", Qualifier="2", Payload=b"{}"))[:2] == \
        (404, "ResourceNotFoundException")

    # a function ARN names its region: signed for another one, it is not found there
    status, code, message = refused(lambda: us.get_function(
        FunctionName="arn:aws:lambda:eu-west-1:123456789012:function:api"))
    assert (status, code, message) == (404, "ResourceNotFoundException",
                                       "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')")
    assert eu.get_function(FunctionName="arn:aws:lambda:eu-west-1:123456789012:function:api")[
        "Configuration"]["FunctionArn"] == seeded["eu-west-1"]["FunctionArn"]

    # deleting in one region leaves the others; a re-creation starts fresh there only
    ap.delete_function(FunctionName="api")
    assert refused(lambda: ap.get_function(FunctionName="api"))[:2] == (404, "ResourceNotFoundException")
    assert us.get_function(FunctionName="api")["Configuration"]["Version"] == "$LATEST"
    assert us.get_alias(FunctionName="api", Name="live")["RevisionId"] == moved["RevisionId"]
    recreated = seed_in(twin, "ap-southeast-2", alias=None)
    assert ap.list_aliases(FunctionName="api")["Aliases"] == []
    assert recreated["RevisionId"] != seeded["ap-southeast-2"]["RevisionId"]


def test_control_routes_take_a_region(twin):
    import urllib.error
    for region in REGIONS:
        seed_in(twin, region)
    lam = {region: loose(twin, "lambda", region=region) for region in REGIONS}
    us, eu, ap = (lam[r] for r in REGIONS)

    # function-state: one region's function
    answer = ctl(twin, "/_twin/function-state", {"function": "api", "region": "eu-west-1", "state": "Inactive"})
    assert (answer["function"], answer["region"], answer["state"]) == ("api", "eu-west-1", "Inactive")
    assert eu.get_function_configuration(FunctionName="api")["State"] == "Inactive"
    assert us.get_function_configuration(FunctionName="api")["State"] == "Active"
    assert refused(lambda: eu.invoke(FunctionName="api", Payload=b"{}"))[:2] == (502, "ResourceNotReadyException")
    assert us.invoke(FunctionName="api", Payload=b"{}")["StatusCode"] == 200
    ctl(twin, "/_twin/function-state", {"function": "api", "state": "Failed"})  # no region: us-east-1
    assert us.get_function_configuration(FunctionName="api")["State"] == "Failed"
    assert ap.get_function_configuration(FunctionName="api")["State"] == "Active"
    ctl(twin, "/_twin/function-state", {"function": "api", "state": "Active"})
    seed_in(twin, "us-east-1", name="only-us", alias=None)
    with pytest.raises(urllib.error.HTTPError) as exc:
        ctl(twin, "/_twin/function-state", {"function": "only-us", "region": "eu-west-1", "state": "Failed"})
    assert exc.value.code == 404
    for bad in ("mars", 7, ""):
        with pytest.raises(urllib.error.HTTPError) as exc:
            ctl(twin, "/_twin/seed-function", {"name": "x", "region": bad})
        assert exc.value.code == 400

    # invoke scripts and counts per region
    scripted = ctl(twin, "/_twin/invoke", {"function": "api", "region": "ap-southeast-2", "payload": {"from": "ap"}})
    assert (scripted["function"], scripted["region"], scripted["qualifier"]) == ("api", "ap-southeast-2", "*")
    assert ap.invoke(FunctionName="api", Qualifier="live", Payload=b'{"x":1}')["Payload"].read() == b'{"from": "ap"}'
    assert us.invoke(FunctionName="api", Qualifier="live", Payload=b'{"x":1}')["Payload"].read() == b'{"x":1}'
    assert ctl(twin, "/_twin/invocations") == {"api": {"$LATEST": 1, "1": 1}}
    assert ctl(twin, "/_twin/invocations?region=ap-southeast-2") == {"api": {"1": 1}}
    assert ctl(twin, "/_twin/invocations?region=eu-west-1") == {}  # its one Invoke was refused (Inactive)
    assert ctl(twin, "/_twin/invocations?region=*") == {"ap-southeast-2": {"api": {"1": 1}},
                                                         "us-east-1": {"api": {"$LATEST": 1, "1": 1}}}

    # knobs for one function in one region: updatePolls and a one-shot failNextUpdate
    ctl(twin, "/_twin/lambda", {"updatePolls": 1})
    scoped = ctl(twin, "/_twin/lambda", {"function": "api", "region": "ap-southeast-2", "updatePolls": 0,
                                         "failNextUpdate": "ap only", "failNextUpdateCode": "InvalidRuntime"})
    assert (scoped["function"], scoped["region"], scoped["updatePolls"], scoped["failNextUpdate"],
            scoped["failNextUpdateCode"], scoped["pendingPolls"]) == ("api", "ap-southeast-2", 0, "ap only",
                                                                       "InvalidRuntime", 0)
    overview = ctl(twin, "/_twin/lambda")
    assert (overview["updatePolls"], overview["failNextUpdate"]) == (1, None)
    assert overview["functions"] == [{"function": "api", "region": "ap-southeast-2", "updatePolls": 0,
                                      "failNextUpdate": "ap only", "failNextUpdateCode": "InvalidRuntime"}]
    assert us.update_function_code(FunctionName="api", ZipFile=make_zip("us"))["LastUpdateStatus"] == "InProgress"
    failed = ap.update_function_code(FunctionName="api", ZipFile=make_zip("ap"))
    assert (failed["LastUpdateStatus"], failed["LastUpdateStatusReason"], failed["LastUpdateStatusReasonCode"]) == \
        ("Failed", "ap only", "InvalidRuntime")
    assert ctl(twin, "/_twin/lambda")["functions"] == [{"function": "api", "region": "ap-southeast-2",
                                                         "updatePolls": 0}]  # the failure was one-shot
    assert ap.update_function_code(FunctionName="api", ZipFile=make_zip("ap"))["LastUpdateStatus"] == "Successful"
    with pytest.raises(urllib.error.HTTPError) as exc:
        ctl(twin, "/_twin/lambda", {"region": "eu-west-1", "updatePolls": 0})  # region without function
    assert exc.value.code == 400

    # a fault rule with a region fires only for requests signed for that region
    rules = ctl(twin, "/_twin/faults", {"rules": [{"service": "lambda", "operation": "UpdateAlias",
                                                   "kind": "throttle", "region": "eu-west-1", "count": 1}]})
    assert rules["rules"][0]["region"] == "eu-west-1"
    assert us.update_alias(FunctionName="api", Name="live", Description="us")["Description"] == "us"
    assert refused(lambda: eu.update_alias(FunctionName="api", Name="live", Description="eu"))[:2] == \
        (429, "TooManyRequestsException")
    assert eu.update_alias(FunctionName="api", Name="live", Description="eu")["Description"] == "eu"
    faulted = [(e["region"], e["fault"]) for e in ctl(twin, "/_twin/requests") if e["operation"] == "UpdateAlias"]
    assert faulted == [("us-east-1", None), ("eu-west-1", "throttle"), ("eu-west-1", None)]
    ctl(twin, "/_twin/reset", {})
    assert ctl(twin, "/_twin/lambda")["functions"] == []


def _code_bucket(twin, bucket, region, body):
    s3 = loose(twin, "s3", region=region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return s3.put_object(Bucket=bucket, Key="api.zip", Body=body)["VersionId"]


def test_code_from_a_bucket_in_another_region_is_refused(twin):
    """Lambda API reference, UpdateFunctionCode / FunctionCode S3Bucket: "An Amazon S3 bucket in the same
    AWS Region as your function". Refused with 400 InvalidParameterValueException; nothing changes."""
    eu_zip, us_zip = make_zip("from eu"), make_zip("from us")
    eu_version = _code_bucket(twin, "twin-code-eu", "eu-west-1", eu_zip)
    _code_bucket(twin, "twin-code-us", "us-east-1", us_zip)
    before = {r: seed_in(twin, r, alias=None) for r in ("us-east-1", "eu-west-1")}
    us, eu = loose(twin, "lambda"), loose(twin, "lambda", region="eu-west-1")

    elsewhere = ("Error occurred while GetObject. S3 Error Code: PermanentRedirect. S3 Error Message: "
                 "The bucket is in this region: {}. Please use this region to retry the request")
    for extra in ({}, {"S3ObjectVersion": eu_version}, {"DryRun": True}, {"Publish": True}):
        assert refused(lambda: us.update_function_code(FunctionName="api", S3Bucket="twin-code-eu", S3Key="api.zip",
                                                       **extra)) == \
            (400, "InvalidParameterValueException", elsewhere.format("eu-west-1"))
    # a us-east-1 bucket is another region for a function in eu-west-1
    assert refused(lambda: eu.update_function_code(FunctionName="api", S3Bucket="twin-code-us", S3Key="api.zip")) == \
        (400, "InvalidParameterValueException", elsewhere.format("us-east-1"))
    for region, client in (("us-east-1", us), ("eu-west-1", eu)):
        now = client.get_function_configuration(FunctionName="api")
        assert (now["CodeSha256"], now["RevisionId"], now["LastUpdateStatus"]) == \
            (before[region]["CodeSha256"], before[region]["RevisionId"], "Successful")
        assert [v["Version"] for v in client.list_versions_by_function(FunctionName="api")["Versions"]] == ["$LATEST"]

    # from the function's own region: works (with and without S3ObjectVersion)
    assert us.update_function_code(FunctionName="api", S3Bucket="twin-code-us", S3Key="api.zip")["CodeSha256"] == \
        b64sha256(us_zip)
    updated = eu.update_function_code(FunctionName="api", S3Bucket="twin-code-eu", S3Key="api.zip",
                                      S3ObjectVersion=eu_version)
    assert updated["CodeSha256"] == b64sha256(eu_zip) and updated["RevisionId"] != before["eu-west-1"]["RevisionId"]
    assert wait_successful(eu, "api")["CodeSha256"] == b64sha256(eu_zip)

    # CreateFunction likewise: nothing is created
    ap = loose(twin, "lambda", region="ap-southeast-2")
    assert refused(lambda: ap.create_function(FunctionName="fresh", Runtime="python3.12", Role=ROLE,
                                              Handler="app.handler",
                                              Code={"S3Bucket": "twin-code-eu", "S3Key": "api.zip"})) == \
        (400, "InvalidParameterValueException", elsewhere.format("eu-west-1"))
    assert refused(lambda: ap.get_function(FunctionName="fresh"))[:2] == (404, "ResourceNotFoundException")
    made = eu.create_function(FunctionName="fresh", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                              Code={"S3Bucket": "twin-code-eu", "S3Key": "api.zip"})
    assert made["CodeSha256"] == b64sha256(eu_zip)
    # a bucket or key that does not exist (moto 5.2.1 answered UpdateFunctionCode with 500)
    wait_successful(us, "api")
    for bucket, key, fragment in (("no-such-bucket", "api.zip", "S3 Error Code: NoSuchBucket."),
                                  ("twin-code-us", "missing.zip", "S3 Error Code: NoSuchKey.")):
        status, code, message = refused(lambda: us.update_function_code(FunctionName="api", S3Bucket=bucket,
                                                                        S3Key=key))
        assert (status, code) == (400, "InvalidParameterValueException") and fragment in message
        assert refused(lambda: us.create_function(FunctionName="other", Runtime="python3.12", Role=ROLE,
                                                  Handler="app.handler", Code={"S3Bucket": bucket, "S3Key": key}))[:2] \
            == (400, "InvalidParameterValueException")
    assert us.get_function_configuration(FunctionName="api")["CodeSha256"] == b64sha256(us_zip)


def test_cloudwatch_sts_and_the_request_log_per_region(twin):
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)
    cw = {region: loose(twin, "cloudwatch", region=region) for region in REGIONS}
    ctl(twin, "/_twin/requests/clear", {})
    cw["eu-west-1"].put_metric_data(Namespace="Twin/Regions", MetricData=[{"MetricName": "M", "Value": 7.0}])
    cw["eu-west-1"].put_metric_alarm(AlarmName="api-errors", Namespace="AWS/Lambda", MetricName="Errors",
                                     Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                     ComparisonOperator="GreaterThanOrEqualToThreshold")

    def total(region, namespace="Twin/Regions", metric="M", dims=()):
        return cw[region].get_metric_data(MetricDataQueries=[{"Id": "q", "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": list(dims)},
            "Period": 300, "Stat": "Sum"}}], StartTime=now - datetime.timedelta(minutes=10),
            EndTime=now + datetime.timedelta(minutes=5))["MetricDataResults"][0]["Values"]

    assert total("eu-west-1") == [7.0] and total("us-east-1") == [] and total("ap-southeast-2") == []
    assert [m["MetricName"] for m in cw["eu-west-1"].list_metrics(Namespace="Twin/Regions")["Metrics"]] == ["M"]
    assert cw["us-east-1"].list_metrics(Namespace="Twin/Regions")["Metrics"] == []
    assert [a["AlarmName"] for a in cw["eu-west-1"].describe_alarms()["MetricAlarms"]] == ["api-errors"]
    assert cw["us-east-1"].describe_alarms()["MetricAlarms"] == []
    assert refused(lambda: cw["us-east-1"].set_alarm_state(AlarmName="api-errors", StateValue="ALARM",
                                                           StateReason="x"))[:2] == (404, "ResourceNotFound")

    # /_twin/lambda-metrics publishes in the region it is given
    published = ctl(twin, "/_twin/lambda-metrics", {"function": "api", "version": "1", "invocations": 4,
                                                    "region": "ap-southeast-2"})
    assert published["region"] == "ap-southeast-2"
    fn = [{"Name": "FunctionName", "Value": "api"}]
    assert total("ap-southeast-2", "AWS/Lambda", "Invocations", fn) == [4.0]
    assert total("us-east-1", "AWS/Lambda", "Invocations", fn) == []

    # STS answers from any region with the same identity
    identities = {r: loose(twin, "sts", region=r).get_caller_identity() for r in REGIONS}
    assert {(i["Account"], i["Arn"]) for i in identities.values()} == \
        {("123456789012", identities["us-east-1"]["Arn"])}

    # the request log names each request's region (its credential scope)
    seen = [(e["service"], e["operation"], e["region"]) for e in ctl(twin, "/_twin/requests")]
    assert seen[:2] == [("monitoring", "PutMetricData", "eu-west-1"), ("monitoring", "PutMetricAlarm", "eu-west-1")]
    assert seen[-3:] == [("sts", "GetCallerIdentity", r) for r in REGIONS]
    assert {e["region"] for e in ctl(twin, "/_twin/requests")} == set(REGIONS)


# Tenant isolation: a tenant-isolated function needs a tenant id, others refuse one -------------

TENANT_MISMATCH = (400, "InvalidParameterValueException",
                   "Tenant ID configuration not specified or passed to a function when tenant isolation is not enabled.")


def tenant_invocations(twin, function, region=None):
    query = f"?function={function}" + (f"&region={region}" if region else "")
    return ctl(twin, "/_twin/tenant-invocations" + query)


def test_tenant_isolated_functions_need_a_tenant_id(twin):
    seed(twin)  # version 1 behind "live", published before the function was made tenant-isolated
    lam = loose(twin, "lambda")
    assert "TenancyConfig" not in lam.get_function_configuration(FunctionName="fn")
    # not tenant-isolated: a tenant id is refused (documented), none is fine
    assert refused(lambda: lam.invoke(FunctionName="fn", TenantId="blue", Payload=b"{}")) == TENANT_MISMATCH
    assert lam.invoke(FunctionName="fn", Payload=b"{}")["StatusCode"] == 200

    kind = ctl(twin, "/_twin/function-kind", {"function": "fn", "tenancy": "PER_TENANT"})
    assert (kind["Version"], kind["TenancyConfig"]) == ("$LATEST", {"TenantIsolationMode": "PER_TENANT"})
    assert lam.get_function_configuration(FunctionName="fn")["TenancyConfig"] == {"TenantIsolationMode": "PER_TENANT"}
    assert lam.get_function(FunctionName="fn")["Configuration"]["TenancyConfig"] == {"TenantIsolationMode": "PER_TENANT"}
    assert "TenancyConfig" not in lam.get_function_configuration(FunctionName="fn", Qualifier="1")  # kept its own
    published = publish_new_version(lam, twin, "v2")
    assert (published["Version"], published["TenancyConfig"]) == ("2", {"TenantIsolationMode": "PER_TENANT"})
    assert lam.get_function_configuration(FunctionName="fn", Qualifier="2")["TenancyConfig"] == \
        {"TenantIsolationMode": "PER_TENANT"}
    lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="2")

    # without a tenant id: refused for $LATEST, a version and an alias, every invocation type; nothing recorded
    for extra in ({}, {"Qualifier": "2"}, {"Qualifier": "live"}, {"InvocationType": "Event"},
                  {"InvocationType": "DryRun"}):
        assert refused(lambda: lam.invoke(FunctionName="fn", Payload=b"{}", **extra)) == TENANT_MISMATCH
    assert refused(lambda: lam.invoke(FunctionName="fn:live", Payload=b"{}")) == TENANT_MISMATCH
    assert ctl(twin, "/_twin/invocations") == {"fn": {"$LATEST": 1}}
    assert tenant_invocations(twin, "fn") == []

    # with one: answered as before, and recorded
    out = lam.invoke(FunctionName="fn", TenantId="blue", Payload=b'{"a": 1}')
    assert (out["StatusCode"], out["ExecutedVersion"], json.loads(out["Payload"].read())) == (200, "$LATEST", {"a": 1})
    assert lam.invoke(FunctionName="fn", Qualifier="live", TenantId="green", Payload=b"{}")["ExecutedVersion"] == "2"
    assert lam.invoke(FunctionName="fn", Qualifier="2", TenantId="tenant:a/b=c@d", InvocationType="Event",
                      Payload=b"{}")["StatusCode"] == 202
    assert tenant_invocations(twin, "fn") == [
        {"qualifier": "$LATEST", "executedVersion": "$LATEST", "tenantId": "blue"},
        {"qualifier": "live", "executedVersion": "2", "tenantId": "green"},
        {"qualifier": "2", "executedVersion": "2", "tenantId": "tenant:a/b=c@d"}]
    # version 1 was published without tenant isolation: it keeps refusing a tenant id
    assert refused(lambda: lam.invoke(FunctionName="fn", Qualifier="1", TenantId="blue", Payload=b"{}")) == \
        TENANT_MISMATCH
    assert lam.invoke(FunctionName="fn", Qualifier="1", Payload=b"{}")["ExecutedVersion"] == "1"
    # the model's TenantId shape (X-Amz-Tenant-Id, 1-256 of [a-zA-Z0-9._:/=+-@ ])
    assert refused(lambda: lam.invoke(FunctionName="fn", TenantId="bad#tenant", Payload=b"{}"))[:2] == \
        (400, "ValidationException")

    # CreateFunction's own TenancyConfig is kept too (moto ignores it)
    made = lam.create_function(FunctionName="iso", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                               Code={"ZipFile": make_zip("def handler(e, c):\n    return e\n")},
                               TenancyConfig={"TenantIsolationMode": "PER_TENANT"}, Publish=True)
    assert made["TenancyConfig"] == {"TenantIsolationMode": "PER_TENANT"}
    assert lam.get_function_configuration(FunctionName="iso", Qualifier="1")["TenancyConfig"] == \
        {"TenantIsolationMode": "PER_TENANT"}
    assert refused(lambda: lam.invoke(FunctionName="iso", Qualifier="1", Payload=b"{}")) == TENANT_MISMATCH
    assert lam.invoke(FunctionName="iso", Qualifier="1", TenantId="blue", Payload=b"{}")["StatusCode"] == 200
    assert tenant_invocations(twin, "iso") == [{"qualifier": "1", "executedVersion": "1", "tenantId": "blue"}]

    # tenancy null turns it off for $LATEST (and what is published next)
    assert "TenancyConfig" not in ctl(twin, "/_twin/function-kind", {"function": "fn", "tenancy": None})
    assert lam.invoke(FunctionName="fn", Payload=b"{}")["StatusCode"] == 200


def test_function_kind_and_tenant_invocations_control_routes(twin):
    seed(twin)
    seed_in(twin, "eu-west-1")
    eu = ctl(twin, "/_twin/function-kind", {"function": "api", "region": "eu-west-1", "tenancy": "PER_TENANT",
                                             "durable": {"ExecutionTimeout": 600}})
    assert eu["FunctionArn"].startswith("arn:aws:lambda:eu-west-1:")
    assert (eu["TenancyConfig"], eu["DurableConfig"]) == ({"TenantIsolationMode": "PER_TENANT"}, {"ExecutionTimeout": 600})
    lam_eu = loose(twin, "lambda", region="eu-west-1")
    lam_eu.invoke(FunctionName="api", TenantId="blue", Payload=b"{}")
    assert tenant_invocations(twin, "api", "eu-west-1") == [
        {"qualifier": "$LATEST", "executedVersion": "$LATEST", "tenantId": "blue"}]
    assert tenant_invocations(twin, "api") == []  # us-east-1 has no such invocations
    for bad in ({"function": "fn"}, {"function": "fn", "tenancy": "SHARED"}, {"function": "fn", "durable": "yes"},
                {"function": "fn", "durable": {"ExecutionTimeout": 0}},
                {"function": "fn", "durable": {"RetentionPeriodInDays": 91}},
                {"function": "fn", "durable": {"KMSKeyArn": "x"}}, {"function": "fn", "tenancy": None, "memory": 1},
                {"tenancy": "PER_TENANT"}, {"function": "fn", "region": "moon", "tenancy": "PER_TENANT"}):
        assert control_refusal(twin, "/_twin/function-kind", bad)[0] == 400
    assert control_refusal(twin, "/_twin/function-kind", {"function": "ghost", "durable": True})[0] == 404
    status, message = control_refusal(twin, "/_twin/tenant-invocations", None)
    assert status == 400 and "function" in message
    # seed-function takes both, as CreateFunction would, so its alias's version 1 has them
    config = ctl(twin, "/_twin/seed-function", {"name": "kinds", "alias": "live", "tenancy": "PER_TENANT",
                                                "durable": True})
    assert (config["TenancyConfig"], config["DurableConfig"]) == \
        ({"TenantIsolationMode": "PER_TENANT"}, {"ExecutionTimeout": 3600, "RetentionPeriodInDays": 14})
    lam = loose(twin, "lambda")
    one = lam.get_function_configuration(FunctionName="kinds", Qualifier="1")
    assert (one["TenancyConfig"], one["DurableConfig"]) == (config["TenancyConfig"], config["DurableConfig"])
    assert control_refusal(twin, "/_twin/seed-function", {"name": "bad", "tenancy": "ALL"})[0] == 400


# Durable executions: listed per version; DeleteFunction of a version that has some ---------------

def test_durable_executions_are_listed_per_version(twin):
    seed(twin)
    lam = loose(twin, "lambda")
    assert "DurableConfig" not in lam.get_function_configuration(FunctionName="fn")
    kind = ctl(twin, "/_twin/function-kind", {"function": "fn", "durable": True})
    assert kind["DurableConfig"] == {"ExecutionTimeout": 3600, "RetentionPeriodInDays": 14}
    assert lam.get_function(FunctionName="fn")["Configuration"]["DurableConfig"] == kind["DurableConfig"]
    assert "DurableConfig" not in lam.get_function_configuration(FunctionName="fn", Qualifier="1")
    assert publish_new_version(lam, twin, "v2")["DurableConfig"] == kind["DurableConfig"]
    assert publish_new_version(lam, twin, "v3")["Version"] == "3"
    assert lam.get_function_configuration(FunctionName="fn", Qualifier="3")["DurableConfig"] == kind["DurableConfig"]

    recorded = ctl(twin, "/_twin/durable-executions", {"function": "fn", "version": "3", "running": 3})
    assert (recorded["version"], recorded["running"], len(recorded["executions"])) == ("3", 3, 3)
    ctl(twin, "/_twin/durable-executions", {"function": "fn", "version": 2, "running": 1})
    ctl(twin, "/_twin/durable-executions", {"function": "fn", "version": "3", "running": 1, "status": "SUCCEEDED"})
    arn = "arn:aws:lambda:us-east-1:123456789012:function:fn"

    listed = lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="3")
    executions = listed["DurableExecutions"]
    assert "NextMarker" not in listed
    assert [e["Status"] for e in executions] == ["RUNNING"] * 3 + ["SUCCEEDED"]
    assert {e["FunctionArn"] for e in executions} == {f"{arn}:3"}
    assert [e["DurableExecutionArn"] for e in executions[:3]] == [e["DurableExecutionArn"] for e in recorded["executions"]]
    for e in executions:
        assert e["DurableExecutionArn"] == f"{arn}:3/durable-execution/{e['DurableExecutionName']}/" + \
            e["DurableExecutionArn"].rsplit("/", 1)[1]
    starts = [e["StartTimestamp"] for e in executions]
    assert starts == sorted(starts)  # oldest first by default
    assert "EndTimestamp" not in executions[0] and "EndTimestamp" in executions[3]

    # filters: status, name, start time, order; qualifier default $LATEST, an alias lists its version
    running = lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="3", Statuses=["RUNNING"])
    assert [e["DurableExecutionArn"] for e in running["DurableExecutions"]] == \
        [e["DurableExecutionArn"] for e in executions[:3]]
    by_name = lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="3",
                                                      DurableExecutionName=executions[1]["DurableExecutionName"])
    assert [e["DurableExecutionArn"] for e in by_name["DurableExecutions"]] == [executions[1]["DurableExecutionArn"]]
    later = lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="3",
                                                    StartedAfter=executions[1]["StartTimestamp"])
    assert [e["DurableExecutionArn"] for e in later["DurableExecutions"]] == \
        [e["DurableExecutionArn"] for e in executions[2:]]
    newest = lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="3", ReverseOrder=True)
    assert newest["DurableExecutions"] == list(reversed(executions))
    assert [e["FunctionArn"] for e in lam.list_durable_executions_by_function(
        FunctionName="fn", Qualifier="2")["DurableExecutions"]] == [f"{arn}:2"]
    assert lam.list_durable_executions_by_function(FunctionName="fn")["DurableExecutions"] == []
    lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="3")
    assert lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="live")["DurableExecutions"] == executions

    # pagination per the model: MaxItems / Marker → NextMarker; the paginator walks every page
    page = lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="3", MaxItems=3)
    assert len(page["DurableExecutions"]) == 3 and page["NextMarker"]
    rest = lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="3", MaxItems=3,
                                                   Marker=page["NextMarker"])
    assert rest["DurableExecutions"] == executions[3:] and "NextMarker" not in rest
    pages = lam.get_paginator("list_durable_executions_by_function").paginate(
        FunctionName="fn", Qualifier="3", PaginationConfig={"PageSize": 1})
    assert [e for p in pages for e in p["DurableExecutions"]] == executions
    assert refused(lambda: lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="3",
                                                                   Marker="nonsense"))[:2] == \
        (400, "InvalidParameterValueException")

    # missing function, version or alias: 404; the model's shapes: 400
    assert refused(lambda: lam.list_durable_executions_by_function(FunctionName="ghost"))[:2] == \
        (404, "ResourceNotFoundException")
    assert refused(lambda: lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="9"))[:2] == \
        (404, "ResourceNotFoundException")
    assert refused(lambda: lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="nope"))[:2] == \
        (404, "ResourceNotFoundException")
    assert refused(lambda: lam.list_durable_executions_by_function(FunctionName="fn", Statuses=["SLEEPING"]))[:2] == \
        (400, "ValidationException")
    assert refused(lambda: lam.list_durable_executions_by_function(FunctionName="fn", MaxItems=1001))[:2] == \
        (400, "ValidationException")

    # the control route's refusals: a version that is not durable (1, published before), missing ones, bad fields
    status, message = control_refusal(twin, "/_twin/durable-executions", {"function": "fn", "version": "1", "running": 1})
    assert status == 400 and "not durable" in message
    assert control_refusal(twin, "/_twin/durable-executions", {"function": "fn", "version": "9", "running": 1})[0] == 404
    assert control_refusal(twin, "/_twin/durable-executions", {"function": "ghost", "version": "1", "running": 1})[0] == 404
    for bad in ({"function": "fn", "version": "3"}, {"function": "fn", "version": "3", "running": -1},
                {"function": "fn", "version": "live", "running": 1}, {"function": "fn", "running": 1},
                {"function": "fn", "version": "3", "running": 1, "status": "SLEEPING"},
                {"function": "fn", "version": "3", "running": 1, "name": "x"}):
        assert control_refusal(twin, "/_twin/durable-executions", bad)[0] == 400


def test_delete_function_version_with_running_durable_executions(twin):
    """AWS documents no refusal (API DeleteFunction; DG "Managing durable executions"): the twin deletes the
    version; its executions are gone with it, the other versions' stay."""
    seed(twin)
    lam = loose(twin, "lambda")
    ctl(twin, "/_twin/function-kind", {"function": "fn", "durable": True})
    publish_new_version(lam, twin, "v2")
    publish_new_version(lam, twin, "v3")
    ctl(twin, "/_twin/durable-executions", {"function": "fn", "version": "2", "running": 2})
    ctl(twin, "/_twin/durable-executions", {"function": "fn", "version": "3", "running": 1})
    assert len(lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="2",
                                                       Statuses=["RUNNING"])["DurableExecutions"]) == 2
    assert lam.delete_function(FunctionName="fn", Qualifier="2")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert refused(lambda: lam.get_function_configuration(FunctionName="fn", Qualifier="2"))[:2] == \
        (404, "ResourceNotFoundException")
    assert refused(lambda: lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="2"))[:2] == \
        (404, "ResourceNotFoundException")
    assert len(lam.list_durable_executions_by_function(FunctionName="fn", Qualifier="3")["DurableExecutions"]) == 1


def test_a_version_number_is_never_given_twice(twin, fresh):
    """Lambda increments the version number for each PublishVersion and never gives a deleted
    version's number again; a function deleted whole starts again at 1.
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html"""
    seed(twin)  # version 1, aliased
    lam = loose(twin, "lambda")
    numbers = [publish_new_version(lam, twin, f"v{n}")["Version"] for n in (2, 3, 4)]
    assert numbers == ["2", "3", "4"]
    lam.delete_function(FunctionName="fn", Qualifier="2")
    assert publish_new_version(lam, twin, "v5")["Version"] == "5"  # moto 5.2.1 gave a second 4
    lam.delete_function(FunctionName="fn", Qualifier="5")
    assert publish_new_version(lam, twin, "v6")["Version"] == "6"
    listed = [v["Version"] for v in lam.list_versions_by_function(FunctionName="fn")["Versions"]]
    assert listed == ["$LATEST", "1", "3", "4", "6"]


def test_a_session_policy_limits_the_keys_issued_under_it(twin):
    """IAM User Guide, Session policies: a session's permissions are the intersection of the
    role's and the session policy's; what no session policy statement allows is AccessDenied
    "because no session policy allows the ACTION action" (Troubleshoot access denied).
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session"""
    seed(twin)
    lam = client(twin, "lambda")
    lam.update_function_code(FunctionName="fn", ZipFile=make_zip("def handler(e, c):\n    return 2\n"))
    wait_successful(lam)
    version = lam.publish_version(FunctionName="fn")
    qualified = version["FunctionArn"] if version["FunctionArn"].endswith(":" + version["Version"]) \
        else version["FunctionArn"] + ":" + version["Version"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": qualified}]})
    creds = client(twin, "sts").assume_role(RoleArn="arn:aws:iam::123456789012:role/deployer",
                                            RoleSessionName="hook", Policy=policy)["Credentials"]
    narrow = client(twin, "lambda", akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                    token=creds["SessionToken"])
    assert narrow.invoke(FunctionName="fn", Qualifier=version["Version"])["StatusCode"] == 200
    status, code, message = refused(lambda: narrow.invoke(FunctionName="fn", Qualifier="1"))
    assert (status, code) == (403, "AccessDeniedException")
    assert message == ("User: arn:aws:sts::123456789012:assumed-role/deployer/hook is not authorized to perform: "
                       "lambda:InvokeFunction on resource: " + qualified.rsplit(":", 1)[0] + ":1 because no "
                       "session policy allows the lambda:InvokeFunction action")
    status, code, message = refused(lambda: narrow.update_alias(FunctionName="fn", Name="live", FunctionVersion="2"))
    assert (status, code) == (403, "AccessDeniedException")
    # The alias actions are authorized on the function, not the alias.
    assert "lambda:UpdateAlias on resource: " + qualified.rsplit(":", 1)[0] + " because" in message
    assert refused(lambda: narrow.get_function_configuration(FunctionName="fn"))[:2] == (403, "AccessDeniedException")
    s3 = client(twin, "s3", akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
    assert refused(lambda: s3.list_buckets())[:2] == (403, "AccessDenied")
    # An explicit Deny wins over an Allow; keys issued without a policy are not limited.
    deny = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "lambda:UpdateAlias", "Resource": "*"}]})
    denied = client(twin, "sts").assume_role(RoleArn="arn:aws:iam::123456789012:role/deployer",
                                             RoleSessionName="hook2", Policy=deny)["Credentials"]
    wide = client(twin, "lambda", akid=denied["AccessKeyId"], secret=denied["SecretAccessKey"],
                  token=denied["SessionToken"])
    assert wide.get_function_configuration(FunctionName="fn")["FunctionName"] == "fn"
    status, code, message = refused(lambda: wide.update_alias(FunctionName="fn", Name="live", FunctionVersion="2"))
    assert (status, code) == (403, "AccessDeniedException") and "explicit deny in a session policy" in message
    plain = client(twin, "sts").assume_role(RoleArn="arn:aws:iam::123456789012:role/deployer",
                                            RoleSessionName="all")["Credentials"]
    client(twin, "lambda", akid=plain["AccessKeyId"], secret=plain["SecretAccessKey"],
           token=plain["SessionToken"]).update_alias(FunctionName="fn", Name="live", FunctionVersion="2")
    # S3 requests are held to the bucket's and object's ARNs; GetCallerIdentity needs no permission.
    bucket = client(twin, "s3")
    bucket.create_bucket(Bucket="policy-bucket")
    prefix = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "arn:aws:s3:::policy-bucket/app/*"}]})
    scoped = client(twin, "sts").assume_role(RoleArn="arn:aws:iam::123456789012:role/deployer",
                                             RoleSessionName="s3", Policy=prefix)["Credentials"]
    s3_scoped = client(twin, "s3", akid=scoped["AccessKeyId"], secret=scoped["SecretAccessKey"],
                       token=scoped["SessionToken"])
    s3_scoped.put_object(Bucket="policy-bucket", Key="app/package.zip", Body=b"zip")
    assert s3_scoped.get_object(Bucket="policy-bucket", Key="app/package.zip")["Body"].read() == b"zip"
    assert refused(lambda: s3_scoped.put_object(Bucket="policy-bucket", Key="other/x", Body=b"x"))[:2] == \
        (403, "AccessDenied")
    assert client(twin, "sts", akid=scoped["AccessKeyId"], secret=scoped["SecretAccessKey"],
                  token=scoped["SessionToken"]).get_caller_identity()["Arn"].endswith("assumed-role/deployer/s3")
