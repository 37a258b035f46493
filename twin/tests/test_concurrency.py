"""Provisioned concurrency (README "Rules", concurrency_semantics.py), each rule proved with boto3 against a
running twin, and the /_twin/provisioned-concurrency control route."""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_aws_rules import control_refusal, loose, refused  # noqa: E402
from test_twin import ctl, fresh, publish_new_version, seed, twin  # noqa: E402,F401

ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"
PUT_LATEST = (400, "InvalidParameterValueException",
              "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
GET_LATEST = (400, "InvalidParameterValueException",
              "The function resource provided must be an alias or a published version.")
NOT_FOUND = (404, "ProvisionedConcurrencyConfigNotFoundException",
             "No Provisioned Concurrency Config found for this function")
ALIAS_ON_VERSION = (409, "ResourceConflictException",
                    "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version")
VERSION_UNDER_ALIAS = (409, "ResourceConflictException", "Version is pointed by a Provisioned Concurrency alias")
WEIGHTED = (400, "InvalidParameterValueException", "Alias with weights can not be used with Provisioned Concurrency")
INVALID_ALIAS = (400, "InvalidParameterValueException", "Invalid alias configuration for Provisioned Concurrency")


def put(lam, qualifier, amount=2):
    return lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier=qualifier,
                                                  ProvisionedConcurrentExecutions=amount)


def get(lam, qualifier):
    return lam.get_provisioned_concurrency_config(FunctionName="fn", Qualifier=qualifier)


def wait_status(lam, qualifier, seconds=5.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        config = get(lam, qualifier)
        if config["Status"] != "IN_PROGRESS":
            return config
        time.sleep(0.05)
    raise AssertionError("the allocation never finished")


def test_provisioned_concurrency_rules(twin):
    seed(twin)  # version 1 behind "live"
    lam = loose(twin, "lambda")
    publish_new_version(lam, twin, "v2")
    publish_new_version(lam, twin, "v3")

    # $LATEST, and an alias pointing to it
    assert refused(lambda: put(lam, "$LATEST")) == PUT_LATEST
    assert refused(lambda: get(lam, "$LATEST")) == GET_LATEST
    assert refused(lambda: lam.delete_provisioned_concurrency_config(FunctionName="fn", Qualifier="$LATEST")) == GET_LATEST
    lam.create_alias(FunctionName="fn", Name="dev", FunctionVersion="$LATEST")
    assert refused(lambda: put(lam, "dev")) == PUT_LATEST
    # nothing there yet; missing qualifiers and functions
    assert refused(lambda: get(lam, "live")) == NOT_FOUND
    assert refused(lambda: get(lam, "ghost")) == (404, "ResourceNotFoundException", f"Cannot find alias arn: {ARN}:ghost")
    assert refused(lambda: get(lam, "9")) == (404, "ResourceNotFoundException", f"Function not found: {ARN}:9")
    assert refused(lambda: put(lam, "9")) == (404, "ResourceNotFoundException", f"Function not found: {ARN}:9")
    assert refused(lambda: lam.list_provisioned_concurrency_configs(FunctionName="nope"))[:2] == \
        (404, "ResourceNotFoundException")
    status, code, message = refused(lambda: put(lam, "1", amount=0))
    assert (status, code) == (400, "ValidationException") and "greater than or equal to 1" in message
    assert lam.list_provisioned_concurrency_configs(FunctionName="fn")["ProvisionedConcurrencyConfigs"] == []

    # one configuration per version: on the version, or on an alias that points to it
    made = put(lam, "1")
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (made["Status"], made["RequestedProvisionedConcurrentExecutions"]) == ("IN_PROGRESS", 2)
    assert refused(lambda: put(lam, "live")) == ALIAS_ON_VERSION
    assert lam.delete_provisioned_concurrency_config(
        FunctionName="fn", Qualifier="1")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert refused(lambda: get(lam, "1")) == NOT_FOUND
    put(lam, "live")
    assert refused(lambda: put(lam, "1")) == VERSION_UNDER_ALIAS
    lam.create_alias(FunctionName="fn", Name="other", FunctionVersion="1")
    assert refused(lambda: put(lam, "other")) == ALIAS_ON_VERSION  # two aliases, one version
    # a weighted alias: its provisioned concurrency cannot be managed
    lam.create_alias(FunctionName="fn", Name="canary", FunctionVersion="2",
                     RoutingConfig={"AdditionalVersionWeights": {"3": 0.1}})
    assert refused(lambda: put(lam, "canary")) == WEIGHTED
    # deleting where there is nothing is fine
    assert lam.delete_provisioned_concurrency_config(
        FunctionName="fn", Qualifier="3")["ResponseMetadata"]["HTTPStatusCode"] == 204

    put(lam, "3", amount=1)
    listed = lam.list_provisioned_concurrency_configs(FunctionName="fn")["ProvisionedConcurrencyConfigs"]
    assert [(c["FunctionArn"], c["RequestedProvisionedConcurrentExecutions"]) for c in listed] == \
        [(f"{ARN}:3", 1), (f"{ARN}:live", 2)]
    first = lam.list_provisioned_concurrency_configs(FunctionName="fn", MaxItems=1)
    assert len(first["ProvisionedConcurrencyConfigs"]) == 1 and first["NextMarker"]
    rest = lam.list_provisioned_concurrency_configs(FunctionName="fn", Marker=first["NextMarker"])
    assert [c["FunctionArn"] for c in rest["ProvisionedConcurrencyConfigs"]] == [f"{ARN}:live"]
    assert "NextMarker" not in rest

    # a version an alias routes to cannot be deleted; a version's own configuration goes with it
    assert refused(lambda: lam.delete_function(FunctionName="fn", Qualifier="1")) == \
        (409, "ResourceConflictException", "Unable to delete version because the following aliases reference it: "
                                           "[live, other]")
    assert refused(lambda: lam.delete_function(FunctionName="fn", Qualifier="3"))[:2] == \
        (409, "ResourceConflictException")  # "canary" routes 10% to it
    lam.delete_alias(FunctionName="fn", Name="canary")
    lam.delete_function(FunctionName="fn", Qualifier="3")
    assert refused(lambda: get(lam, "3"))[:2] == (404, "ResourceNotFoundException")
    # the alias's configuration goes with the alias
    lam.delete_alias(FunctionName="fn", Name="live")
    assert refused(lambda: get(lam, "live"))[:2] == (404, "ResourceNotFoundException")
    assert lam.list_provisioned_concurrency_configs(FunctionName="fn")["ProvisionedConcurrencyConfigs"] == []


def test_allocation_is_asynchronous_and_follows_the_alias_routing(twin):
    seed(twin)
    lam = loose(twin, "lambda")
    publish_new_version(lam, twin, "v2")
    ctl(twin, "/_twin/provisioned-concurrency", {"function": "fn", "allocationSeconds": 0.4})
    ctl(twin, "/_twin/requests/clear", {})

    assert put(lam, "live", amount=3)["Status"] == "IN_PROGRESS"
    config = get(lam, "live")
    assert (config["Status"], config["AllocatedProvisionedConcurrentExecutions"]) == ("IN_PROGRESS", 0)
    ready = wait_status(lam, "live")
    assert (ready["Status"], ready["AllocatedProvisionedConcurrentExecutions"],
            ready["AvailableProvisionedConcurrentExecutions"], ready["RequestedProvisionedConcurrentExecutions"]) == \
        ("READY", 3, 3, 3)
    assert "StatusReason" not in ready

    # a canary step: the routing changes, Lambda allocates across the two versions again
    lam.update_alias(FunctionName="fn", Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
    assert get(lam, "live")["Status"] == "IN_PROGRESS"
    assert wait_status(lam, "live")["Status"] == "READY"
    # an update that leaves the routing as it is does not reallocate
    lam.update_alias(FunctionName="fn", Name="live", Description="same routing")
    assert get(lam, "live")["Status"] == "READY"
    # promotion: one version, no weights
    lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="2", RoutingConfig={"AdditionalVersionWeights": {}})
    assert get(lam, "live")["Status"] == "IN_PROGRESS"
    assert wait_status(lam, "live")["Status"] == "READY"
    state = ctl(twin, "/_twin/provisioned-concurrency", {"function": "fn"})
    assert state["configs"] == {"live": {"status": "READY", "versions": ["2"], "requested": 3}}

    # the request log: each Get carries its Qualifier and the Status answered, in order after each UpdateAlias
    log = [e for e in ctl(twin, "/_twin/requests") if e["service"] == "lambda"]
    ops = [(e["operation"], e.get("qualifier"), e.get("pcStatus")) for e in log]
    assert ops[0] == ("PutProvisionedConcurrencyConfig", "live", "IN_PROGRESS")
    gets = [o for o in ops if o[0] == "GetProvisionedConcurrencyConfig"]
    assert all(q == "live" and s in ("IN_PROGRESS", "READY") for _, q, s in gets)
    updates = [i for i, o in enumerate(ops) if o[0] == "UpdateAlias"]
    for i in (updates[0], updates[2]):  # each routing change is followed by Gets up to READY
        after = [s for op, _, s in ops[i + 1:] if op == "GetProvisionedConcurrencyConfig"]
        assert after[0] == "IN_PROGRESS" and "READY" in after


def test_failed_allocation_and_the_invalid_alias_configuration(twin):
    seed(twin)
    lam = loose(twin, "lambda")
    publish_new_version(lam, twin, "v2")
    publish_new_version(lam, twin, "v3")
    ctl(twin, "/_twin/provisioned-concurrency", {"function": "fn", "allocationSeconds": 0.1, "failVersions": ["2"]})

    put(lam, "live")
    assert wait_status(lam, "live")["Status"] == "READY"  # version 1 initializes
    # a canary to the failing version: the allocation across 1 and 2 fails
    lam.update_alias(FunctionName="fn", Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
    failed = wait_status(lam, "live")
    assert (failed["Status"], failed["StatusReason"], failed["AllocatedProvisionedConcurrentExecutions"]) == \
        ("FAILED", "FUNCTION_ERROR_INIT_FAILURE", 0)
    # wedged: any update that keeps or sets weights is refused, and nothing changes
    assert refused(lambda: lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="3")) == INVALID_ALIAS
    assert refused(lambda: lam.update_alias(FunctionName="fn", Name="live", RoutingConfig={
        "AdditionalVersionWeights": {"2": 0.5}})) == INVALID_ALIAS
    alias = lam.get_alias(FunctionName="fn", Name="live")
    assert (alias["FunctionVersion"], alias["RoutingConfig"]) == ("1", {"AdditionalVersionWeights": {"2": 0.1}})
    # clearing the routing (one version, AdditionalVersionWeights {}) is allowed and allocates again
    cleared = lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="1",
                               RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in cleared
    assert get(lam, "live")["Status"] == "IN_PROGRESS"
    assert wait_status(lam, "live")["Status"] == "READY"
    # a configuration on the failing version itself fails too, with the scripted reason
    ctl(twin, "/_twin/provisioned-concurrency", {"function": "fn", "statusReason": "FUNCTION_ERROR_INIT_TIMEOUT"})
    put(lam, "2", amount=1)
    assert (wait_status(lam, "2")["Status"], get(lam, "2")["StatusReason"]) == ("FAILED", "FUNCTION_ERROR_INIT_TIMEOUT")


def test_provisioned_concurrency_control_routes(twin):
    assert control_refusal(twin, "/_twin/provisioned-concurrency", {"function": "fn", "allocationSecs": 1})[0] == 400
    assert control_refusal(twin, "/_twin/provisioned-concurrency", {"function": "fn", "failVersions": ["x"]})[0] == 400
    assert control_refusal(twin, "/_twin/provisioned-concurrency", {"allocationSeconds": 1})[0] == 400
    state = ctl(twin, "/_twin/provisioned-concurrency", {"function": "fn"})
    assert (state["allocationSeconds"], state["failVersions"], state["statusReason"]) == \
        (0.3, [], "FUNCTION_ERROR_INIT_FAILURE")
    # seed-function with a configuration on its alias (allocating from the seed, default 0.3 s)
    ctl(twin, "/_twin/seed-function", {"name": "fn", "alias": "live",
                                       "provisionedConcurrency": {"qualifier": "live", "amount": 4}})
    lam = loose(twin, "lambda")
    assert get(lam, "live")["RequestedProvisionedConcurrentExecutions"] == 4
    assert wait_status(lam, "live")["AllocatedProvisionedConcurrentExecutions"] == 4
