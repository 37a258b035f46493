"""AWS Lambda Web Functions (`lambda-web`, API 2025-03-07) as the twin answers them (lambda_web.py, README "Rules",
"Lambda Web Functions"), each rule proved with boto3 (botocore 1.44.18's lambda-web model) against a running twin,
every call SigV4-checked (signed for `lambda`)."""

from __future__ import annotations

import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_aws_rules import control_refusal, loose, refused  # noqa: E402
from test_twin import b64sha256, client, ctl, fresh, make_zip, twin  # noqa: E402,F401

BUCKET = "web-code"
ROLE = "arn:aws:iam::123456789012:role/web-role"
FN_ARN = "arn:aws:lambda:us-east-1:123456789012:web-function/shop"


def code_bucket(twin, versioning=True):
    s3 = client(twin, "s3")
    s3.create_bucket(Bucket=BUCKET)
    if versioning:
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return s3


def put_code(s3, key, text):
    data = make_zip(text)
    return data, s3.put_object(Bucket=BUCKET, Key=key, Body=data).get("VersionId")


def revision_config(key, version=None, **service):
    s3_object = {"bucket": BUCKET, "key": key}
    if version:
        s3_object["versionId"] = version
    return {"buildConfig": {"codeConfig": {"s3Object": s3_object}, "runtimeConfig": {"runtime": "nodejs22.x"}},
            "serviceConfig": {"executionRoleArn": ROLE, **service}}


def new_revision(web, key, version=None, name="shop", **extra):
    return web.create_web_function_revision(functionName=name, **revision_config(key, version), **extra)


def read_until_settled(web, revision_id, name="shop", limit=10):
    states = []
    for _ in range(limit):
        states.append(web.get_web_function_revision(functionName=name, revisionId=revision_id)["state"])
        if states[-1] != "Pending":
            return states
    return states


def endpoint(web, name="live", function="shop"):
    out = web.get_web_function_endpoint(functionName=function, endpointName=name)
    out.pop("ResponseMetadata")
    return out


def seed(twin, revisions=2, mode="Disabled", weights=None, **endpoint_extra):
    body = {"name": "shop", "revisions": revisions,
            "endpoint": {"name": "live", "autoDeploymentMode": mode, **endpoint_extra}}
    if weights is not None:
        body["endpoint"]["weights"] = weights
    return ctl(twin, "/_twin/web-function", body)


# Functions, revisions, the build --------------------------------------------------------------------------------

def test_create_web_function_builds_its_revision_and_endpoint_asynchronously(twin):
    """[model] CreateWebFunction (PUT /2025-03-07/web-functions, 202) "Creates a web function with an initial revision
    and endpoint"; FunctionState / RevisionState / EndpointState Pending → Active (the WebFunctionActive waiter polls
    GetWebFunction); ARN arn:aws:lambda:REGION:ACCOUNT:web-function/NAME ([model] ResourceArn pattern); defaults
    "returned in the response" (autoDeploymentMode Disabled, timeoutSeconds 30, maxConcurrencyPerEnvironment 64,
    logging /aws/lambda/web/NAME at INFO)."""
    s3 = code_bucket(twin)
    data, version = put_code(s3, "v1.zip", "export const handler = () => 'v1'")
    web = client(twin, "lambda-web")
    made = web.create_web_function(
        functionName="shop", revisionConfig=revision_config("v1.zip", version, timeoutSeconds=10),
        endpointConfig={"endpointName": "live", "endpointType": "HomeRegion", "authType": "ApplicationManaged",
                        "description": "production"},
        tags={"team": "web"})
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (made["functionArn"], made["state"], made["revision"]["state"], made["endpoint"]["state"]) == \
        (FN_ARN, "Pending", "Pending", "Pending")
    revision_id = made["revision"]["revisionId"]
    assert made["revision"]["revisionArn"] == f"{FN_ARN}/revision/{revision_id}"
    assert made["endpoint"]["endpointArn"] == f"{FN_ARN}/endpoint/live"
    assert made["endpoint"]["autoDeploymentMode"] == "Disabled" and made["tags"] == {"team": "web"}
    assert made["endpoint"]["revisionWeights"] == [{"revisionId": revision_id, "weight": 100}]
    assert re.fullmatch(r"([a-z0-9-]+\.)+[a-z]+", made["endpoint"]["domainName"])
    # one read sees it Pending (buildPolls 1), the next Active
    assert web.get_web_function(functionName="shop")["state"] == "Pending"
    got = web.get_web_function(functionName=FN_ARN)  # the function ARN is accepted too
    assert (got["state"], got["stateReason"]) == ("Active", "The function is ready to use.")
    assert "tags" not in got
    revision = web.get_web_function_revision(functionName="shop", revisionId=revision_id)
    assert revision["state"] == "Active" and "errors" not in revision
    assert revision["serviceConfig"] == {
        "executionRoleArn": ROLE, "timeoutSeconds": 10, "maxConcurrencyPerEnvironment": 64,
        "telemetryConfig": {"loggingConfig": {"logGroup": "/aws/lambda/web/shop", "applicationLogLevel": "INFO",
                                              "systemLogLevel": "INFO"}}}
    live = endpoint(web)
    assert (live["state"], live["description"], live["regions"]) == ("Active", "production", ["us-east-1"])
    assert set(live["regionalEndpoints"]) == {"us-east-1"}
    assert web.list_tags(resource=FN_ARN)["tags"] == {"team": "web"}
    web.tag_resource(resource=FN_ARN, tags={"tier": "1"})
    web.untag_resource(resource=FN_ARN, tagKeys=["team"])
    assert web.list_tags(resource=FN_ARN)["tags"] == {"tier": "1"}
    assert [f["functionName"] for f in web.list_web_functions()["functions"]] == ["shop"]
    # the twin keeps each revision's code SHA-256 (control API; the model has no member for it)
    kept = ctl(twin, "/_twin/web-function?name=shop")
    assert kept["revisions"][0]["codeSha256"] == b64sha256(data)
    assert kept["revisions"][0]["s3Object"] == {"bucket": BUCKET, "key": "v1.zip", "versionId": version}

    # a second create of the name: 409 ConflictException; a bad name: 400 ValidationException
    status, code, _ = refused(lambda: web.create_web_function(functionName="shop"))
    assert (status, code) == (409, "ConflictException")
    status, code, message = refused(lambda: web.create_web_function(functionName="-shop"))
    assert (status, code) == (400, "ValidationException") and message.startswith("Invalid function name: -shop.")
    # DeleteWebFunction: 204, then 404 ResourceNotFoundException with resourceId / resourceType
    assert web.delete_web_function(functionName="shop")["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(web.exceptions.ResourceNotFoundException) as exc:
        web.get_web_function(functionName="shop")
    error = exc.value.response
    assert (error["Error"]["Message"], error["resourceId"], error["resourceType"]) == \
        ("Web function not found: shop", "shop", "WebFunction")

    # every call signed for `lambda`, verified, and logged as lambda-web with its operation
    log = [e for e in ctl(twin, "/_twin/requests") if e["service"] == "lambda-web"]
    assert log and all(e["signed"] and e["signatureVerified"] for e in log)
    ops = {e["operation"]: e["mutating"] for e in log}
    assert ops["CreateWebFunction"] is True and ops["GetWebFunction"] is False
    assert ops["ListWebFunctions"] is False and ops["DeleteWebFunction"] is True
    assert ops["GetWebFunctionRevision"] is False and ops["ListTags"] is False


def test_a_revision_is_built_asynchronously_from_its_s3_object_version(twin):
    """[model] CreateWebFunctionRevision (POST …/revisions, 202) "Creates an immutable revision"; RevisionState
    "Pending – The revision is being built", "Active – The revision is ready to serve traffic"; the
    WebFunctionRevisionActive waiter polls GetWebFunctionRevision. [issue] the code is the S3 object at that version:
    missing → 400 ValidationException "Error occurred while GetObject. S3 Error Code: …"."""
    seed(twin, revisions=1)
    s3 = code_bucket(twin)
    web = client(twin, "lambda-web")
    first_zip, first = put_code(s3, "app.zip", "export const handler = () => 'v2'")
    second_zip, second = put_code(s3, "app.zip", "export const handler = () => 'v3'")
    made = new_revision(web, "app.zip", first, description="v2")
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (made["state"], made["stateReason"], made["description"]) == \
        ("Pending", "The revision is being built.", "v2")
    assert read_until_settled(web, made["revisionId"]) == ["Pending", "Active"]
    latest = new_revision(web, "app.zip")  # no versionId: the object's current version
    read_until_settled(web, latest["revisionId"])
    hashes = {r["revisionId"]: r for r in ctl(twin, "/_twin/web-function?name=shop")["revisions"]}
    assert hashes[made["revisionId"]]["codeSha256"] == b64sha256(first_zip)
    assert hashes[latest["revisionId"]]["codeSha256"] == b64sha256(second_zip)
    assert hashes[latest["revisionId"]]["s3Object"]["versionId"] == second
    listed = web.list_web_function_revisions(functionName="shop")["revisions"]
    assert [r["revisionId"] for r in listed][1:] == [made["revisionId"], latest["revisionId"]]
    assert web.list_web_function_revisions(functionName="shop", filters=[{"name": "state", "values": ["Pending"]}])[
        "revisions"] == []

    for s3_object, s3_code in (({"bucket": BUCKET, "key": "app.zip", "versionId": "no-such-version"}, "NoSuchVersion"),
                               ({"bucket": BUCKET, "key": "missing.zip"}, "NoSuchKey"),
                               ({"bucket": "no-such-web-code", "key": "app.zip"}, "NoSuchBucket")):
        config = revision_config("x")
        config["buildConfig"]["codeConfig"]["s3Object"] = s3_object
        status, code, message = refused(lambda: web.create_web_function_revision(functionName="shop", **config))
        assert (status, code) == (400, "ValidationException")
        assert message.startswith(f"Error occurred while GetObject. S3 Error Code: {s3_code}.")
    assert len(web.list_web_function_revisions(functionName="shop")["revisions"]) == 3  # nothing was created
    # the model's shapes: a missing serviceConfig, a bad role ARN → ValidationException (Coral message)
    status, code, message = refused(lambda: loose(twin, "lambda-web").create_web_function_revision(
        functionName="shop", buildConfig=revision_config("app.zip")["buildConfig"]))
    assert (status, code) == (400, "ValidationException") and "'serviceConfig' failed to satisfy" in message
    status, code, _ = refused(lambda: loose(twin, "lambda-web").get_web_function_revision(
        functionName="shop", revisionId="nope"))
    assert (status, code) == (404, "ResourceNotFoundException")


def test_a_scripted_build_failure_and_poll_counts(twin):
    """[model] RevisionState "Failed – The revision build failed", `errors` [{attribute, errorCode, errorMessage}]
    "absent when the revision has no errors"; /_twin/web-behaviour failNextBuild is one-shot, buildPolls counts the
    reads that see Pending."""
    seed(twin, revisions=1)
    s3 = code_bucket(twin)
    put_code(s3, "app.zip", "export const handler = () => 'x'")
    web = client(twin, "lambda-web")
    errors = [{"attribute": "buildConfig.runtimeConfig.runtime", "errorCode": "UnsupportedRuntime",
               "errorMessage": "nodejs22.x is not supported in this Region."}]
    settings = ctl(twin, "/_twin/web-behaviour", {"failNextBuild": {"errors": errors,
                                                                    "stateReason": "Runtime unavailable"}})
    assert settings["failNextBuild"]["errors"] == errors and settings["buildPolls"] == 1
    failed = new_revision(web, "app.zip")
    assert failed["state"] == "Pending" and "errors" not in failed
    assert read_until_settled(web, failed["revisionId"]) == ["Pending", "Failed"]
    got = web.get_web_function_revision(functionName="shop", revisionId=failed["revisionId"])
    assert (got["stateReason"], got["errors"]) == ("Runtime unavailable", errors)
    assert ctl(twin, "/_twin/web-behaviour")["failNextBuild"] is None  # used up
    ok = new_revision(web, "app.zip")
    assert read_until_settled(web, ok["revisionId"]) == ["Pending", "Active"]

    ctl(twin, "/_twin/web-behaviour", {"buildPolls": 3})
    slow = new_revision(web, "app.zip")
    assert read_until_settled(web, slow["revisionId"]) == ["Pending", "Pending", "Pending", "Active"]
    ctl(twin, "/_twin/web-behaviour", {"buildPolls": 0})
    quick = new_revision(web, "app.zip")
    assert quick["state"] == "Pending"  # the answer always says Pending
    assert read_until_settled(web, quick["revisionId"]) == ["Active"]
    # the initial revision's failure fails the function (WebFunctionActive waiter: Failed is a failure)
    ctl(twin, "/_twin/web-behaviour", {"buildPolls": 1, "failNextBuild": True})
    web.create_web_function(functionName="broken", revisionConfig=revision_config("app.zip"),
                            endpointConfig={"endpointName": "live", "endpointType": "HomeRegion",
                                            "authType": "IamAuth"})
    assert [web.get_web_function(functionName="broken")["state"] for _ in range(2)] == ["Pending", "Failed"]
    assert endpoint(web, function="broken")["state"] == "Failed"
    assert control_refusal(twin, "/_twin/web-behaviour", {"buildPolls": -1})[0] == 400
    assert control_refusal(twin, "/_twin/web-behaviour", {"failNextBuild": {"errors": []}})[0] == 400


# Endpoints: weights, auto-deployment, asynchronous updates ------------------------------------------------------

def test_revision_weights_rules(twin):
    """[SAM] "Specify at most two revisions. Each weight is an integer from 1 to 100, and the weights must add up to
    100" ([model] RevisionWeightList max 2, RevisionWeightWeightInteger 1–100); [issue] each revision exists and is
    Active. 400 ValidationException; nothing changes."""
    seeded = seed(twin, revisions=3)
    one, two, three = (r["revisionId"] for r in seeded["revisions"])
    s3 = code_bucket(twin)
    put_code(s3, "app.zip", "export const handler = () => 'x'")
    web = client(twin, "lambda-web")
    lax = loose(twin, "lambda-web")
    update = lambda weights, c=web: c.update_web_function_endpoint(  # noqa: E731
        functionName="shop", endpointName="live", revisionWeights=weights)
    assert refused(lambda: update([{"revisionId": one, "weight": 60}, {"revisionId": two, "weight": 30}])) == \
        (400, "ValidationException", "The revision weights must add up to 100 (they add up to 90).")
    status, code, message = refused(lambda: update([{"revisionId": one, "weight": 50}, {"revisionId": two,
                                                    "weight": 25}, {"revisionId": three, "weight": 25}], lax))
    assert (status, code) == (400, "ValidationException")
    assert "at 'revisionWeights' failed to satisfy constraint: Member must have length less than or equal to 2" \
        in message
    status, code, message = refused(lambda: update([{"revisionId": one, "weight": 0},
                                                    {"revisionId": two, "weight": 100}], lax))
    assert (status, code) == (400, "ValidationException") and "Member must have value greater than or equal to 1" \
        in message
    assert refused(lambda: update([{"revisionId": one, "weight": 50}, {"revisionId": one, "weight": 50}])) == \
        (400, "ValidationException", f"Revision {one} is named more than once in revisionWeights.")
    assert refused(lambda: update([{"revisionId": "feedbeef0000", "weight": 100}])) == \
        (400, "ValidationException", "Revision feedbeef0000 does not exist for web function shop.")
    pending = new_revision(web, "app.zip")["revisionId"]
    assert refused(lambda: update([{"revisionId": one, "weight": 90}, {"revisionId": pending, "weight": 10}])) == \
        (400, "ValidationException", f"Revision {pending} is Pending; an endpoint can route only to Active revisions.")
    ctl(twin, "/_twin/web-behaviour", {"failNextBuild": True})
    failed = new_revision(web, "app.zip")["revisionId"]
    read_until_settled(web, failed)
    assert refused(lambda: update([{"revisionId": failed, "weight": 100}]))[2] == \
        f"Revision {failed} is Failed; an endpoint can route only to Active revisions."
    live = endpoint(web)
    assert live["revisionWeights"] == [{"revisionId": three, "weight": 100}] and "updateStatus" not in live
    # the same rules on CreateWebFunctionEndpoint
    status, code, _ = refused(lambda: web.create_web_function_endpoint(
        functionName="shop", endpointName="canary", endpointType="HomeRegion", authType="ApplicationManaged",
        revisionWeights=[{"revisionId": one, "weight": 99}]))
    assert (status, code) == (400, "ValidationException")
    # two revisions, by id or ARN, split 90/10
    answer = update([{"revisionId": three, "weight": 90}, {"revisionId": seeded["revisions"][0]["revisionArn"],
                                                           "weight": 10}])
    assert answer["revisionWeights"] == [{"revisionId": three, "weight": 90}, {"revisionId": one, "weight": 10}]


def test_latest_revision_serves_each_new_revision_at_once_disabled_does_not(twin):
    """[DG-deploy] "Endpoints with autoDeploymentMode set to LatestRevision route all traffic to it after it becomes
    Active. Endpoints with autoDeploymentMode set to Disabled keep serving their current revisions until you update
    the revision weights." The switch is not an endpoint update (no updateStatus change)."""
    seeded = seed(twin, revisions=2, weights={"1": 90, "2": 10})
    one, two = (r["revisionId"] for r in seeded["revisions"])
    web = client(twin, "lambda-web")
    auto = web.create_web_function_endpoint(functionName="shop", endpointName="auto", endpointType="HomeRegion",
                                            authType="ApplicationManaged", autoDeploymentMode="LatestRevision")
    assert (auto["state"], auto["revisionWeights"]) == ("Pending", [{"revisionId": two, "weight": 100}])
    assert endpoint(web, "auto")["state"] == "Active"
    s3 = code_bucket(twin)
    put_code(s3, "app.zip", "export const handler = () => 'v3'")
    new = new_revision(web, "app.zip")["revisionId"]
    assert endpoint(web, "auto")["revisionWeights"] == [{"revisionId": two, "weight": 100}]  # still Pending
    assert read_until_settled(web, new) == ["Pending", "Active"]
    auto_now = endpoint(web, "auto")
    assert auto_now["revisionWeights"] == [{"revisionId": new, "weight": 100}]  # at once, all of it
    assert "updateStatus" not in auto_now
    assert endpoint(web)["revisionWeights"] == [{"revisionId": one, "weight": 90}, {"revisionId": two, "weight": 10}]
    # a revision served by LatestRevision cannot be deleted; a Disabled endpoint's revisions neither
    assert refused(lambda: web.delete_web_function_revision(functionName="shop", revisionId=new)) == \
        (409, "ConflictException", f"Revision {new} is serving traffic on endpoint auto and cannot be deleted.")
    assert refused(lambda: web.delete_web_function_revision(functionName="shop", revisionId=one))[:2] == \
        (409, "ConflictException")
    # turning LatestRevision off keeps the routing; later revisions do not move it
    web.update_web_function_endpoint(functionName="shop", endpointName="auto", autoDeploymentMode="Disabled")
    assert [endpoint(web, "auto")["updateStatus"] for _ in range(2)] == ["InProgress", "Successful"]
    newer = new_revision(web, "app.zip")["revisionId"]
    read_until_settled(web, newer)
    assert endpoint(web, "auto")["revisionWeights"] == [{"revisionId": new, "weight": 100}]
    # the seeded function's endpoint with LatestRevision too
    ctl(twin, "/_twin/reset", {})
    seeded = seed(twin, revisions=1, mode="LatestRevision")
    s3 = code_bucket(twin)
    put_code(s3, "app.zip", "export const handler = () => 'v2'")
    new = new_revision(web, "app.zip")["revisionId"]
    read_until_settled(web, new)
    assert endpoint(web)["revisionWeights"] == [{"revisionId": new, "weight": 100}]


def test_endpoint_updates_are_asynchronous_and_a_failed_one_keeps_the_old_weights(twin):
    """[DG-deploy] "Changes to autoDeploymentMode and revisionWeights are asynchronous endpoint updates. Wait for
    updateStatus to become Successful … If an update fails, updateStatusReason describes the cause"; [model]
    UpdateWebFunctionEndpoint (PATCH, 202), EndpointUpdateStatus InProgress / Successful / Failed, the
    WebFunctionEndpointUpdated waiter. [issue] a failed update leaves the previous weights in place."""
    seeded = seed(twin, revisions=2, description="production")
    one, two = (r["revisionId"] for r in seeded["revisions"])
    web = client(twin, "lambda-web")
    answer = web.update_web_function_endpoint(functionName="shop", endpointName="live", revisionWeights=[
        {"revisionId": two, "weight": 90}, {"revisionId": one, "weight": 10}])
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (answer["updateStatus"], answer["description"]) == ("InProgress", "production")
    assert answer["regionalEndpoints"]["us-east-1"]["updateStatus"] == "InProgress"
    first = endpoint(web)
    assert first["updateStatus"] == "InProgress"  # updatePolls 1: one read sees it InProgress
    settled = endpoint(web)
    assert (settled["updateStatus"], settled["revisionWeights"]) == \
        ("Successful", [{"revisionId": two, "weight": 90}, {"revisionId": one, "weight": 10}])
    assert "updateStatusReason" not in settled and settled["description"] == "production"

    # a scripted failure: the update is answered InProgress, then Failed with the reason and the old weights
    ctl(twin, "/_twin/web-behaviour", {"failNextUpdate": "Insufficient capacity in us-east-1", "updatePolls": 2})
    answer = web.update_web_function_endpoint(functionName="shop", endpointName="live", description="canary off",
                                              revisionWeights=[{"revisionId": two, "weight": 100}])
    assert answer["revisionWeights"] == [{"revisionId": two, "weight": 100}]
    assert [endpoint(web)["updateStatus"] for _ in range(3)] == ["InProgress", "InProgress", "Failed"]
    failed = endpoint(web)
    assert failed["updateStatusReason"] == "Insufficient capacity in us-east-1"
    assert failed["revisionWeights"] == [{"revisionId": two, "weight": 90}, {"revisionId": one, "weight": 10}]
    assert (failed["state"], failed["description"]) == ("Active", "production")  # still serving; nothing changed
    # the next update goes through (the failure was one-shot); description kept unless given, "" allowed
    ctl(twin, "/_twin/web-behaviour", {"updatePolls": 0})
    answer = web.update_web_function_endpoint(functionName="shop", endpointName="live",
                                              revisionWeights=[{"revisionId": two, "weight": 100}])
    assert answer["updateStatus"] == "InProgress"
    assert (endpoint(web)["updateStatus"], endpoint(web)["description"]) == ("Successful", "production")
    web.update_web_function_endpoint(functionName="shop", endpointName="live", description="")
    assert endpoint(web)["description"] == ""
    status, code, message = refused(lambda: web.update_web_function_endpoint(
        functionName="shop", endpointName="live", description="x" * 257))
    assert (status, code) == (400, "ValidationException") and \
        "Member must have length less than or equal to 256" in message


def test_an_update_while_one_is_in_progress_is_a_conflict(twin):
    """[DG-deploy] "Wait for updateStatus to become Successful before you … submit another endpoint update"; [model]
    ConflictException (409) "the resource is being modified by another request". Until a read sees it finish."""
    seeded = seed(twin, revisions=2)
    one, two = (r["revisionId"] for r in seeded["revisions"])
    web = client(twin, "lambda-web")
    web.update_web_function_endpoint(functionName="shop", endpointName="live",
                                     revisionWeights=[{"revisionId": one, "weight": 100}])
    with pytest.raises(web.exceptions.ConflictException) as exc:
        web.update_web_function_endpoint(functionName="shop", endpointName="live",
                                         revisionWeights=[{"revisionId": two, "weight": 100}])
    error = exc.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert error["Error"]["Message"] == ("Endpoint live of web function shop has an update in progress; wait for "
                                         "updateStatus to become Successful or Failed before you submit another "
                                         "endpoint update.")
    assert (error["resourceId"], error["resourceType"]) == ("live", "WebFunctionEndpoint")
    assert refused(lambda: web.delete_web_function_endpoint(functionName="shop", endpointName="live"))[:2] == \
        (409, "ConflictException")
    assert refused(lambda: web.delete_web_function_revision(functionName="shop", revisionId=two))[:2] == \
        (409, "ConflictException")  # the in-flight update's previous routing still names it
    assert endpoint(web)["updateStatus"] == "InProgress"
    assert endpoint(web)["updateStatus"] == "Successful"
    web.update_web_function_endpoint(functionName="shop", endpointName="live",
                                     revisionWeights=[{"revisionId": one, "weight": 50},
                                                      {"revisionId": two, "weight": 50}])
    # someone else (the control API) moves the weights: settled at once
    moved = ctl(twin, "/_twin/web-endpoint", {"function": "shop", "endpoint": "live",
                                              "weights": [{"revisionId": one, "weight": 100}]})
    assert (moved["updateStatus"], moved["revisionWeights"]) == ("Successful", [{"revisionId": one, "weight": 100}])
    assert endpoint(web)["revisionWeights"] == [{"revisionId": one, "weight": 100}]
    assert web.delete_web_function_revision(functionName="shop", revisionId=two)["ResponseMetadata"][
        "HTTPStatusCode"] == 204
    assert control_refusal(twin, "/_twin/web-endpoint", {"function": "shop", "endpoint": "live",
                                                         "weights": [{"revisionId": two, "weight": 100}]}) == \
        (400, f"Revision {two} does not exist for web function shop.")


def test_endpoint_types_regions_and_the_endpoint_quota(twin):
    """[model] regions "Required when the endpoint type is MultiRegion or PerRegion: specify at least one Region other
    than … the home Region. The home Region is added automatically …; specifying only the home Region isn't allowed.
    When the endpoint type is HomeRegion, omit this field or specify only the home Region"; [DG-endpoints] "up to 10
    endpoints" ([model] ServiceQuotaExceededException, 402). MultiRegion with LatestRevision: accepted unless the
    control API's multiRegionRequiresDisabled is on (no AWS document states that rule)."""
    seed(twin, revisions=1)
    web = client(twin, "lambda-web")
    create = lambda name, kind="HomeRegion", **extra: web.create_web_function_endpoint(  # noqa: E731
        functionName="shop", endpointName=name, endpointType=kind, authType="ApplicationManaged", **extra)
    assert refused(lambda: create("global", "MultiRegion")) == (
        400, "ValidationException", "A MultiRegion endpoint needs regions: specify at least one Region other than "
                                    "the home Region (us-east-1).")
    assert refused(lambda: create("global", "PerRegion", regions=["us-east-1"]))[2] == (
        "A PerRegion endpoint needs at least one Region other than the home Region (us-east-1); specifying only the "
        "home Region isn't allowed.")
    assert refused(lambda: create("home", regions=["eu-west-1"]))[2] == \
        "A HomeRegion endpoint takes no regions other than the home Region (us-east-1): eu-west-1."
    multi = create("global", "MultiRegion", regions=["eu-west-1"], autoDeploymentMode="LatestRevision")
    assert multi["regions"] == ["us-east-1", "eu-west-1"]
    assert set(multi["regionalEndpoints"]) == {"us-east-1", "eu-west-1"}
    ctl(twin, "/_twin/web-behaviour", {"multiRegionRequiresDisabled": True})
    assert refused(lambda: create("global2", "MultiRegion", regions=["eu-west-1"],
                                  autoDeploymentMode="LatestRevision")) == (
        400, "ValidationException", "A MultiRegion endpoint requires autoDeploymentMode Disabled (the twin's "
                                    "multiRegionRequiresDisabled setting).")
    assert create("global2", "MultiRegion", regions=["eu-west-1"])["autoDeploymentMode"] == "Disabled"
    assert refused(lambda: web.update_web_function_endpoint(
        functionName="shop", endpointName="global2", autoDeploymentMode="LatestRevision"))[:2] == \
        (400, "ValidationException")
    # endpointType cannot change ([DG-endpoints]): UpdateWebFunctionEndpoint has no such member
    status, code, _ = refused(lambda: loose(twin, "lambda-web").create_web_function_endpoint(
        functionName="shop", endpointName="x", endpointType="Everywhere", authType="ApplicationManaged"))
    assert (status, code) == (400, "ValidationException")
    assert refused(lambda: create("live"))[:2] == (409, "ConflictException")
    assert refused(lambda: create("bad_"))[2].startswith("Invalid endpoint name: bad_.")
    for i in range(7):  # live, global, global2 + 7 = 10
        create(f"e{i}")
    with pytest.raises(web.exceptions.ServiceQuotaExceededException) as exc:
        create("e7")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 402
    assert exc.value.response["Error"]["Message"] == "A web function can have at most 10 endpoints; shop has 10."
    # throttleConfig.rateLimit: only the supported values; scalingConfig {} clears it on an update
    assert refused(lambda: web.update_web_function_endpoint(functionName="shop", endpointName="e0",
                                                            throttleConfig={"rateLimit": 150}))[:2] == \
        (400, "ValidationException")
    web.update_web_function_endpoint(functionName="shop", endpointName="e0", scalingConfig={"maxEnvironments": 4})
    assert endpoint(web, "e0")["scalingConfig"] == {"maxEnvironments": 4}
    endpoint(web, "e0")
    web.update_web_function_endpoint(functionName="shop", endpointName="e0", scalingConfig={})
    endpoint(web, "e0")
    assert "scalingConfig" not in endpoint(web, "e0")
    # list: every endpoint, filters, pages of maxResults with a nextToken
    page = web.list_web_function_endpoints(functionName="shop", maxResults=4)
    assert len(page["endpoints"]) == 4 and re.fullmatch(r"[a-f0-9-]{36}", page["nextToken"])
    rest = web.list_web_function_endpoints(functionName="shop", maxResults=50, nextToken=page["nextToken"])
    assert len(rest["endpoints"]) == 6 and "nextToken" not in rest
    multi_only = web.list_web_function_endpoints(functionName="shop", filters=[
        {"name": "endpointType", "values": ["MultiRegion"]}])["endpoints"]
    assert [e["endpointName"] for e in multi_only] == ["global", "global2"]
    assert refused(lambda: web.list_web_function_endpoints(functionName="shop", filters=[
        {"name": "description", "values": ["x"]}]))[:2] == (400, "ValidationException")
    paginated = [e["endpointName"] for p in web.get_paginator("list_web_function_endpoints").paginate(
        functionName="shop", PaginationConfig={"PageSize": 3}) for e in p["endpoints"]]
    assert len(paginated) == 10


def test_lambda_web_requests_are_signed_and_faulted_like_the_rest(twin):
    """The proxy's SigV4 check covers lambda-web (signed for `lambda`): a wrong secret is 403
    InvalidSignatureException, an unknown key 403 UnrecognizedClientException, both logged as lambda-web; fault rules
    name the service `lambda-web` (throttle: the model's 429 ThrottlingException)."""
    seed(twin, revisions=1)
    bad = client(twin, "lambda-web", secret="wrong")
    assert refused(lambda: bad.get_web_function(functionName="shop"))[:2] == (403, "InvalidSignatureException")
    stranger = client(twin, "lambda-web", akid="AKIDUNKNOWN000000000")
    assert refused(lambda: stranger.get_web_function(functionName="shop"))[:2] == (403, "UnrecognizedClientException")
    log = [e for e in ctl(twin, "/_twin/requests") if e["service"] == "lambda-web"]
    assert [(e["operation"], e["status"], e["signatureVerified"]) for e in log] == [
        ("GetWebFunction", 403, False), ("GetWebFunction", 403, False)]
    ctl(twin, "/_twin/faults", {"rules": [{"service": "lambda-web", "operation": "GetWebFunction", "kind": "throttle",
                                           "count": 1}]})
    web = client(twin, "lambda-web")
    assert refused(lambda: web.get_web_function(functionName="shop"))[:2] == (429, "ThrottlingException")
    assert web.get_web_function(functionName="shop")["state"] == "Active"
    lam = client(twin, "lambda")
    assert lam.list_functions()["Functions"] == []  # classic Lambda is untouched
    # an operation the twin does not implement is never forwarded to moto
    assert refused(lambda: web.get_web_account_settings())[:2] == (501, "NotImplemented")
