"""Lambda Managed Instances (README "Rules", capacity_semantics.py) proved with boto3, and the
/_twin/capacity-provider control route."""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_aws_rules import control_refusal, loose, refused  # noqa: E402
from test_twin import ctl, fresh, make_zip, twin, wait_successful  # noqa: E402,F401

PROVIDER = "arn:aws:lambda:us-east-1:123456789012:capacity-provider:fleet"
CAPACITY = {"LambdaManagedInstancesCapacityProviderConfig": {"CapacityProviderArn": PROVIDER}}


def publish(lam, text):
    lam.update_function_code(FunctionName="fn", ZipFile=make_zip(text))
    wait_successful(lam)
    return lam.publish_version(FunctionName="fn")


def wait_version(lam, version, seconds=5.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        config = lam.get_function_configuration(FunctionName="fn", Qualifier=version)
        if config["State"] != "Pending":
            return config
        time.sleep(0.05)
    raise AssertionError("the version stayed Pending")


def test_managed_instances_versions_are_pending_until_provisioned(twin):
    ctl(twin, "/_twin/seed-function", {"name": "fn", "alias": "live", "capacityProvider": PROVIDER})
    ctl(twin, "/_twin/capacity-provider", {"function": "fn", "provisionSeconds": 0.4})
    lam = loose(twin, "lambda")

    latest = lam.get_function_configuration(FunctionName="fn")
    assert latest["CapacityProviderConfig"] == CAPACITY and latest["State"] == "ActiveNonInvocable"
    assert lam.get_function(FunctionName="fn", Qualifier="1")["Configuration"]["CapacityProviderConfig"] == CAPACITY

    made = publish(lam, "v2")
    assert (made["Version"], made["State"], made["StateReasonCode"]) == ("2", "Pending", "Creating")
    assert made["CapacityProviderConfig"] == CAPACITY
    # not invocable until Active, directly or through an alias that routes to it
    status, code, message = refused(lambda: lam.invoke(FunctionName="fn", Qualifier="2", Payload=b"{}"))
    assert (status, code) == (409, "ResourceConflictException") and "Pending" in message
    lam.update_alias(FunctionName="fn", Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
    assert refused(lambda: lam.invoke(FunctionName="fn", Qualifier="live", Payload=b"{}"))[:2] == \
        (409, "ResourceConflictException")
    active = wait_version(lam, "2")
    assert active["State"] == "Active" and "StateReasonCode" not in active
    assert lam.invoke(FunctionName="fn", Qualifier="2", Payload=b"{}")["StatusCode"] == 200
    versions = {v["Version"]: v["State"] for v in lam.list_versions_by_function(FunctionName="fn")["Versions"]}
    assert versions == {"$LATEST": "ActiveNonInvocable", "1": "Active", "2": "Active"}

    # a scripted provisioning failure ends the next version Failed with the model's code
    ctl(twin, "/_twin/capacity-provider", {"function": "fn", "provisionSeconds": 0.1, "failNextPublish": {
        "reasonCode": "InsufficientCapacity", "reason": "Not enough capacity in the capacity provider."}})
    publish(lam, "v3")
    failed = wait_version(lam, "3")
    assert (failed["State"], failed["StateReasonCode"], failed["StateReason"]) == \
        ("Failed", "InsufficientCapacity", "Not enough capacity in the capacity provider.")
    assert refused(lambda: lam.invoke(FunctionName="fn", Qualifier="3", Payload=b"{}"))[:2] == \
        (409, "ResourceConflictException")
    assert lam.get_function_configuration(FunctionName="fn", Qualifier="2")["State"] == "Active"


def test_capacity_provider_control_route(twin):
    ctl(twin, "/_twin/seed-function", {"name": "fn"})
    assert control_refusal(twin, "/_twin/capacity-provider", {"function": "fn"})[0] == 404
    assert control_refusal(twin, "/_twin/capacity-provider", {"function": "fn", "capacityProvider": "nope"})[0] == 400
    assert control_refusal(twin, "/_twin/capacity-provider", {"function": "fn", "capacityProvider": PROVIDER,
                                                              "failNextPublish": {"reasonCode": "Idle"}})[0] == 400
    assert control_refusal(twin, "/_twin/capacity-provider", {"function": "fn", "other": 1})[0] == 400
    answer = ctl(twin, "/_twin/capacity-provider", {"function": "fn", "capacityProvider": PROVIDER})
    assert (answer["provisionSeconds"], answer["failNextPublish"], answer["versions"]) == (0.3, None, {})
    lam = loose(twin, "lambda")
    assert lam.get_function(FunctionName="fn")["Configuration"]["CapacityProviderConfig"] == CAPACITY
