"""The twin, end to end: twin.py as a subprocess, boto3 (botocore signs,
the twin verifies) and raw sockets against its proxy and metadata ports."""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from urllib.parse import urlsplit

import boto3
import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, ConnectionClosedError

TWIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(TWIN_DIR))  # the repository root, where the package twin is

from twin.sigv4_reference import compute_signature  # noqa: E402

AKID = "AKIDTWINEXAMPLE0001"
SECRET = "twin/Secret+Key/EXAMPLE0001"
REGION = "us-east-1"
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)


# Fixtures and helpers ------------------------------------------------------------

@pytest.fixture(scope="module")
def twin():
    with tempfile.TemporaryDirectory() as tmp:
        ready = os.path.join(tmp, "ready.json")
        proc = subprocess.Popen([sys.executable, os.path.join(TWIN_DIR, "twin.py"), "--ready-file", ready,
                                 "--parent-pid", str(os.getpid())],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 60
        while not os.path.exists(ready):
            if proc.poll() is not None:
                raise RuntimeError(f"twin exited {proc.returncode}: {proc.stderr.read().decode()}")
            if time.time() > deadline:
                proc.kill()
                raise RuntimeError("twin did not become ready")
            time.sleep(0.05)
        with open(ready) as f:
            info = json.load(f)
        assert info["pid"] == proc.pid
        for key in ("endpoint", "metadata", "moto"):
            assert urlsplit(info[key]).hostname == "127.0.0.1"
        yield info
        os.kill(info["pid"], signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        stdout, stderr = proc.communicate()
        assert stdout == b""  # quiet without --verbose
        assert stderr == b"", "twin stderr:\n" + stderr.decode()


@pytest.fixture(autouse=True)
def fresh(twin):
    ctl(twin, "/_twin/reset", {})


def ctl(twin, path, body=None, base="endpoint"):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(twin[base] + path, data=data, method="GET" if body is None else "POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def client(twin, service, akid=AKID, secret=SECRET, token=None, config=NO_RETRY):
    return boto3.client(service, endpoint_url=twin["endpoint"], region_name=REGION,
                        aws_access_key_id=akid, aws_secret_access_key=secret,
                        aws_session_token=token, config=config)


def error_of(exc):
    """(status, code, message) of a ClientError or a pytest.raises ExceptionInfo."""
    err = getattr(exc, "value", exc).response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"].get("Message", "")


def raw_request(twin, method, target, service, body=b"", headers=(), *, amz_date=None,
                akid=AKID, secret=SECRET, body_sent=None, content_sha=None):
    """Sign with the reference signer, send with http.client; (status, headers, body)."""
    host = urlsplit(twin["endpoint"]).netloc
    amz_date = amz_date or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    hdrs = [("Host", host), ("X-Amz-Date", amz_date)] + list(headers)
    if service == "s3":
        hdrs.append(("x-amz-content-sha256", content_sha or hashlib.sha256(body).hexdigest()))
    signed = sorted({n.lower() for n, _ in hdrs})
    result = compute_signature(method=method, url=f"http://{host}{target}", headers=hdrs, body=body,
                               service=service, region=REGION, access_key_id=akid,
                               secret_access_key=secret, session_token=None, amz_date=amz_date,
                               signed_headers=signed)
    hdrs.append(("Authorization", f"AWS4-HMAC-SHA256 Credential={akid}/{amz_date[:8]}/{REGION}/"
                                  f"{service}/aws4_request, SignedHeaders={';'.join(signed)}, "
                                  f"Signature={result.signature}"))
    conn = http.client.HTTPConnection(host, timeout=30)
    conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    for name, value in hdrs:
        conn.putheader(name, value)
    payload = body if body_sent is None else body_sent
    conn.putheader("Content-Length", str(len(payload)))
    conn.endheaders(payload)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def make_zip(text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(zipfile.ZipInfo("app.py", (1980, 1, 1, 0, 0, 0)), text)
    return buf.getvalue()


def b64sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def seed(twin, name="fn", alias="live", code="def handler(e, c):\n    return e\n"):
    zip_bytes = make_zip(code)
    config = ctl(twin, "/_twin/seed-function", {"name": name, "runtime": "python3.12",
                                                "handler": "app.handler", "alias": alias,
                                                "zipBase64": base64.b64encode(zip_bytes).decode()})
    return config, zip_bytes


def wait_successful(lam, name="fn"):
    for _ in range(10):
        config = lam.get_function_configuration(FunctionName=name)
        if config["LastUpdateStatus"] != "InProgress":
            return config
    raise AssertionError("update never finished")


def publish_new_version(lam, twin, text):
    lam.update_function_code(FunctionName="fn", ZipFile=make_zip(text))
    wait_successful(lam)
    return lam.publish_version(FunctionName="fn")


# Signature verification -----------------------------------------------------------

def test_botocore_signed_requests_pass_and_are_recorded(twin):
    s3 = client(twin, "s3")
    s3.create_bucket(Bucket="twin-bucket")
    s3.put_object(Bucket="twin-bucket", Key="dir/with space/ünï.zip", Body=b"payload")
    assert s3.get_object(Bucket="twin-bucket", Key="dir/with space/ünï.zip")["Body"].read() == b"payload"
    listed = s3.list_objects_v2(Bucket="twin-bucket", Prefix="dir/", Delimiter="/")
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["dir/with space/"]
    seed(twin)
    lam = client(twin, "lambda")
    assert lam.get_function(FunctionName="fn")["Configuration"]["FunctionName"] == "fn"
    assert client(twin, "sts").get_caller_identity()["Account"] == "123456789012"
    cw = client(twin, "cloudwatch")
    cw.put_metric_data(Namespace="Twin", MetricData=[{"MetricName": "M", "Value": 1.0}])
    assert cw.describe_alarms()["MetricAlarms"] == []

    log = ctl(twin, "/_twin/requests")
    seen = [(e["service"], e["operation"], e["status"], e["mutating"]) for e in log]
    assert seen == [
        ("s3", "CreateBucket", 200, True), ("s3", "PutObject", 200, True),
        ("s3", "GetObject", 200, False), ("s3", "ListObjectsV2", 200, False),
        ("lambda", "GetFunction", 200, False), ("sts", "GetCallerIdentity", 200, False),
        ("monitoring", "PutMetricData", 200, True), ("monitoring", "DescribeAlarms", 200, False),
    ]
    assert all(e["signed"] and e["signatureVerified"] and e["accessKeyId"] == AKID for e in log)
    assert all(e["region"] == REGION for e in log)  # the credential scope's region
    assert all(e["headers"]["authorization"] == "<omitted>" for e in log)
    put = log[1]
    assert put["path"] == "/twin-bucket/dir/with%20space/%C3%BCn%C3%AF.zip"
    assert put["headers"]["x-amz-content-sha256"] == hashlib.sha256(b"payload").hexdigest()
    assert log[3]["query"].startswith("list-type=2")
    assert log[7]["headers"]["x-amz-target"] == "GraniteServiceVersion20100801.DescribeAlarms"
    ctl(twin, "/_twin/requests/clear", {})
    assert ctl(twin, "/_twin/requests") == []


def _tamper_signature(request, **kwargs):
    auth = request.headers["Authorization"]
    if isinstance(auth, bytes):
        auth = auth.decode()
    last = auth[-1]
    request.headers["Authorization"] = auth[:-1] + ("0" if last != "0" else "1")


@pytest.mark.parametrize("service,call,status,code", [
    ("lambda", lambda c: c.list_functions(), 403, "InvalidSignatureException"),
    ("sts", lambda c: c.get_caller_identity(), 403, "SignatureDoesNotMatch"),
    ("s3", lambda c: c.list_buckets(), 403, "SignatureDoesNotMatch"),
    ("cloudwatch", lambda c: c.describe_alarms(), 403, "InvalidSignatureException"),
])
def test_tampered_signature_is_rejected(twin, service, call, status, code):
    c = client(twin, service)
    c.meta.events.register("before-send", _tamper_signature)
    with pytest.raises(ClientError) as exc:
        call(c)
    got_status, got_code, message = error_of(exc)
    assert (got_status, got_code) == (status, code)
    if service == "s3":
        assert exc.value.response["Error"]["CanonicalRequest"].startswith("GET\n/\n")
    else:
        assert "The Canonical String for this request should have been" in message
        assert "AWS4-HMAC-SHA256" in message  # the string to sign
    entry = ctl(twin, "/_twin/requests")[-1]
    assert (entry["signed"], entry["signatureVerified"], entry["status"]) == (True, False, status)


def test_tampered_body_is_rejected(twin):
    seed(twin)
    lam = client(twin, "lambda")

    def tamper(request, **kwargs):
        request.body = request.body.replace(b'"Description": "aaa"', b'"Description": "bbb"')

    lam.meta.events.register("before-send.lambda.UpdateAlias", tamper)
    with pytest.raises(ClientError) as exc:
        lam.update_alias(FunctionName="fn", Name="live", Description="aaa")
    assert error_of(exc)[:2] == (403, "InvalidSignatureException")
    assert client(twin, "lambda").get_alias(FunctionName="fn", Name="live")["Description"] == ""

    client(twin, "s3").create_bucket(Bucket="twin-bucket")
    status, _, body = raw_request(twin, "PUT", "/twin-bucket/k", "s3", body=b"original",
                                  body_sent=b"tampered")
    assert status == 400
    assert b"<Code>XAmzContentSHA256Mismatch</Code>" in body


@pytest.mark.parametrize("service,call,code", [
    ("s3", lambda c: c.list_buckets(), "InvalidAccessKeyId"),
    ("lambda", lambda c: c.list_functions(), "UnrecognizedClientException"),
    ("sts", lambda c: c.get_caller_identity(), "InvalidClientTokenId"),
    ("cloudwatch", lambda c: c.describe_alarms(), "UnrecognizedClientException"),
])
def test_unknown_key_is_rejected(twin, service, call, code):
    with pytest.raises(ClientError) as exc:
        call(client(twin, service, akid="AKIDUNKNOWN000000000", secret="nope"))
    assert error_of(exc)[:2] == (403, code)


def test_session_token_must_match(twin):
    ctl(twin, "/_twin/credentials", {"accessKeyId": "ASIATWINTEMP0001", "secretAccessKey": "s3cr3t",
                                      "sessionToken": "the-token"})
    for token, code in [(None, "InvalidClientTokenId"), ("other-token", "InvalidClientTokenId")]:
        with pytest.raises(ClientError) as exc:
            client(twin, "sts", akid="ASIATWINTEMP0001", secret="s3cr3t", token=token).get_caller_identity()
        assert error_of(exc)[:2] == (403, code)
    with pytest.raises(ClientError) as exc:
        client(twin, "s3", akid="ASIATWINTEMP0001", secret="s3cr3t").list_buckets()
    assert error_of(exc)[:2] == (403, "InvalidToken")
    sts = client(twin, "sts", akid="ASIATWINTEMP0001", secret="s3cr3t", token="the-token")
    assert sts.get_caller_identity()["Account"] == "123456789012"
    with pytest.raises(ClientError) as exc:  # a token with a long-term key
        client(twin, "lambda", token="stray-token").list_functions()
    assert error_of(exc)[:2] == (403, "UnrecognizedClientException")


def test_keys_issued_by_sts_are_learned(twin):
    creds = client(twin, "sts").assume_role(RoleArn="arn:aws:iam::123456789012:role/deployer",
                                            RoleSessionName="ci")["Credentials"]
    sts = client(twin, "sts", akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                 token=creds["SessionToken"])
    assert sts.get_caller_identity()["Arn"] == "arn:aws:sts::123456789012:assumed-role/deployer/ci"
    assert ctl(twin, "/_twin/requests")[-1]["signatureVerified"] is True


def test_request_time_must_be_within_15_minutes(twin):
    old = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 20 * 60))
    form = b"Action=GetCallerIdentity&Version=2011-06-15"
    status, headers, body = raw_request(twin, "POST", "/", "sts", form, amz_date=old,
                                        headers=[("Content-Type", "application/x-www-form-urlencoded")])
    assert status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in body and b"Signature expired" in body
    status, _, body = raw_request(twin, "GET", "/", "s3", amz_date=old)
    assert status == 403 and b"<Code>RequestTimeTooSkewed</Code>" in body
    status, headers, body = raw_request(twin, "GET", "/2015-03-31/functions/", "lambda", amz_date=old)
    assert status == 403 and headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert json.loads(body)["message"].startswith("Signature expired: " + old)


def test_odd_but_correctly_signed_requests_verify(twin):
    """Repeated query keys, empty values, encoded unicode: the reference
    signer and the proxy agree, and so does moto's answer."""
    client(twin, "s3").create_bucket(Bucket="twin-bucket")
    status, _, _ = raw_request(twin, "PUT", "/twin-bucket/a%20b/%E2%9C%93+x.txt", "s3", b"hi",
                               headers=[("Content-Type", "text/plain"), ("X-Amz-Meta-Note", "  two   spaces ")])
    assert status == 200
    status, _, body = raw_request(twin, "GET", "/twin-bucket?list-type=2&prefix=a%20b%2F&x-id=ListObjectsV2&empty=",
                                  "s3")
    assert status == 200 and b"<Key>a b/\xe2\x9c\x93+x.txt</Key>" in body
    status, _, _ = raw_request(twin, "GET", "/2015-03-31/functions/?MaxItems=5&Marker=&MaxItems=4", "lambda")
    assert status == 200
    assert all(e["signatureVerified"] for e in ctl(twin, "/_twin/requests"))


def test_unsigned_requests_are_refused(twin):
    conn = http.client.HTTPConnection(urlsplit(twin["endpoint"]).netloc, timeout=10)
    conn.request("GET", "/2015-03-31/functions/")
    resp = conn.getresponse()
    assert resp.status == 403 and resp.getheader("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    resp.read()
    conn.request("GET", "/some-bucket/key")  # the same keep-alive connection
    resp = conn.getresponse()
    assert resp.status == 403 and b"<Code>AccessDenied</Code>" in resp.read()
    conn.close()


def test_chunked_body_and_expect_continue(twin):
    client(twin, "s3").create_bucket(Bucket="twin-bucket")
    host = urlsplit(twin["endpoint"]).netloc
    body = b"chunked body bytes"
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    hdrs = [("Host", host), ("X-Amz-Date", amz_date), ("x-amz-content-sha256", hashlib.sha256(body).hexdigest())]
    signed = ["host", "x-amz-content-sha256", "x-amz-date"]
    sig = compute_signature(method="PUT", url=f"http://{host}/twin-bucket/chunked", headers=hdrs, body=body,
                            service="s3", region=REGION, access_key_id=AKID, secret_access_key=SECRET,
                            session_token=None, amz_date=amz_date, signed_headers=signed).signature
    auth = (f"AWS4-HMAC-SHA256 Credential={AKID}/{amz_date[:8]}/{REGION}/s3/aws4_request, "
            f"SignedHeaders={';'.join(signed)}, Signature={sig}")
    head = "".join(f"{n}: {v}\r\n" for n, v in hdrs + [("Authorization", auth), ("Expect", "100-continue"),
                                                       ("Transfer-Encoding", "chunked")])
    with socket.create_connection(("127.0.0.1", int(host.split(":")[1])), timeout=10) as sock:
        sock.sendall(f"PUT /twin-bucket/chunked HTTP/1.1\r\n{head}\r\n".encode())
        assert sock.recv(1024).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(b"7\r\nchunked\r\nb\r\n body bytes\r\n0\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    got = client(twin, "s3").get_object(Bucket="twin-bucket", Key="chunked")["Body"].read()
    assert got == body


# S3 semantics ---------------------------------------------------------------------

def test_put_object_checksums_are_enforced(twin):
    s3 = client(twin, "s3")
    s3.create_bucket(Bucket="twin-bucket")
    body = b"zip bytes"
    wrong = b64sha256(b"other bytes")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket="twin-bucket", Key="k", Body=body, ChecksumSHA256=wrong)
    assert error_of(exc)[:2] == (400, "BadDigest")
    bad_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    status, _, resp_body = raw_request(twin, "PUT", "/twin-bucket/k", "s3", body,
                                       headers=[("Content-MD5", bad_md5)])
    assert status == 400 and b"<Code>BadDigest</Code>" in resp_body
    with pytest.raises(ClientError):
        s3.head_object(Bucket="twin-bucket", Key="k")  # nothing was stored

    put = s3.put_object(Bucket="twin-bucket", Key="k", Body=body, ChecksumSHA256=b64sha256(body))
    assert put["ChecksumSHA256"] == b64sha256(body)
    good_md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    status, _, _ = raw_request(twin, "PUT", "/twin-bucket/k2", "s3", body, headers=[("Content-MD5", good_md5)])
    assert status == 200


def test_multipart_upload_part_checksum(twin):
    s3 = client(twin, "s3")
    s3.create_bucket(Bucket="twin-bucket")
    upload = s3.create_multipart_upload(Bucket="twin-bucket", Key="big", ChecksumAlgorithm="SHA256")
    part = b"p" * 1024
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket="twin-bucket", Key="big", UploadId=upload["UploadId"], PartNumber=1,
                       Body=part, ChecksumSHA256=b64sha256(b"x"))
    assert error_of(exc)[:2] == (400, "BadDigest")
    ok = s3.upload_part(Bucket="twin-bucket", Key="big", UploadId=upload["UploadId"], PartNumber=1,
                        Body=part, ChecksumSHA256=b64sha256(part))
    assert ok["ChecksumSHA256"] == b64sha256(part)
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket="twin-bucket")["Uploads"]] == ["big"]
    s3.complete_multipart_upload(Bucket="twin-bucket", Key="big", UploadId=upload["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": ok["ETag"],
                                                             "ChecksumSHA256": ok["ChecksumSHA256"]}]})
    assert s3.get_object(Bucket="twin-bucket", Key="big")["Body"].read() == part
    ops = [e["operation"] for e in ctl(twin, "/_twin/requests")]
    assert ops[1:] == ["CreateMultipartUpload", "UploadPart", "UploadPart", "ListMultipartUploads",
                       "CompleteMultipartUpload", "GetObject"]


# Lambda semantics -----------------------------------------------------------------

def test_update_alias_revision_and_routing(twin):
    seed(twin)
    lam = client(twin, "lambda")
    v2 = publish_new_version(lam, twin, "def handler(e, c):\n    return 2\n")
    assert v2["Version"] == "2"
    alias = lam.get_alias(FunctionName="fn", Name="live")
    assert alias["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "RoutingConfig" not in alias

    with pytest.raises(ClientError) as exc:
        lam.update_alias(FunctionName="fn", Name="live", RevisionId="not-the-revision",
                         RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
    assert error_of(exc)[:2] == (412, "PreconditionFailedException")

    updated = lam.update_alias(FunctionName="fn", Name="live", RevisionId=alias["RevisionId"],
                               RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert updated["RevisionId"] != alias["RevisionId"]
    assert updated["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.1}}
    with pytest.raises(ClientError) as exc:  # the old revision is stale now
        lam.update_alias(FunctionName="fn", Name="live", RevisionId=alias["RevisionId"], FunctionVersion="2")
    assert error_of(exc)[:2] == (412, "PreconditionFailedException")

    kept = lam.update_alias(FunctionName="fn", Name="live", Description="no routing change")
    assert kept["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.1}}
    listed = lam.list_aliases(FunctionName="fn")["Aliases"]
    assert [(a["Name"], a["RevisionId"], a["RoutingConfig"]) for a in listed] == \
        [("live", kept["RevisionId"], {"AdditionalVersionWeights": {"2": 0.1}})]

    cleared = lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="2",
                               RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in cleared and cleared["FunctionVersion"] == "2"
    got = lam.get_alias(FunctionName="fn", Name="live")
    assert "RoutingConfig" not in got and got["RevisionId"] == cleared["RevisionId"]

    with pytest.raises(ClientError) as exc:
        lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="9")
    assert error_of(exc)[:2] == (404, "ResourceNotFoundException")


def test_last_update_status_goes_through_in_progress(twin):
    config, zip_bytes = seed(twin)
    lam = client(twin, "lambda")
    new_zip = make_zip("def handler(e, c):\n    return 'new'\n")
    with pytest.raises(ClientError) as exc:
        lam.update_function_code(FunctionName="fn", ZipFile=new_zip, RevisionId="stale")
    assert error_of(exc)[:2] == (412, "PreconditionFailedException")

    updated = lam.update_function_code(FunctionName="fn", ZipFile=new_zip, RevisionId=config["RevisionId"])
    assert updated["LastUpdateStatus"] == "InProgress"
    assert updated["RevisionId"] != config["RevisionId"]
    assert updated["CodeSha256"] == b64sha256(new_zip)

    with pytest.raises(ClientError) as exc:
        lam.publish_version(FunctionName="fn")
    status, code, message = error_of(exc)
    assert (status, code) == (409, "ResourceConflictException")
    assert message == ("The operation cannot be performed at this time. An update is in progress for "
                       "resource: arn:aws:lambda:us-east-1:123456789012:function:fn")
    with pytest.raises(ClientError) as exc:
        lam.update_function_code(FunctionName="fn", ZipFile=new_zip)
    assert error_of(exc)[:2] == (409, "ResourceConflictException")

    statuses = [lam.get_function_configuration(FunctionName="fn")["LastUpdateStatus"],
                lam.get_function(FunctionName="fn")["Configuration"]["LastUpdateStatus"],
                lam.get_function_configuration(FunctionName="fn")["LastUpdateStatus"]]
    assert statuses == ["InProgress", "InProgress", "Successful"]
    final = lam.get_function(FunctionName="fn")["Configuration"]
    assert (final["RevisionId"], final["State"]) == (updated["RevisionId"], "Active")

    ctl(twin, "/_twin/lambda", {"updatePolls": 1, "failNextUpdate": "disk full"})
    lam.update_function_code(FunctionName="fn", ZipFile=make_zip("broken"))
    assert lam.get_function_configuration(FunctionName="fn")["LastUpdateStatus"] == "InProgress"
    failed = lam.get_function_configuration(FunctionName="fn")
    assert (failed["LastUpdateStatus"], failed["LastUpdateStatusReason"],
            failed["LastUpdateStatusReasonCode"]) == ("Failed", "disk full", "InternalError")
    assert failed["CodeSha256"] == b64sha256(new_zip)  # the code stayed as it was


def test_publish_version_preconditions(twin):
    config, zip_bytes = seed(twin)
    lam = client(twin, "lambda")
    lam.update_function_code(FunctionName="fn", ZipFile=make_zip("v2"))
    latest = wait_successful(lam)
    with pytest.raises(ClientError) as exc:
        lam.publish_version(FunctionName="fn", RevisionId=config["RevisionId"])
    assert error_of(exc)[:2] == (412, "PreconditionFailedException")
    with pytest.raises(ClientError) as exc:
        lam.publish_version(FunctionName="fn", CodeSha256=b64sha256(b"something else"))
    status, code, message = error_of(exc)
    assert (status, code) == (400, "InvalidParameterValueException")
    assert latest["CodeSha256"] in message
    version = lam.publish_version(FunctionName="fn", CodeSha256=latest["CodeSha256"],
                                  RevisionId=latest["RevisionId"], Description="commit abc")
    assert version["Version"] == "2" and version["CodeSha256"] == b64sha256(make_zip("v2"))
    assert version["RevisionId"] not in (latest["RevisionId"], config["RevisionId"])
    again = lam.get_function_configuration(FunctionName="fn", Qualifier="2")
    assert again["RevisionId"] == version["RevisionId"]


def test_update_function_code_honours_s3_object_version(twin):
    seed(twin)
    s3 = client(twin, "s3")
    s3.create_bucket(Bucket="artifacts")
    s3.put_bucket_versioning(Bucket="artifacts", VersioningConfiguration={"Status": "Enabled"})
    first, second = make_zip("first"), make_zip("second")
    v1 = s3.put_object(Bucket="artifacts", Key="app/fn/package.zip", Body=first)["VersionId"]
    s3.put_object(Bucket="artifacts", Key="app/fn/package.zip", Body=second)
    lam = client(twin, "lambda")
    updated = lam.update_function_code(FunctionName="fn", S3Bucket="artifacts", S3Key="app/fn/package.zip",
                                       S3ObjectVersion=v1)
    assert updated["CodeSha256"] == b64sha256(first)
    assert wait_successful(lam)["CodeSha256"] == b64sha256(first)
    with pytest.raises(ClientError) as exc:
        lam.update_function_code(FunctionName="fn", S3Bucket="artifacts", S3Key="app/fn/package.zip",
                                 S3ObjectVersion="doesnotexist")
    status, code, message = error_of(exc)
    assert (status, code) == (400, "InvalidParameterValueException")
    assert message.startswith("Error occurred while GetObject. S3 Error Code: NoSuchVersion.")


def test_invoke_resolves_qualifiers_and_scripts(twin):
    seed(twin)
    lam = client(twin, "lambda")
    publish_new_version(lam, twin, "v2")
    ctl(twin, "/_twin/invoke", {"function": "fn", "qualifier": "2", "statusCode": 200,
                                 "payload": '{"errorMessage":"boom"}', "functionError": "Unhandled"})
    r = lam.invoke(FunctionName="fn", Qualifier="2", Payload=b'{"x":1}')
    assert (r["ExecutedVersion"], r["FunctionError"], r["Payload"].read()) == \
        ("2", "Unhandled", b'{"errorMessage":"boom"}')
    r = lam.invoke(FunctionName="fn", Qualifier="live", Payload=b'{"x":1}')
    assert (r["ExecutedVersion"], "FunctionError" in r, r["Payload"].read()) == ("1", False, b'{"x":1}')
    r = lam.invoke(FunctionName="fn", Payload=b"{}")
    assert r["ExecutedVersion"] == "$LATEST"
    r = lam.invoke(FunctionName="fn:1", Payload=b"{}")
    assert r["ExecutedVersion"] == "1"
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName="fn", Qualifier="7", Payload=b"{}")
    assert error_of(exc)[:2] == (404, "ResourceNotFoundException")

    lam.update_alias(FunctionName="fn", Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    ctl(twin, "/_twin/lambda", {"seed": 11})
    executed = [lam.invoke(FunctionName="fn", Qualifier="live", Payload=b"{}")["ExecutedVersion"]
                for _ in range(20)]
    rng = random.Random(11)
    assert executed == ["2" if rng.random() < 0.5 else "1" for _ in range(20)]
    counts = ctl(twin, "/_twin/invocations")
    assert counts == {"fn": {"$LATEST": 1, "1": 2 + executed.count("1"), "2": 1 + executed.count("2")}}
    invoke_entries = [e for e in ctl(twin, "/_twin/requests") if e["operation"] == "Invoke"]
    assert invoke_entries and not any(e["mutating"] for e in invoke_entries)


# Faults ---------------------------------------------------------------------------

@pytest.mark.parametrize("rule,service,call,status,code", [
    ({"service": "lambda", "operation": "ListFunctions", "kind": "throttle"}, "lambda",
     lambda c: c.list_functions(), 429, "TooManyRequestsException"),
    ({"service": "sts", "operation": None, "kind": "throttle"}, "sts",
     lambda c: c.get_caller_identity(), 400, "Throttling"),
    ({"service": "monitoring", "operation": "DescribeAlarms", "kind": "throttle"}, "cloudwatch",
     lambda c: c.describe_alarms(), 400, "ThrottlingException"),
    ({"service": "s3", "operation": "ListBuckets", "kind": "throttle"}, "s3",
     lambda c: c.list_buckets(), 503, "SlowDown"),
    ({"service": "s3", "operation": None, "kind": "slowdown"}, "s3",
     lambda c: c.list_buckets(), 503, "SlowDown"),
    ({"service": "lambda", "operation": None, "kind": "server-error"}, "lambda",
     lambda c: c.list_functions(), 500, "ServiceException"),
    ({"service": "s3", "operation": None, "kind": "server-error", "status": 502}, "s3",
     lambda c: c.list_buckets(), 502, "InternalError"),
    ({"service": "sts", "operation": None, "kind": "server-error"}, "sts",
     lambda c: c.get_caller_identity(), 500, "InternalError"),
    ({"service": "*", "operation": "DescribeAlarms", "kind": "server-error"}, "cloudwatch",
     lambda c: c.describe_alarms(), 500, "InternalServiceFault"),
])
def test_error_faults(twin, rule, service, call, status, code):
    ctl(twin, "/_twin/faults", {"rules": [dict(rule, count=1)]})
    c = client(twin, service)
    with pytest.raises(ClientError) as exc:
        call(c)
    assert error_of(exc)[:2] == (status, code)
    call(c)  # count 1: the next request goes through
    log = ctl(twin, "/_twin/requests")
    assert [(e["fault"], e["status"], e["signatureVerified"]) for e in log] == \
        [(rule["kind"], status, True), (None, 200, True)]


def test_fault_targets_only_its_operation_and_probability_is_seeded(twin):
    seed(twin)
    lam = client(twin, "lambda")
    ctl(twin, "/_twin/faults", {"seed": 3, "rules": [
        {"service": "lambda", "operation": "GetAlias", "kind": "throttle", "probability": 0.5}]})
    outcomes = []
    for _ in range(12):
        lam.get_function(FunctionName="fn")  # never faulted
        try:
            lam.get_alias(FunctionName="fn", Name="live")
            outcomes.append("ok")
        except ClientError as exc:
            assert error_of(exc)[:2] == (429, "TooManyRequestsException")
            outcomes.append("throttled")
    rng = random.Random(3)
    assert outcomes == ["throttled" if rng.random() < 0.5 else "ok" for _ in range(12)]
    ctl(twin, "/_twin/faults", {"rules": []})
    assert ctl(twin, "/_twin/faults") == {"rules": []}


def test_latency_fault_delays_then_forwards(twin):
    ctl(twin, "/_twin/faults", {"rules": [{"service": "sts", "operation": "GetCallerIdentity",
                                           "kind": "latency", "latencyMs": 400, "count": 1}]})
    sts = client(twin, "sts")
    started = time.monotonic()
    assert sts.get_caller_identity()["Account"] == "123456789012"
    assert time.monotonic() - started >= 0.4
    assert ctl(twin, "/_twin/requests")[-1]["fault"] == "latency"


def test_reset_fault_drops_the_connection(twin):
    client(twin, "s3").create_bucket(Bucket="twin-bucket")
    ctl(twin, "/_twin/faults", {"rules": [{"service": "s3", "operation": "PutObject", "kind": "reset", "count": 1}]})
    with pytest.raises(ConnectionClosedError):
        client(twin, "s3").put_object(Bucket="twin-bucket", Key="k", Body=b"data")
    client(twin, "s3").put_object(Bucket="twin-bucket", Key="k", Body=b"data")

    # afterBytes: the twin reads that much of the body, then answers with an RST.
    ctl(twin, "/_twin/faults", {"rules": [{"service": "s3", "operation": "UploadPart", "kind": "reset",
                                           "count": 1, "afterBytes": 1000}]})
    host = urlsplit(twin["endpoint"]).netloc
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    body = b"x" * 200_000
    hdrs = [("Host", host), ("X-Amz-Date", amz_date), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD")]
    target = "/twin-bucket/big?partNumber=1&uploadId=abc"
    sig = compute_signature(method="PUT", url=f"http://{host}{target}", headers=hdrs, body=b"", service="s3",
                            region=REGION, access_key_id=AKID, secret_access_key=SECRET, session_token=None,
                            amz_date=amz_date, signed_headers=["host", "x-amz-content-sha256", "x-amz-date"]).signature
    auth = (f"AWS4-HMAC-SHA256 Credential={AKID}/{amz_date[:8]}/{REGION}/s3/aws4_request, "
            f"SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={sig}")
    head = "".join(f"{n}: {v}\r\n" for n, v in hdrs + [("Authorization", auth), ("Content-Length", str(len(body)))])
    with socket.create_connection(("127.0.0.1", int(host.split(":")[1])), timeout=10) as sock:
        sock.sendall(f"PUT {target} HTTP/1.1\r\n{head}\r\n".encode() + body[:2000])
        with pytest.raises(ConnectionResetError):
            time.sleep(0.3)
            sock.sendall(body[2000:])
            sock.recv(1024)
    entries = ctl(twin, "/_twin/requests")
    assert [(e["operation"], e["fault"]) for e in entries if e["fault"]] == [("PutObject", "reset"),
                                                                          ("UploadPart", "reset")]


# Credential sources ---------------------------------------------------------------

def _get(url, headers=None, method="GET"):
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _jwt_payload(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_github_oidc_and_web_identity(twin):
    url = twin["metadata"] + "/oidc/token?api-version=2.0&audience=sts.amazonaws.com"
    assert _get(url)[0] == 401
    assert _get(url, {"Authorization": "Bearer wrong"})[0] == 401
    status, body = _get(url, {"Authorization": "Bearer twin-actions-request-token"})
    assert status == 200
    token = json.loads(body)["value"]
    claims = _jwt_payload(token)
    assert (claims["iss"], claims["aud"], claims["sub"]) == (
        "https://token.actions.githubusercontent.com", "sts.amazonaws.com", "repo:octo/app:ref:refs/heads/main")
    assert claims["exp"] - claims["iat"] == 300
    stats = ctl(twin, "/stats", base="metadata")
    assert stats["audiences"] == ["sts.amazonaws.com"] and stats["hits"]["oidc"] == 3

    sts = client(twin, "sts", config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))
    creds = sts.assume_role_with_web_identity(RoleArn="arn:aws:iam::123456789012:role/gha",
                                              RoleSessionName="gha", WebIdentityToken=token)["Credentials"]
    entry = ctl(twin, "/_twin/requests")[-1]
    assert (entry["operation"], entry["signed"], entry["status"], entry["region"]) == \
        ("AssumeRoleWithWebIdentity", False, 200, None)  # no credential scope, no region
    who = client(twin, "sts", akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                 token=creds["SessionToken"]).get_caller_identity()
    assert who["Arn"] == "arn:aws:sts::123456789012:assumed-role/gha/gha"

    header = base64.urlsafe_b64encode(b'{"alg":"RS256"}').rstrip(b"=").decode()
    expired = base64.urlsafe_b64encode(json.dumps({"exp": int(time.time()) - 10}).encode()).rstrip(b"=").decode()
    for bad, code in [(f"{header}.{expired}.c2ln", "ExpiredTokenException"), ("not-a-jwt", "InvalidIdentityToken")]:
        with pytest.raises(ClientError) as exc:
            sts.assume_role_with_web_identity(RoleArn="arn:aws:iam::123456789012:role/gha",
                                              RoleSessionName="gha", WebIdentityToken=bad)
        assert error_of(exc)[:2] == (400, code)


def test_container_credentials(twin):
    url = twin["metadata"] + "/container/creds"
    assert _get(url)[0] == 401
    assert _get(url, {"Authorization": "wrong"})[0] == 403
    ctl(twin, "/config", {"expiresInSeconds": 900}, base="metadata")
    status, body = _get(url, {"Authorization": "twin-container-auth-token"})
    assert status == 200
    creds = json.loads(body)
    assert set(creds) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
    expires = time.mktime(time.strptime(creds["Expiration"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert 880 <= expires - time.time() <= 901
    again = json.loads(_get(url, {"Authorization": "twin-container-auth-token"})[1])
    assert again["AccessKeyId"] != creds["AccessKeyId"]  # every refresh is new
    sts = client(twin, "sts", akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["Token"])
    assert sts.get_caller_identity()["Account"] == "123456789012"
    assert ctl(twin, "/_twin/requests")[-1]["signatureVerified"] is True


def test_imds_v2_credentials(twin):
    base = twin["metadata"] + "/latest"
    assert _get(base + "/meta-data/iam/security-credentials/")[0] == 401
    assert _get(base + "/api/token", method="PUT")[0] == 400
    status, token = _get(base + "/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60"}, "PUT")
    assert status == 200 and token
    assert _get(base + "/meta-data/iam/security-credentials/", {"X-aws-ec2-metadata-token": "nope"})[0] == 401
    headers = {"X-aws-ec2-metadata-token": token.decode()}
    status, role = _get(base + "/meta-data/iam/security-credentials/", headers)
    assert (status, role) == (200, b"twin-runner-role")
    status, body = _get(base + "/meta-data/iam/security-credentials/twin-runner-role", headers)
    creds = json.loads(body)
    assert (status, creds["Code"], creds["Type"]) == (200, "Success", "AWS-HMAC")
    s3 = client(twin, "s3", akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["Token"])
    assert s3.list_buckets()["Buckets"] == []


# The launcher ---------------------------------------------------------------------

def test_twin_exits_when_its_parent_pid_is_gone(tmp_path):
    parent = subprocess.Popen(["sleep", "60"])
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen([sys.executable, os.path.join(TWIN_DIR, "twin.py"), "--ready-file", str(ready),
                             "--parent-pid", str(parent.pid)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while not ready.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        assert _get(info["endpoint"] + "/_twin/health") == (200, b'{"ok": true}')
        parent.kill()
        parent.wait()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        parent.kill()
        parent.wait()
    assert proc.communicate() == (b"", b"")


@pytest.mark.parametrize("argv, cwd", [
    (["-m", "twin"], os.path.dirname(TWIN_DIR)),      # the package, from the repository root
    ([os.path.join(TWIN_DIR, "twin.py")], TWIN_DIR),  # the file, run from twin/ itself
], ids=["python -m twin", "twin.py from twin/"])
def test_twin_starts_as_a_module_and_from_any_directory(tmp_path, argv, cwd):
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen([sys.executable, *argv, "--ready-file", str(ready), "--parent-pid", str(os.getpid())],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while not ready.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        if not ready.exists():
            proc.kill()
            pytest.fail("the twin wrote no ready file; its stderr:\n" + proc.communicate()[1].decode())
        info = json.loads(ready.read_text())
        assert info["pid"] == proc.pid
        assert _get(info["endpoint"] + "/_twin/health") == (200, b'{"ok": true}')
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.communicate() == (b"", b"")


# The reference signer CLI ---------------------------------------------------------

def test_reference_signer_cli_matches_botocore():
    request = AWSRequest(method="POST", url="http://127.0.0.1:9/2015-03-31/functions/a%3Ab/invocations?Qualifier=live&b=&a=2&a=1",
                         data=b'{"k":"\xc3\xbc"}', headers={"Content-Type": "application/json", "X-Amz-Meta-X": "a  b"})
    SigV4Auth(Credentials("AKIDX", "secret/+", "tok"), "lambda", REGION).add_auth(request)
    auth = request.headers["Authorization"]
    signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
    item = {"method": "POST", "url": request.url, "headers": [[k, v] for k, v in request.headers.items()],
            "bodyBase64": base64.b64encode(request.body).decode(), "service": "lambda", "region": REGION,
            "accessKeyId": "AKIDX", "secretAccessKey": "secret/+", "sessionToken": "tok",
            "amzDate": request.headers["X-Amz-Date"], "signedHeaders": signed}
    out = subprocess.run([sys.executable, os.path.join(TWIN_DIR, "sigv4_reference.py")],
                         input=json.dumps([item]).encode(), capture_output=True, check=True)
    result = json.loads(out.stdout)
    assert len(result) == 1
    assert result[0]["signature"] == auth.rsplit("Signature=", 1)[1]
    assert result[0]["canonicalRequest"].startswith("POST\n/2015-03-31/functions/a%253Ab/invocations\n"
                                                    "Qualifier=live&a=1&a=2&b=\n")
    assert result[0]["stringToSign"].startswith("AWS4-HMAC-SHA256\n" + item["amzDate"] + "\n")


# CloudWatch over JSON 1.0 ---------------------------------------------------------

def test_cloudwatch_json_protocol_operations(twin):
    cw = client(twin, "cloudwatch")
    dims = [{"Name": "FunctionName", "Value": "fn"}, {"Name": "Resource", "Value": "fn:live"},
            {"Name": "ExecutedVersion", "Value": "2"}]
    cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[{"MetricName": "Errors", "Dimensions": dims,
                                                            "Value": 3.0, "Unit": "Count"}])
    now = time.time()
    result = cw.get_metric_data(MetricDataQueries=[{"Id": "e", "MetricStat": {
        "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": dims},
        "Period": 60, "Stat": "Sum"}}], StartTime=now - 600, EndTime=now + 60)
    assert result["MetricDataResults"][0]["Values"] == [3.0]
    assert result["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.0"
    cw.put_metric_alarm(AlarmName="fn-errors", MetricName="Errors", Namespace="AWS/Lambda", Statistic="Sum",
                        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName="fn-errors", StateValue="ALARM", StateReason="test")
    alarms = cw.describe_alarms(AlarmNames=["fn-errors"])["MetricAlarms"]
    assert [(a["AlarmName"], a["StateValue"]) for a in alarms] == [("fn-errors", "ALARM")]
    ops = [(e["operation"], e["headers"]["content-type"]) for e in ctl(twin, "/_twin/requests")]
    assert ops == [(op, "application/x-amz-json-1.0") for op in
                   ["PutMetricData", "GetMetricData", "PutMetricAlarm", "SetAlarmState", "DescribeAlarms"]]


def test_lambda_metrics_helper_publishes_per_version_metrics(twin):
    """POST /_twin/lambda-metrics: what Lambda publishes for invocations of one version behind an alias,
    read back as lambda-shift's canary analysis reads it (GetMetricData per ExecutedVersion)."""
    import datetime
    import urllib.error
    base = (int(time.time()) // 60) * 60 - 300
    stable = ctl(twin, "/_twin/lambda-metrics", {"function": "fn", "alias": "live", "version": "1",
                                                 "timestamp": base + 10, "errors": 1,
                                                 "durations": [float(d) for d in range(1, 101)]})

    def dims(version):
        return [{"Name": "FunctionName", "Value": "fn"}, {"Name": "Resource", "Value": "fn:live"},
                {"Name": "ExecutedVersion", "Value": version}]

    assert stable == {
        "namespace": "AWS/Lambda", "region": "us-east-1", "timestamp": base + 10,
        "dimensions": [dims("1"), dims("1")[:2], dims("1")[:1], []],
        "published": {"Invocations": {"sampleCount": 100, "sum": 100.0}, "Errors": {"sampleCount": 100, "sum": 1.0},
                      "Throttles": {"sampleCount": 100, "sum": 0.0}, "Duration": {"sampleCount": 100, "sum": 5050.0}},
    }
    ctl(twin, "/_twin/lambda-metrics", {"function": "fn", "alias": "live", "version": 2, "timestamp": base + 20,
                                        "invocations": 100, "errors": 5, "throttles": 2,
                                        "durations": [100.0] * 90 + [900.0] * 10})
    assert ctl(twin, "/_twin/requests") == []  # the helper writes to moto directly, not through the log

    cw = client(twin, "cloudwatch")
    queries = []
    for version in ("1", "2"):
        for metric, stat in [("Invocations", "Sum"), ("Errors", "Sum"), ("Throttles", "Sum"),
                             ("Duration", "p50"), ("Duration", "p99")]:
            queries.append({"Id": f"{metric.lower()}_{stat.lower()}_v{version}", "ReturnData": True, "MetricStat": {
                "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric, "Dimensions": dims(version)},
                "Period": 60, "Stat": stat}})
    for name, dimensions in [("alias", dims("1")[:2]), ("function", dims("1")[:1]), ("region", [])]:
        queries.append({"Id": f"invocations_{name}", "MetricStat": {
            "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations", "Dimensions": dimensions},
            "Period": 300, "Stat": "Sum"}})
    utc = datetime.timezone.utc
    answer = cw.get_metric_data(MetricDataQueries=queries, StartTime=datetime.datetime.fromtimestamp(base, utc),
                                EndTime=datetime.datetime.fromtimestamp(base + 300, utc))
    got = {r["Id"]: (r["Values"], [int(t.timestamp()) - base for t in r["Timestamps"]])
           for r in answer["MetricDataResults"]}
    assert got == {
        "invocations_sum_v1": ([100.0], [0]), "errors_sum_v1": ([1.0], [0]), "throttles_sum_v1": ([0.0], [0]),
        "duration_p50_v1": ([50.0], [0]), "duration_p99_v1": ([99.0], [0]),
        "invocations_sum_v2": ([100.0], [0]), "errors_sum_v2": ([5.0], [0]), "throttles_sum_v2": ([2.0], [0]),
        "duration_p50_v2": ([100.0], [0]), "duration_p99_v2": ([900.0], [0]),
        "invocations_alias": ([200.0], [0]), "invocations_function": ([200.0], [0]),
        "invocations_region": ([200.0], [0]),
    }

    # zeroSamples false: no Errors / Throttles samples unless there were some; no alias: Resource fn:N;
    # timestamp defaults to now
    quiet = ctl(twin, "/_twin/lambda-metrics", {"function": "solo", "version": "3", "invocations": 3,
                                                "zeroSamples": False})
    assert quiet["dimensions"][0] == [{"Name": "FunctionName", "Value": "solo"},
                                      {"Name": "Resource", "Value": "solo:3"}]
    assert abs(quiet["timestamp"] - time.time()) < 60
    now = time.time()
    for metric, expected in [("Invocations", [3.0]), ("Errors", []), ("Duration", [])]:
        result = cw.get_metric_data(MetricDataQueries=[{"Id": "q", "MetricStat": {
            "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric, "Dimensions": quiet["dimensions"][0]},
            "Period": 60, "Stat": "Sum"}}], StartTime=now - 300, EndTime=now + 60)["MetricDataResults"][0]
        assert result["Values"] == expected, metric

    for bad, fragment in [({"function": "fn", "alias": "live"}, "version"),
                          ({"function": "fn", "version": "1", "invocations": 2, "errors": 3}, "exceed"),
                          ({"function": "fn", "version": "1", "invocations": 3, "durations": [1, 2]}, "one value"),
                          ({"function": "fn", "version": "1", "durations": [-1]}, "non-negative"),
                          ({"function": "fn", "version": "1", "timestamp": time.time() - 20 * 86400}, "two weeks")]:
        with pytest.raises(urllib.error.HTTPError) as exc:
            ctl(twin, "/_twin/lambda-metrics", bad)
        assert exc.value.code == 400 and fragment in json.loads(exc.value.read())["message"]
