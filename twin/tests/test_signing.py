"""Signed code (README "Rules": Signer and Lambda code signing), each rule proved with boto3 against a
running twin, and the /_twin/signing-profile, /_twin/code-signing and /_twin/signer control routes."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sys
import urllib.error
import urllib.request
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_aws_rules import loose, refused  # noqa: E402
from test_twin import (_tamper_signature, b64sha256, client, ctl, fresh, make_zip,  # noqa: E402,F401
                       seed, twin)

ACCOUNT = "123456789012"
VERIFICATION_FAILED = ("Lambda cannot deploy the function. The function or layer might be signed using a signature "
                       "that the client is not configured to accept. Check the provided signature for {}.")


def ctl_error(twin, path, body):
    req = urllib.request.Request(twin["endpoint"] + path, data=json.dumps(body).encode(), method="POST")
    try:
        urllib.request.urlopen(req, timeout=30)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    raise AssertionError("the control route accepted it")


def code_bucket(twin, bucket="code", region="us-east-1", versioned=True):
    s3 = loose(twin, "s3", region=region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return s3


def upload(s3, body, bucket="code", key="app.zip"):
    return s3.put_object(Bucket=bucket, Key=key, Body=body).get("VersionId")


def start(signer, version, profile="prof", bucket="code", key="app.zip", dest="code", prefix="signed/", **extra):
    return signer.start_signing_job(source={"s3": {"bucketName": bucket, "key": key, "version": version}},
                                    destination={"s3": {"bucketName": dest, "prefix": prefix}},
                                    profileName=profile, **extra)["jobId"]


def finish(signer, job_id):
    for _ in range(10):
        job = signer.describe_signing_job(jobId=job_id)
        if job["status"] != "InProgress":
            return job
    raise AssertionError("the job never finished")


def signed_code(twin, text="def handler(e, c):\n    return e\n", profile="prof", key="app.zip"):
    """(signed bytes, signed object version, job) of `text` zipped, signed with `profile`."""
    s3, signer = loose(twin, "s3"), loose(twin, "signer")
    job = finish(signer, start(signer, upload(s3, make_zip(text), key=key), profile=profile, key=key))
    assert job["status"] == "Succeeded", job
    got = s3.get_object(Bucket="code", Key=job["signedObject"]["s3"]["key"])
    return got["Body"].read(), got["VersionId"], job


def signing_fields(config):
    return {k: config.get(k) for k in ("SigningProfileVersionArn", "SigningJobArn")}


# Signer through the proxy -------------------------------------------------------------------

def test_signer_is_signed_and_shape_checked(twin):
    """Signer speaks REST-JSON (signing name signer): SigV4-checked, shapes checked against botocore's
    signer model (400 ValidationException)."""
    profile = ctl(twin, "/_twin/signing-profile", {"name": "prof"})
    signer = client(twin, "signer")
    assert signer.get_signing_profile(profileName="prof")["profileVersionArn"] == profile["profileVersionArn"]
    log = ctl(twin, "/_twin/requests")
    assert [(e["service"], e["operation"], e["signatureVerified"], e["mutating"]) for e in log] == [
        ("signer", "GetSigningProfile", True, False)]

    tampered = client(twin, "signer")
    tampered.meta.events.register("before-send", _tamper_signature)
    status, code, message = refused(lambda: tampered.get_signing_profile(profileName="prof"))
    assert (status, code) == (403, "InvalidSignatureException")
    assert "The Canonical String for this request should have been" in message

    lax = loose(twin, "signer")
    status, code, message = refused(lambda: lax.get_signing_profile(profileName="no-dashes"))
    assert (status, code) == (400, "ValidationException")
    assert message == ("1 validation error detected: Value 'no-dashes' at 'profileName' failed to satisfy "
                       "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_]{2,}")
    status, code, message = refused(lambda: lax.start_signing_job(
        source={"s3": {"bucketName": "code", "key": "app.zip"}}, destination={"s3": {"bucketName": "code"}},
        profileName="prof"))
    assert (status, code) == (400, "ValidationException") and "'source.s3.version'" in message
    assert "Member must not be null" in message


def test_signing_profiles(twin):
    """GetSigningProfile answers the profile the control route put (platform AWSLambda-SHA384-ECDSA);
    a missing one is 404 ResourceNotFoundException (moto 5.2.1: 500); Canceled and Revoked show."""
    made = ctl(twin, "/_twin/signing-profile", {"name": "prof"})
    arn = f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-profiles/prof"
    assert made["arn"] == arn and made["profileVersionArn"] == f"{arn}/{made['profileVersion']}"
    assert len(made["profileVersion"]) == 10 and made["profileVersion"].isalnum()
    signer = client(twin, "signer")
    got = signer.get_signing_profile(profileName="prof")
    assert {k: got[k] for k in ("profileName", "profileVersion", "profileVersionArn", "arn", "platformId",
                                "status")} == {
        "profileName": "prof", "profileVersion": made["profileVersion"], "profileVersionArn": made["profileVersionArn"],
        "arn": arn, "platformId": "AWSLambda-SHA384-ECDSA", "status": "Active"}
    assert refused(lambda: signer.get_signing_profile(profileName="nope")) == \
        (404, "ResourceNotFoundException", "profile with name nope does not exist")

    assert ctl(twin, "/_twin/signing-profile", {"name": "gone", "status": "Canceled"})["status"] == "Canceled"
    assert signer.get_signing_profile(profileName="gone")["status"] == "Canceled"
    revoked = ctl(twin, "/_twin/signing-profile", {"name": "bad", "status": "Revoked"})
    assert signer.get_signing_profile(profileName="bad")["status"] == "Revoked"
    # RevokeSigningProfile through the API does the same to a profile version
    signer.revoke_signing_profile(profileName="prof", profileVersion=made["profileVersion"], reason="key leaked",
                                  effectiveTime=0)
    assert signer.get_signing_profile(profileName="prof")["status"] == "Revoked"
    # eu-west-1 has its own profiles
    ctl(twin, "/_twin/signing-profile", {"name": "eu", "region": "eu-west-1"})
    assert refused(lambda: signer.get_signing_profile(profileName="eu"))[:2] == (404, "ResourceNotFoundException")
    assert revoked["profileVersionArn"].startswith(f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-profiles/bad/")
    assert ctl_error(twin, "/_twin/signing-profile", {"name": "a-b"})[0] == 400
    assert ctl_error(twin, "/_twin/signing-profile", {"name": "ok", "status": "Dead"})[0] == 400


def test_start_signing_job_refusals(twin):
    """StartSigningJob: a missing profile 404; a Canceled or Revoked one 400 ValidationException; the
    source bucket versioned and in the profile's region (400); a missing source version, bucket or
    destination bucket 404. Nothing is written."""
    ctl(twin, "/_twin/signing-profile", {"name": "prof"})
    ctl(twin, "/_twin/signing-profile", {"name": "gone", "status": "Canceled"})
    ctl(twin, "/_twin/signing-profile", {"name": "bad", "status": "Revoked"})
    s3, signer = code_bucket(twin), loose(twin, "signer")
    version = upload(s3, make_zip("x"))
    assert refused(lambda: start(signer, version, profile="nope")) == \
        (404, "ResourceNotFoundException", "profile with name nope does not exist")
    assert refused(lambda: start(signer, version, profile="gone")) == \
        (400, "ValidationException", "The signing profile gone is Canceled and cannot perform new signing jobs.")
    assert refused(lambda: start(signer, version, profile="bad"))[:2] == (400, "ValidationException")
    missing = "3HL4kqtJvjVBH40Nrjfkd"
    assert refused(lambda: start(signer, missing)) == (
        404, "ResourceNotFoundException", f"The source object s3://code/app.zip (version {missing}) does not exist.")
    assert refused(lambda: start(signer, version, bucket="nobucket"))[:2] == (404, "ResourceNotFoundException")
    assert refused(lambda: start(signer, version, dest="nodest")) == \
        (404, "ResourceNotFoundException", "The destination bucket nodest does not exist.")
    plain = code_bucket(twin, "plain", versioned=False)
    upload(plain, make_zip("x"), bucket="plain")
    status, code, message = refused(lambda: start(signer, "null", bucket="plain"))
    assert (status, code) == (400, "ValidationException") and "must be version enabled" in message
    code_bucket(twin, "eucode", region="eu-west-1")
    status, code, message = refused(lambda: start(signer, version, dest="eucode"))
    assert (status, code) == (400, "ValidationException") and "Cross-Region signing isn't supported." in message
    listed = s3.list_object_versions(Bucket="code").get("Versions", [])
    assert [v["Key"] for v in listed] == ["app.zip"]  # no signed object anywhere


def test_signing_job_lifecycle_and_signed_object(twin):
    """DescribeSigningJob: InProgress for inProgressPolls calls (default 1), then Succeeded with the
    signed object at prefix + jobId + ".zip": a new S3 version, a valid zip with the same entries and
    other bytes. clientRequestToken is idempotent."""
    ctl(twin, "/_twin/signing-profile", {"name": "prof"})
    s3, signer = code_bucket(twin), client(twin, "signer")
    source = make_zip("def handler(e, c):\n    return e\n")
    version = upload(s3, source)
    job_id = start(signer, version)
    first = signer.describe_signing_job(jobId=job_id)
    assert first["status"] == "InProgress" and "signedObject" not in first and "completedAt" not in first
    assert s3.list_objects_v2(Bucket="code", Prefix="signed/").get("KeyCount") == 0
    done = signer.describe_signing_job(jobId=job_id)
    key = f"signed/{job_id}.zip"
    assert {k: done[k] for k in ("jobId", "status", "statusReason", "signedObject", "profileName", "platformId",
                                 "source", "jobOwner", "jobInvoker")} == {
        "jobId": job_id, "status": "Succeeded", "statusReason": "Signing Succeeded",
        "signedObject": {"s3": {"bucketName": "code", "key": key}}, "profileName": "prof",
        "platformId": "AWSLambda-SHA384-ECDSA", "source": {"s3": {"bucketName": "code", "key": "app.zip",
                                                                  "version": version}},
        "jobOwner": ACCOUNT, "jobInvoker": ACCOUNT}
    assert done["profileVersion"] == signer.get_signing_profile(profileName="prof")["profileVersion"]
    got = s3.get_object(Bucket="code", Key=key)
    signed = got["Body"].read()
    assert got["VersionId"] not in (None, "null", version)
    assert signed != source and hashlib.sha256(signed).digest() != hashlib.sha256(source).digest()
    with zipfile.ZipFile(io.BytesIO(signed)) as archive:
        assert archive.testzip() is None and archive.namelist() == ["app.py"]
        assert archive.read("app.py") == b"def handler(e, c):\n    return e\n"
    assert signer.describe_signing_job(jobId=job_id)["status"] == "Succeeded"  # stays so

    # knob: more InProgress polls; the same clientRequestToken answers the same job
    ctl(twin, "/_twin/signer", {"inProgressPolls": 3})
    again = signer.start_signing_job(source={"s3": {"bucketName": "code", "key": "app.zip", "version": version}},
                                     destination={"s3": {"bucketName": "code", "prefix": "p/"}},
                                     profileName="prof", clientRequestToken="tok-1")["jobId"]
    assert signer.start_signing_job(source={"s3": {"bucketName": "code", "key": "app.zip", "version": version}},
                                    destination={"s3": {"bucketName": "code", "prefix": "p/"}},
                                    profileName="prof", clientRequestToken="tok-1")["jobId"] == again
    assert [signer.describe_signing_job(jobId=again)["status"] for _ in range(4)] == \
        ["InProgress"] * 3 + ["Succeeded"]
    assert refused(lambda: signer.describe_signing_job(jobId="no-such-job"))[:2] == (404, "ResourceNotFoundException")
    assert ctl_error(twin, "/_twin/signer", {"inProgressPolls": -1})[0] == 400


def test_signing_jobs_that_fail(twin):
    """A job scripted to fail, or whose zip is empty, malformed or already signed, ends Failed with a
    statusReason and writes nothing (Signer DG "Signing jobs for Lambda")."""
    ctl(twin, "/_twin/signing-profile", {"name": "prof"})
    s3, signer = code_bucket(twin), client(twin, "signer")
    version = upload(s3, make_zip("x"))
    assert ctl(twin, "/_twin/signer", {"failNextJob": "Signing failed: scripted"})["failNextJob"] == \
        "Signing failed: scripted"
    failed = finish(signer, start(signer, version))
    assert (failed["status"], failed["statusReason"]) == ("Failed", "Signing failed: scripted")
    assert "signedObject" not in failed
    assert finish(signer, start(signer, version))["status"] == "Succeeded"  # one-shot
    for body, reason in ((b"", "Signing failed: the source file is empty."),
                         (b"not a zip", "Signing failed: the source file is not a valid zip file.")):
        job = finish(signer, start(signer, upload(s3, body, key="odd.zip"), key="odd.zip"))
        assert (job["status"], job["statusReason"]) == ("Failed", reason)
    signed, signed_version, _ = signed_code(twin)
    job = finish(signer, start(signer, upload(s3, signed, key="again.zip"), key="again.zip"))
    assert (job["status"], job["statusReason"]) == ("Failed", "Signing failed: the source file already has a signature.")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="code", Prefix="signed/")["Contents"]]
    assert len(keys) == 2  # the two jobs that succeeded


# Lambda code signing ----------------------------------------------------------------------------

def test_function_code_signing_config(twin):
    """GetFunctionCodeSigningConfig: "" without a config (moto: null), the ARN with one;
    GetCodeSigningConfig; CreateCodeSigningConfig / PutFunctionCodeSigningConfig through the API."""
    seed(twin, alias=None)
    lam = client(twin, "lambda")
    none = lam.get_function_code_signing_config(FunctionName="fn")
    assert (none["CodeSigningConfigArn"], none["FunctionName"]) == ("", "fn")
    profile = ctl(twin, "/_twin/signing-profile", {"name": "prof"})["profileVersionArn"]
    made = ctl(twin, "/_twin/code-signing", {"function": "fn", "profileVersionArns": [profile], "policy": "Enforce"})
    arn = made["codeSigningConfigArn"]
    assert arn.startswith(f"arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-") and len(arn.split(":")[-1]) == 21
    assert lam.get_function_code_signing_config(FunctionName="fn")["CodeSigningConfigArn"] == arn
    config = lam.get_code_signing_config(CodeSigningConfigArn=arn)["CodeSigningConfig"]
    assert {k: config[k] for k in ("CodeSigningConfigArn", "CodeSigningConfigId", "AllowedPublishers",
                                   "CodeSigningPolicies")} == {
        "CodeSigningConfigArn": arn, "CodeSigningConfigId": made["codeSigningConfigId"],
        "AllowedPublishers": {"SigningProfileVersionArns": [profile]},
        "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": "Enforce"}}
    missing = arn[:-17] + "a" * 17
    assert refused(lambda: lam.get_code_signing_config(CodeSigningConfigArn=missing))[:2] == \
        (404, "ResourceNotFoundException")

    # the API path: CreateCodeSigningConfig (default policy Warn), PutFunctionCodeSigningConfig
    warn = lam.create_code_signing_config(AllowedPublishers={"SigningProfileVersionArns": [profile]})
    assert warn["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert warn["CodeSigningConfig"]["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Warn"}
    warn_arn = warn["CodeSigningConfig"]["CodeSigningConfigArn"]
    assert lam.put_function_code_signing_config(FunctionName="fn", CodeSigningConfigArn=warn_arn)[
        "CodeSigningConfigArn"] == warn_arn
    assert lam.get_function_code_signing_config(FunctionName="fn")["CodeSigningConfigArn"] == warn_arn
    assert refused(lambda: lam.put_function_code_signing_config(FunctionName="fn", CodeSigningConfigArn=missing))[:2] \
        == (404, "CodeSigningConfigNotFoundException")
    assert refused(lambda: lam.get_function_code_signing_config(FunctionName="nofn"))[:2] == \
        (404, "ResourceNotFoundException")
    lam.delete_function_code_signing_config(FunctionName="fn")
    assert lam.get_function_code_signing_config(FunctionName="fn")["CodeSigningConfigArn"] == ""
    assert ctl_error(twin, "/_twin/code-signing", {"function": "nofn", "profileVersionArns": [profile],
                                                   "policy": "Enforce"})[0] == 404
    assert ctl_error(twin, "/_twin/code-signing", {"function": "fn", "profileVersionArns": [profile],
                                                   "policy": "Block"})[0] == 400


def test_enforce_refuses_code_that_is_not_signed_by_an_allowed_profile(twin):
    """Enforce: unsigned code, code signed by a profile version not in AllowedPublishers, or by a revoked
    one → 400 CodeVerificationFailedException; a signed zip modified since → 400
    InvalidCodeSignatureException (Warn too). Nothing changes."""
    config, _ = seed(twin, alias=None)
    ctl(twin, "/_twin/lambda", {"updatePolls": 0})
    allowed = ctl(twin, "/_twin/signing-profile", {"name": "prof"})
    ctl(twin, "/_twin/signing-profile", {"name": "other"})
    ctl(twin, "/_twin/code-signing", {"function": "fn", "profileVersionArns": [allowed["profileVersionArn"]],
                                      "policy": "Enforce"})
    s3, lam = code_bucket(twin), loose(twin, "lambda")
    unsigned = make_zip("def handler(e, c):\n    return 'unsigned'\n")
    unsigned_version = upload(s3, unsigned, key="unsigned.zip")
    foreign, foreign_version, _ = signed_code(twin, "foreign", profile="other", key="foreign.zip")
    failed = (400, "CodeVerificationFailedException", VERIFICATION_FAILED.format("fn"))
    assert refused(lambda: lam.update_function_code(FunctionName="fn", S3Bucket="code", S3Key="unsigned.zip",
                                                    S3ObjectVersion=unsigned_version)) == failed
    assert refused(lambda: lam.update_function_code(FunctionName="fn", S3Bucket="code", S3Key="unsigned.zip")) == failed
    assert refused(lambda: lam.update_function_code(FunctionName="fn", ZipFile=unsigned)) == failed
    foreign_key = [o["Key"] for o in s3.list_objects_v2(Bucket="code", Prefix="signed/")["Contents"]][0]
    assert refused(lambda: lam.update_function_code(FunctionName="fn", S3Bucket="code", S3Key=foreign_key,
                                                    S3ObjectVersion=foreign_version)) == failed
    assert refused(lambda: lam.update_function_code(FunctionName="fn", ZipFile=unsigned, DryRun=True)) == failed

    # a signed package changed after signing (its signature block kept): integrity, Warn or Enforce
    signed, _, _ = signed_code(twin, "good", key="good.zip")
    with zipfile.ZipFile(io.BytesIO(signed)) as archive:
        comment = archive.comment
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(zipfile.ZipInfo("app.py", (1980, 1, 1, 0, 0, 0)), "evil")
        archive.comment = comment
    integrity = (400, "InvalidCodeSignatureException", "The code signature failed the integrity check.")
    assert refused(lambda: lam.update_function_code(FunctionName="fn", ZipFile=buf.getvalue())) == integrity

    # the allowed profile's version revoked: its signatures no longer pass
    loose(twin, "signer").revoke_signing_profile(profileName="prof", profileVersion=allowed["profileVersion"],
                                                 reason="compromised", effectiveTime=0)
    assert refused(lambda: lam.update_function_code(FunctionName="fn", ZipFile=signed)) == failed

    now = lam.get_function_configuration(FunctionName="fn")
    assert (now["CodeSha256"], now["RevisionId"]) == (config["CodeSha256"], config["RevisionId"])
    assert signing_fields(now) == {"SigningProfileVersionArn": None, "SigningJobArn": None}

    # Warn: unsigned code deploys (as unsigned); a modified signed package still does not
    ctl(twin, "/_twin/code-signing", {"function": "fn", "profileVersionArns": [allowed["profileVersionArn"]],
                                      "policy": "Warn"})
    assert refused(lambda: lam.update_function_code(FunctionName="fn", ZipFile=buf.getvalue())) == integrity
    warned = lam.update_function_code(FunctionName="fn", ZipFile=unsigned)
    assert warned["CodeSha256"] == b64sha256(unsigned)
    assert signing_fields(warned) == {"SigningProfileVersionArn": None, "SigningJobArn": None}


def test_signed_code_deploys_and_versions_keep_its_signature(twin):
    """Enforce accepts an object a Signer job made with an allowed profile version: CodeSha256 is the
    signed object's SHA-256; $LATEST and versions published from it show SigningProfileVersionArn and
    SigningJobArn (GetFunction, GetFunctionConfiguration, ListVersionsByFunction)."""
    seed(twin, alias=None)
    ctl(twin, "/_twin/lambda", {"updatePolls": 0})
    profile = ctl(twin, "/_twin/signing-profile", {"name": "prof"})
    ctl(twin, "/_twin/code-signing", {"function": "fn", "profileVersionArns": [profile["profileVersionArn"]],
                                      "policy": "Enforce"})
    code_bucket(twin)
    signed, signed_version, job = signed_code(twin, "v2")
    job_arn = f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-jobs/{job['jobId']}"
    expected = {"SigningProfileVersionArn": profile["profileVersionArn"], "SigningJobArn": job_arn}
    lam = client(twin, "lambda")
    updated = lam.update_function_code(FunctionName="fn", S3Bucket="code", S3Key=job["signedObject"]["s3"]["key"],
                                       S3ObjectVersion=signed_version)
    assert updated["CodeSha256"] == b64sha256(signed) == base64.b64encode(hashlib.sha256(signed).digest()).decode()
    assert signing_fields(updated) == expected
    assert signing_fields(lam.get_function_configuration(FunctionName="fn")) == expected
    assert signing_fields(lam.get_function(FunctionName="fn")["Configuration"]) == expected
    published = lam.publish_version(FunctionName="fn")
    assert signing_fields(published) == expected
    assert signing_fields(lam.get_function(FunctionName="fn", Qualifier=published["Version"])["Configuration"]) == expected

    # the same signed bytes as ZipFile pass too (the signature travels with the package)
    assert signing_fields(lam.update_function_code(FunctionName="fn", ZipFile=signed)) == expected
    # a second signed package with Publish: the new version carries its own job
    signed3, version3, job3 = signed_code(twin, "v3", key="v3.zip")
    v3 = lam.update_function_code(FunctionName="fn", S3Bucket="code", S3Key=job3["signedObject"]["s3"]["key"],
                                  S3ObjectVersion=version3, Publish=True)
    assert v3["Version"] == "2" and v3["SigningJobArn"].endswith(job3["jobId"])
    # Warn and unsigned code: $LATEST loses the fields, published versions keep theirs
    ctl(twin, "/_twin/code-signing", {"function": "fn", "profileVersionArns": [profile["profileVersionArn"]],
                                      "policy": "Warn"})
    lam.update_function_code(FunctionName="fn", ZipFile=make_zip("plain"))
    assert signing_fields(lam.get_function_configuration(FunctionName="fn")) == \
        {"SigningProfileVersionArn": None, "SigningJobArn": None}
    listed = {v["Version"]: signing_fields(v) for v in lam.list_versions_by_function(FunctionName="fn")["Versions"]}
    assert listed["1"] == expected and listed["2"]["SigningJobArn"].endswith(job3["jobId"])
