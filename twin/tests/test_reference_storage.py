"""Self-managed S3 code storage (S3ObjectStorageMode REFERENCE), runtime versions per function version, and the S3
bucket calls they rest on, as the twin answers them (README "Rules", lambda_code_storage.py, s3_policy.py), each
rule proved with boto3 (botocore 1.44.18's models) against a running twin, every call SigV4-checked."""

from __future__ import annotations

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_aws_rules import ROLE, control_refusal, loose, refused  # noqa: E402
from test_images import quick_updates  # noqa: E402
from test_twin import b64sha256, client, ctl, fresh, make_zip, twin  # noqa: E402,F401

BUCKET = "twin-code"
KEY = "fn.zip"
FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"
LAMBDA_READS = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": f"arn:aws:s3:::{BUCKET}/{KEY}",
                "Condition": {"ArnLike": {"aws:SourceArn": FN_ARN}}}  # the Lambda DG's example statement
ACCESS_DENIED = (403, "AccessDeniedException",
                 f"Your access has been denied by S3, please make sure your request credentials have permission to "
                 f"GetObject for {BUCKET}/{KEY}. S3 Error Code: AccessDenied. S3 Error Message: Access Denied")
NEEDS_S3 = (400, "InvalidParameterValueException",
            "S3ObjectStorageMode REFERENCE needs the .zip file archive in Amazon S3: give S3Bucket and S3Key, "
            "not ZipFile.")
NOT_FOR_IMAGES = (400, "InvalidParameterValueException",
                  "S3ObjectStorageMode REFERENCE is available for .zip file archive functions only; container image "
                  "functions use Amazon ECR.")
RUNTIME_ARN = re.compile(r"^arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$")


def code_bucket(twin, versioning="Enabled", bucket=BUCKET, region="us-east-1", statements=(LAMBDA_READS,)):
    """A bucket holding KEY (one version): its S3 client and the version id."""
    s3 = client(twin, "s3") if region == "us-east-1" else loose(twin, "s3", region=region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    if versioning:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": versioning})
    if statements:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    put = s3.put_object(Bucket=bucket, Key=KEY, Body=make_zip("def handler(e, c):\n    return 'v1'\n"))
    return s3, put.get("VersionId")


def create(lam, name="fn", code=None, **extra):
    code = code or {"S3Bucket": BUCKET, "S3Key": KEY, "S3ObjectStorageMode": "REFERENCE"}
    return lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                               Code=code, **extra)


def reference(lam, **extra):
    return lam.update_function_code(FunctionName="fn", S3Bucket=BUCKET, S3Key=KEY, S3ObjectStorageMode="REFERENCE",
                                    **extra)


def test_reference_is_for_zip_code_in_s3(twin):
    """DG "Self-managed S3 code storage": "available for .zip file archive functions and layers only. Container
    image functions continue to use Amazon ECR"; API UpdateFunctionCode / FunctionCode S3ObjectStorageMode
    (REFERENCE: "Lambda references the deployment package from the specified Amazon S3 bucket"). 400
    InvalidParameterValueException (the twin's texts); nothing changes."""
    quick_updates(twin)
    code_bucket(twin)
    lam = client(twin, "lambda")
    zip_code = {"ZipFile": make_zip("def handler(e, c):\n    return e\n"), "S3ObjectStorageMode": "REFERENCE"}
    assert refused(lambda: create(lam, code=zip_code)) == NEEDS_S3
    assert refused(lambda: create(lam, code={"S3Bucket": BUCKET, "S3ObjectStorageMode": "REFERENCE"})) == NEEDS_S3
    assert refused(lambda: lam.get_function(FunctionName="fn"))[:2] == (404, "ResourceNotFoundException")
    made = create(lam, code={"ZipFile": make_zip("def handler(e, c):\n    return e\n")})
    assert refused(lambda: lam.update_function_code(FunctionName="fn", ZipFile=make_zip("x = 1"),
                                                    S3ObjectStorageMode="REFERENCE")) == NEEDS_S3
    assert lam.get_function_configuration(FunctionName="fn")["RevisionId"] == made["RevisionId"]
    # the model's enum (COPY | REFERENCE): 400 ValidationException
    assert refused(lambda: loose(twin, "lambda").update_function_code(
        FunctionName="fn", S3Bucket=BUCKET, S3Key=KEY, S3ObjectStorageMode="LINK"))[:2] == (400, "ValidationException")

    image = ctl(twin, "/_twin/seed-image", {"repository": "app", "tag": "v1"})
    uri = image["repositoryUri"] + ":v1"
    assert refused(lambda: lam.create_function(FunctionName="img", PackageType="Image", Role=ROLE,
                                               Code={"ImageUri": uri, "S3ObjectStorageMode": "REFERENCE"})) == \
        NOT_FOR_IMAGES
    lam.create_function(FunctionName="img", PackageType="Image", Role=ROLE, Code={"ImageUri": uri})
    assert refused(lambda: lam.update_function_code(FunctionName="img", ImageUri=uri,
                                                    S3ObjectStorageMode="REFERENCE")) == NOT_FOR_IMAGES
    # S3 code for an image function is refused as before (the package type first)
    assert refused(lambda: lam.update_function_code(FunctionName="img", S3Bucket=BUCKET, S3Key=KEY,
                                                    S3ObjectStorageMode="REFERENCE"))[:2] == \
        (400, "InvalidParameterValueException")
    assert "ResolvedS3Object" not in lam.get_function(FunctionName="img")["Code"]


def test_reference_needs_versioning_and_a_pinned_object_version(twin):
    """DG "Self-managed S3 code storage": "Enable S3 versioning for the bucket. Lambda requires S3 versioning to
    track which version of your source object to use"; the S3 object version is part of the reference (omitted:
    the key's current version, pinned). Versioning never enabled or Suspended: 400 naming the bucket; a missing
    bucket, key or version: 400 "Error occurred while GetObject. S3 Error Code: …"."""
    quick_updates(twin)
    code_bucket(twin, versioning=None, bucket="plain-code")
    code_bucket(twin, versioning="Suspended", bucket="paused-code")
    s3, first = code_bucket(twin)
    lam = client(twin, "lambda")
    for bucket, status in (("plain-code", "never enabled"), ("paused-code", "Suspended")):
        assert refused(lambda: create(lam, code={"S3Bucket": bucket, "S3Key": KEY,
                                                 "S3ObjectStorageMode": "REFERENCE"})) == \
            (400, "InvalidParameterValueException",
             f"S3ObjectStorageMode REFERENCE needs S3 Versioning enabled on the bucket {bucket} "
             f"(its versioning status: {status}).")
    status, code, message = refused(lambda: create(lam, code={"S3Bucket": "no-such-code", "S3Key": KEY,
                                                              "S3ObjectStorageMode": "REFERENCE"}))
    assert (status, code) == (400, "InvalidParameterValueException") and "S3 Error Code: NoSuchBucket." in message
    status, code, message = refused(lambda: create(lam, code={"S3Bucket": BUCKET, "S3Key": KEY,
                                                              "S3ObjectVersion": "not-a-version",
                                                              "S3ObjectStorageMode": "REFERENCE"}))
    assert (status, code) == (400, "InvalidParameterValueException") and "S3 Error Code: NoSuchVersion." in message

    made = create(lam)  # no S3ObjectVersion: the current one, pinned
    assert made["CodeSha256"] == b64sha256(s3.get_object(Bucket=BUCKET, Key=KEY, VersionId=first)["Body"].read())
    assert lam.get_function(FunctionName="fn")["Code"]["ResolvedS3Object"] == \
        {"S3Bucket": BUCKET, "S3Key": KEY, "S3ObjectVersion": first}
    # a newer upload does not move the function; naming the older version keeps it
    second_zip = make_zip("def handler(e, c):\n    return 'v2'\n")
    second = s3.put_object(Bucket=BUCKET, Key=KEY, Body=second_zip)["VersionId"]
    assert lam.get_function(FunctionName="fn")["Code"]["ResolvedS3Object"]["S3ObjectVersion"] == first
    assert reference(lam, S3ObjectVersion=first)["CodeSha256"] == made["CodeSha256"]
    assert reference(lam)["CodeSha256"] == b64sha256(second_zip)
    assert lam.get_function(FunctionName="fn")["Code"]["ResolvedS3Object"]["S3ObjectVersion"] == second
    # a deleted key: NoSuchKey
    s3.delete_object(Bucket=BUCKET, Key=KEY)  # a delete marker
    status, code, message = refused(lambda: reference(lam))
    assert (status, code) == (400, "InvalidParameterValueException") and "S3 Error Code: NoSuchKey." in message
    # the log: every call signed and verified, S3ObjectStorageMode accepted by the model
    log = [e for e in ctl(twin, "/_twin/requests") if e["service"] in ("s3", "lambda")]
    assert all(e["signed"] and e["signatureVerified"] for e in log)


def test_reference_needs_the_bucket_policy_to_let_lambda_read(twin):
    """DG "Self-managed S3 code storage", Configuring permissions: the bucket policy grants lambda.amazonaws.com
    s3:GetObject and s3:GetObjectVersion on the object (ArnLike aws:SourceArn = the function's ARN in its
    example); IAM "Policy evaluation logic": an explicit Deny wins, otherwise an Allow is needed. Refused with 403
    AccessDeniedException "Your access has been denied by S3, …" (AWS's wording as users report it); nothing is
    created or changed."""
    quick_updates(twin)
    s3, version = code_bucket(twin, statements=())
    lam = client(twin, "lambda")
    put = lambda *statements: s3.put_bucket_policy(  # noqa: E731
        Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    assert refused(lambda: create(lam)) == ACCESS_DENIED  # no bucket policy at all
    only_get = {**LAMBDA_READS, "Action": "s3:GetObject"}
    other_function = {**LAMBDA_READS, "Condition": {"ArnLike": {"aws:SourceArn": FN_ARN + "-other"}}}
    other_principal = {**LAMBDA_READS, "Principal": {"Service": "ec2.amazonaws.com"}}
    other_key = {**LAMBDA_READS, "Resource": f"arn:aws:s3:::{BUCKET}/other.zip"}
    other_account = {**LAMBDA_READS, "Condition": {"StringEquals": {"aws:SourceAccount": "210987654321"}}}
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObjectVersion", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
    for statements in ((only_get,), (other_function,), (other_principal,), (other_key,), (other_account,),
                       (LAMBDA_READS, deny)):
        put(*statements)
        assert refused(lambda: create(lam)) == ACCESS_DENIED, statements
    assert refused(lambda: lam.get_function(FunctionName="fn"))[:2] == (404, "ResourceNotFoundException")

    # wildcards in Action and Resource, the service principal in a list, conditions that hold
    wide = {"Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com", "lambda.amazonaws.com"]},
            "Action": "s3:Get*", "Resource": f"arn:aws:s3:::{BUCKET}/f?.*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"},
                          "ArnLike": {"aws:SourceArn": "arn:aws:lambda:us-east-1:123456789012:function:*"}}}
    put(wide)
    made = create(lam)
    assert lam.get_function(FunctionName="fn")["Code"]["ResolvedS3Object"]["S3ObjectVersion"] == version
    put({**LAMBDA_READS, "Action": "s3:*"}, {**deny, "Resource": f"arn:aws:s3:::{BUCKET}/other/*"})
    reference(lam, S3ObjectVersion=version)
    # UpdateFunctionCode (DryRun too) is checked likewise; nothing changes
    put(other_function)
    before = lam.get_function_configuration(FunctionName="fn")
    for extra in ({}, {"DryRun": True}, {"Publish": True}):
        assert refused(lambda: reference(lam, **extra)) == ACCESS_DENIED
    after = lam.get_function_configuration(FunctionName="fn")
    assert (after["RevisionId"], after["CodeSha256"]) == (before["RevisionId"], made["CodeSha256"])
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="fn")["Versions"]] == ["$LATEST"]


def test_reference_code_may_live_in_another_region(twin):
    """DG "Self-managed S3 code storage", Cross-account and cross-Region usage: "You can create functions and layers
    from source code in S3 buckets in different accounts and in different Regions". COPY code keeps the API
    reference's same-Region rule (test_aws_rules.py::test_code_from_a_bucket_in_another_region_is_refused)."""
    quick_updates(twin)
    s3, version = code_bucket(twin, bucket="eu-code", region="eu-west-1",
                              statements=({**LAMBDA_READS, "Resource": f"arn:aws:s3:::eu-code/{KEY}"},))
    lam = client(twin, "lambda")
    assert refused(lambda: create(lam, code={"S3Bucket": "eu-code", "S3Key": KEY}))[:2] == \
        (400, "InvalidParameterValueException")
    create(lam, code={"S3Bucket": "eu-code", "S3Key": KEY, "S3ObjectStorageMode": "REFERENCE"})
    assert lam.get_function(FunctionName="fn")["Code"]["ResolvedS3Object"] == \
        {"S3Bucket": "eu-code", "S3Key": KEY, "S3ObjectVersion": version}


def test_each_version_keeps_its_referenced_object(twin):
    """API FunctionCodeLocation ResolvedS3Object, GetFunction Code; DG "Lambda function versions" (a version is
    immutable: its code stays); DG "Self-managed S3 code storage" Switching between storage modes (COPY copies,
    REFERENCE references; "If you omit S3ObjectStorageMode, it defaults to COPY")."""
    quick_updates(twin)
    s3, first = code_bucket(twin)
    lam = client(twin, "lambda")
    create(lam, Publish=True)
    for qualifier in ("$LATEST", "1"):
        code = lam.get_function(FunctionName="fn", Qualifier=qualifier)["Code"]
        assert code["RepositoryType"] == "S3" and "Error" not in code
        assert code["ResolvedS3Object"] == {"S3Bucket": BUCKET, "S3Key": KEY, "S3ObjectVersion": first}
    second = s3.put_object(Bucket=BUCKET, Key=KEY, Body=make_zip("def handler(e, c):\n    return 'v2'\n"))["VersionId"]
    assert reference(lam, Publish=True)["Version"] == "2"
    reference(lam, S3ObjectVersion=first)
    assert lam.publish_version(FunctionName="fn")["Version"] == "3"  # PublishVersion freezes it too
    pinned = {"1": first, "2": second, "3": first, "$LATEST": first}
    for qualifier, version in pinned.items():
        assert lam.get_function(FunctionName="fn", Qualifier=qualifier)["Code"]["ResolvedS3Object"]["S3ObjectVersion"] \
            == version
    # COPY (given, or by default): $LATEST has its own copy, the versions keep their references
    lam.update_function_code(FunctionName="fn", S3Bucket=BUCKET, S3Key=KEY, S3ObjectStorageMode="COPY")
    assert "ResolvedS3Object" not in lam.get_function(FunctionName="fn")["Code"]
    reference(lam)
    lam.update_function_code(FunctionName="fn", ZipFile=make_zip("def handler(e, c):\n    return 'zip'\n"))
    assert "ResolvedS3Object" not in lam.get_function(FunctionName="fn")["Code"]
    assert lam.get_function(FunctionName="fn", Qualifier="2")["Code"]["ResolvedS3Object"]["S3ObjectVersion"] == second


def test_code_lost_from_the_bucket_makes_the_version_inactive(twin):
    """DG "Self-managed S3 code storage", Function lifecycle: "If Lambda loses access to the source object for a
    function, the function transitions to the Inactive state. To restore the function, restore access to the source
    object and update the function." GetFunction then says why (Code.Error, the model's FunctionCodeLocationError);
    Invoke fails (502 ResourceNotReadyException, the model's error for an inactive function; the text is the
    twin's); other versions are unaffected."""
    quick_updates(twin)
    s3, first = code_bucket(twin)
    lam = client(twin, "lambda")
    create(lam, Publish=True)
    second = s3.put_object(Bucket=BUCKET, Key=KEY, Body=make_zip("def handler(e, c):\n    return 'v2'\n"))["VersionId"]
    reference(lam, Publish=True)
    assert lam.invoke(FunctionName="fn", Qualifier="1", Payload=b"{}")["StatusCode"] == 200

    s3.delete_object(Bucket=BUCKET, Key=KEY, VersionId=first)
    lost = (f"Lambda cannot read the function's code from Amazon S3 ({BUCKET}/{KEY}, version {first}): NoSuchVersion. "
            "Restore access to the source object and update the function.")
    assert refused(lambda: lam.invoke(FunctionName="fn", Qualifier="1", Payload=b"{}")) == \
        (502, "ResourceNotReadyException", "The function is inactive. " + lost)
    got = lam.get_function(FunctionName="fn", Qualifier="1")
    assert (got["Configuration"]["State"], got["Configuration"]["StateReason"]) == ("Inactive", lost)
    assert got["Code"]["Error"] == {"ErrorCode": "NoSuchVersion", "Message": "Error occurred while GetObject. S3 Error "
                                    "Code: NoSuchVersion. S3 Error Message: The specified version does not exist."}
    assert got["Code"]["ResolvedS3Object"]["S3ObjectVersion"] == first
    assert {v["Version"]: v["State"] for v in lam.list_versions_by_function(FunctionName="fn")["Versions"]} == \
        {"$LATEST": "Active", "1": "Inactive", "2": "Active"}
    assert lam.invoke(FunctionName="fn", Qualifier="2", Payload=b"{}")["StatusCode"] == 200
    assert "Error" not in lam.get_function(FunctionName="fn", Qualifier="2")["Code"]

    # access lost ($LATEST and version 2 reference `second`): Inactive until an update that can read the code
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {**LAMBDA_READS, "Action": "s3:GetObject"}]}))
    assert refused(lambda: lam.invoke(FunctionName="fn", Payload=b"{}"))[:2] == (502, "ResourceNotReadyException")
    latest = lam.get_function(FunctionName="fn")
    assert latest["Configuration"]["State"] == "Inactive"
    assert latest["Code"]["Error"] == {"ErrorCode": "AccessDenied", "Message": ACCESS_DENIED[2]}
    assert lam.get_function_configuration(FunctionName="fn", Qualifier="2")["State"] == "Inactive"
    assert refused(lambda: lam.update_function_configuration(FunctionName="fn", Description="x")) == ACCESS_DENIED
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [LAMBDA_READS]}))
    assert lam.get_function_configuration(FunctionName="fn")["State"] == "Inactive"  # restored access alone: no
    lam.update_function_configuration(FunctionName="fn", Description="restored")
    assert lam.get_function_configuration(FunctionName="fn")["State"] == "Active"
    assert "Error" not in lam.get_function(FunctionName="fn")["Code"]
    assert lam.invoke(FunctionName="fn", Payload=b"{}")["StatusCode"] == 200
    # version 2, seen Inactive, stays so: a published version cannot be updated
    assert lam.get_function_configuration(FunctionName="fn", Qualifier="2")["State"] == "Inactive"
    # new code ends the loss of $LATEST
    s3.delete_object(Bucket=BUCKET, Key=KEY, VersionId=second)
    assert lam.get_function_configuration(FunctionName="fn")["State"] == "Inactive"
    lam.update_function_code(FunctionName="fn", ZipFile=make_zip("def handler(e, c):\n    return 'zip'\n"))
    assert lam.get_function_configuration(FunctionName="fn")["State"] == "Active"


def test_runtime_version_per_function_version(twin):
    """API FunctionConfiguration RuntimeVersionConfig (RuntimeVersionArn `arn:aws:lambda:REGION::runtime:…`); DG
    "Lambda function versions": a version includes "The Lambda runtime identifier and runtime version used by the
    function"; DG "Understanding how Lambda manages runtime version updates": the ARN varies by Region and
    architecture, container images carry their own runtime (no RuntimeVersionConfig)."""
    quick_updates(twin)
    lam = client(twin, "lambda")
    made = create(lam, code={"ZipFile": make_zip("def handler(e, c):\n    return e\n")}, Publish=True)
    default = made["RuntimeVersionConfig"]["RuntimeVersionArn"]
    assert RUNTIME_ARN.match(default)
    arm = create(lam, name="arm", code={"ZipFile": make_zip("x = 1")}, Architectures=["arm64"])
    assert arm["RuntimeVersionConfig"]["RuntimeVersionArn"] != default  # per architecture
    newer = "arn:aws:lambda:us-east-1::runtime:" + "ab" * 32
    assert ctl(twin, "/_twin/runtime-version", {"function": "fn", "runtimeVersionArn": newer}) == \
        {"function": "fn", "region": "us-east-1", "runtime": "python3.12", "runtimeVersionArn": newer, "default": False}
    for read in (lambda: lam.get_function(FunctionName="fn")["Configuration"],
                 lambda: lam.get_function_configuration(FunctionName="fn")):
        assert read()["RuntimeVersionConfig"] == {"RuntimeVersionArn": newer}
    assert lam.get_function_configuration(FunctionName="fn", Qualifier="1")["RuntimeVersionConfig"] == \
        {"RuntimeVersionArn": default}
    lam.update_function_code(FunctionName="fn", ZipFile=make_zip("def handler(e, c):\n    return 2\n"))
    assert lam.publish_version(FunctionName="fn")["RuntimeVersionConfig"] == {"RuntimeVersionArn": newer}
    newest = "arn:aws:lambda:us-east-1::runtime:" + "cd" * 32
    ctl(twin, "/_twin/runtime-version", {"function": "fn", "runtimeVersionArn": newest})
    listed = {v["Version"]: v["RuntimeVersionConfig"]["RuntimeVersionArn"]
              for v in lam.list_versions_by_function(FunctionName="fn")["Versions"]}
    assert listed == {"$LATEST": newest, "1": default, "2": newer}
    assert ctl(twin, "/_twin/runtime-version", {"function": "fn", "runtimeVersionArn": None})["runtimeVersionArn"] == \
        default
    # another runtime: its own default; an image function has none
    changed = lam.update_function_configuration(FunctionName="fn", Runtime="python3.13")
    assert RUNTIME_ARN.match(changed["RuntimeVersionConfig"]["RuntimeVersionArn"])
    assert changed["RuntimeVersionConfig"]["RuntimeVersionArn"] != default
    image = ctl(twin, "/_twin/seed-image", {"repository": "app", "tag": "v1"})
    lam.create_function(FunctionName="img", PackageType="Image", Role=ROLE,
                        Code={"ImageUri": image["repositoryUri"] + ":v1"})
    assert "RuntimeVersionConfig" not in lam.get_function_configuration(FunctionName="img")
    # the control route's refusals
    for body in ({"function": "fn", "runtimeVersionArn": "arn:aws:lambda:us-east-1::runtime:abc"},
                 {"function": "fn", "runtimeVersionArn": "arn:aws:lambda:eu-west-1::runtime:" + "ab" * 32},
                 {"function": "fn", "runtimeVersionArn": "arn:aws:lambda:us-east-1::runtime:" + "AB" * 32},
                 {"function": "fn"}, {"function": "fn", "runtimeVersionArn": newer, "version": "1"},
                 {"function": "img", "runtimeVersionArn": newer}):
        assert control_refusal(twin, "/_twin/runtime-version", body)[0] == 400, body
    assert control_refusal(twin, "/_twin/runtime-version", {"function": "ghost", "runtimeVersionArn": newer})[0] == 404


def test_bucket_calls_pass_through_unchanged(twin):
    """The S3 calls self-managed code storage rests on answer as S3 does (S3 API reference
    PutBucketLifecycleConfiguration / GetBucketLifecycleConfiguration, GetBucketPolicy, GetBucketVersioning,
    GetBucketLocation, ListObjectVersions, DeleteObject with versionId), SigV4-checked like every S3 call."""
    s3, first = code_bucket(twin)
    second = s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"second")["VersionId"]
    rules = [{"ID": "old-code", "Status": "Enabled", "Filter": {"Prefix": "fn"},
              "NoncurrentVersionExpiration": {"NoncurrentDays": 30}, "Expiration": {"Days": 365}}]
    s3.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={"Rules": rules})
    got = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert [{k: r[k] for k in ("ID", "Status", "Filter", "NoncurrentVersionExpiration", "Expiration")} for r in got] \
        == rules
    assert json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"] == [LAMBDA_READS]
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    assert s3.get_bucket_location(Bucket=BUCKET)["LocationConstraint"] is None  # us-east-1
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix=KEY)["Versions"]
    assert [(v["VersionId"], v["IsLatest"]) for v in versions] == [(second, True), (first, False)]
    deleted = s3.delete_object(Bucket=BUCKET, Key=KEY, VersionId=first)
    assert (deleted["ResponseMetadata"]["HTTPStatusCode"], deleted["VersionId"]) == (204, first)
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=BUCKET, Prefix=KEY)["Versions"]] == [second]
    error = refused(lambda: s3.get_object(Bucket=BUCKET, Key=KEY, VersionId=first))
    assert error[:2] == (404, "NoSuchVersion")
    s3.create_bucket(Bucket="no-policy")
    assert refused(lambda: s3.get_bucket_policy(Bucket="no-policy"))[:2] == (404, "NoSuchBucketPolicy")
    operations = [e["operation"] for e in ctl(twin, "/_twin/requests") if e["service"] == "s3"]
    for operation in ("PutBucketLifecycleConfiguration", "GetBucketLifecycleConfiguration", "GetBucketPolicy",
                      "GetBucketVersioning", "GetBucketLocation", "ListObjectVersions", "DeleteObject"):
        assert operation in operations
    assert all(e["signed"] and e["signatureVerified"] for e in ctl(twin, "/_twin/requests") if e["service"] == "s3")
