"""AWS Signer as the twin serves it: signing jobs for Lambda zips, which moto 5.2.1 lacks, and the
record Lambda's code-signing check reads.

moto 5.2.1's `signer` (checked by hand) keeps signing profiles only: PutSigningProfile,
GetSigningProfile, CancelSigningProfile, ListSigningPlatforms and tags. It has no signing jobs at
all (StartSigningJob / DescribeSigningJob are 404s from its router), no RevokeSigningProfile, and
answers GetSigningProfile / CancelSigningProfile of a missing profile with 500 (a KeyError). The
proxy keeps the profiles in moto and adds:

- StartSigningJob (POST /signing-jobs): the profile must exist (404 ResourceNotFoundException
  "profile with name NAME does not exist", AWS's wording as measured by the ministack maintainers,
  ministackorg/ministack services/signer.py) and be Active (a Canceled or Revoked profile "cannot
  perform new signing jobs": Signer API reference, CancelSigningProfile / RevokeSigningProfile;
  which error AWS answers is not documented, the twin's is 400 ValidationException). The source
  bucket must be versioning-enabled and, like the destination bucket, in the profile's Region
  (StartSigningJob: "Your S3 source bucket must be version enabled", "You must ensure the S3
  buckets are from the same Region as the signing profile. Cross-Region signing isn't supported";
  400 ValidationException, the twin's texts). A source bucket, key or version, or a destination
  bucket, that does not exist: 404 ResourceNotFoundException ("A specified resource could not be
  found", the API reference's description of it; the texts are the twin's). `clientRequestToken`
  is idempotent ("All calls after the first that use this token return the same response as the
  first call").
- DescribeSigningJob (GET /signing-jobs/{jobId}): InProgress for the first `inProgressPolls`
  calls (POST /_twin/signer, default 1), then Succeeded ("Signing Succeeded") or Failed with a
  statusReason: scripted (`failNextJob`), or because the zip "is empty, already has a signature,
  or is malformed" (Signer Developer Guide, "Signing jobs for Lambda",
  https://docs.aws.amazon.com/signer/latest/developerguide/signing-jobs-lambda.html).
- On success the signed object is written, as a new S3 object (a new version in a versioned
  bucket), to the destination bucket at `prefix + jobId + ".zip"`: AWS does not document the key;
  this is what the Lambda platform wrote as measured by the ministack maintainers (IoT platforms
  write `prefix + jobId`). Its bytes are the source zip with a signature block as the zip archive
  comment (still a valid zip, another SHA-256). The twin remembers each signed object's SHA-256
  with its job and profile version, which is how Lambda recognises signed code.
- RevokeSigningProfile (PUT /signing-profiles/{name}/revoke) marks that profile version Revoked
  (GetSigningProfile then says so); Lambda's revocation check reads it.

Signer's jobs are regional (one endpoint per Region); the twin keys them by the request's Region.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from . import s3_semantics
from .defaults import ACCOUNT_ID
from .errors import aws_error, new_request_id
from .messages import ProxyRequest, Response
from .moto_client import MotoClient

LAMBDA_PLATFORM = "AWSLambda-SHA384-ECDSA"
LAMBDA_PLATFORM_NAME = "AWS Lambda"
SIGNATURE_MARKER = b"AWS-Signer-Twin-Signature/1"
SUCCEEDED_REASON = "Signing Succeeded"  # DescribeSigningJob's statusReason (AWS CLI reference example)
PROFILE_MISSING = "profile with name {name} does not exist"
PROFILE_INACTIVE = "The signing profile {name} is {status} and cannot perform new signing jobs."
SOURCE_UNVERSIONED = ("The source bucket {bucket} must be version enabled. Your S3 source bucket must be "
                      "version enabled.")
CROSS_REGION = ("The {which} bucket {bucket} is in {bucket_region}, the signing profile in {region}. You must ensure "
                "the S3 buckets are from the same Region as the signing profile. Cross-Region signing isn't "
                "supported.")
NO_SUCH_BUCKET = "The {which} bucket {bucket} does not exist."
NO_SUCH_OBJECT = "The source object s3://{bucket}/{key} (version {version}) does not exist."
JOB_MISSING = "The signing job {job_id} does not exist."
EMPTY_ZIP = "Signing failed: the source file is empty."
MALFORMED_ZIP = "Signing failed: the source file is not a valid zip file."
ALREADY_SIGNED = "Signing failed: the source file already has a signature."


def profile_arn(region: str, name: str) -> str:
    return f"arn:aws:signer:{region}:{ACCOUNT_ID}:/signing-profiles/{name}"


def job_arn(region: str, job_id: str) -> str:
    return f"arn:aws:signer:{region}:{ACCOUNT_ID}:/signing-jobs/{job_id}"


@dataclass(frozen=True)
class SignedArtifact:
    """A signed object the twin wrote: what Lambda's checks read."""
    region: str
    job_arn: str
    profile_name: str
    profile_version_arn: str
    bucket: str
    key: str
    version_id: str | None


@dataclass
class Job:
    job_id: str
    region: str
    profile: dict               # GetSigningProfile's answer when the job started
    source: dict                # {"bucketName","key","version"}
    destination: dict           # {"bucketName","prefix"}
    source_bytes: bytes
    created_at: float
    polls_left: int
    failure: str | None = None  # scripted or found at the start: the job will end Failed
    status: str = "InProgress"
    status_reason: str | None = None
    completed_at: float | None = None
    signed_key: str | None = None
    signed_version: str | None = None

    @property
    def arn(self) -> str:
        return job_arn(self.region, self.job_id)


@dataclass
class SignerState:
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.jobs: dict[str, Job] = {}
            self.tokens: dict[tuple[str, str], dict] = {}          # (region, clientRequestToken) → answer
            self.signed: dict[str, SignedArtifact] = {}             # sha256 hex of the signed bytes → artifact
            self.revoked: dict[str, str] = {}                       # profile version ARN → reason
            self.in_progress_polls = 1
            self.fail_next_job: str | None = None

    def configure(self, body: dict) -> dict:
        """POST /_twin/signer."""
        with self.lock:
            if "inProgressPolls" in body:
                polls = body["inProgressPolls"]
                if not isinstance(polls, int) or isinstance(polls, bool) or polls < 0:
                    raise ValueError("inProgressPolls must be a non-negative integer")
                self.in_progress_polls = polls
            if "failNextJob" in body:
                reason = body["failNextJob"]
                if reason is not None and (not isinstance(reason, str) or not reason):
                    raise ValueError("failNextJob must be a non-empty string (the statusReason) or null")
                self.fail_next_job = reason
            return {"inProgressPolls": self.in_progress_polls, "failNextJob": self.fail_next_job,
                    "jobs": {j.job_id: j.status for j in self.jobs.values()}}

    def lookup(self, code: bytes) -> SignedArtifact | None:
        with self.lock:
            return self.signed.get(hashlib.sha256(code).hexdigest())

    def is_revoked(self, profile_version_arn: str) -> bool:
        with self.lock:
            return profile_version_arn in self.revoked


def bears_signature(code: bytes) -> bool:
    """The code carries a (twin) Signer signature block: a signed zip, maybe modified since."""
    return _zip_comment(code).startswith(SIGNATURE_MARKER)


def _zip_comment(code: bytes) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(code)) as archive:
            return archive.comment or b""
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return b""


def sign_zip(source: bytes, job: Job) -> bytes:
    """The source zip with a signature block as its archive comment (a valid zip; new SHA-256)."""
    comment = b"\n".join([
        SIGNATURE_MARKER,
        b"job: " + job.arn.encode(),
        b"profileVersionArn: " + str(job.profile.get("profileVersionArn")).encode(),
        b"platform: " + str(job.profile.get("platformId")).encode(),
        b"sourceSha384: " + hashlib.sha384(source).hexdigest().encode(),
    ])
    buf = io.BytesIO(source)
    with zipfile.ZipFile(buf, "a") as archive:
        archive.comment = comment
    return buf.getvalue()


def why_unsignable(source: bytes) -> str | None:
    """Signer Developer Guide, "Signing jobs for Lambda": "Signing fails for a zip file if the file is
    empty, already has a signature, or is malformed." (the reasons' texts are the twin's)."""
    if not source:
        return EMPTY_ZIP
    try:
        with zipfile.ZipFile(io.BytesIO(source)) as archive:
            if archive.testzip() is not None:
                return MALFORMED_ZIP
            if (archive.comment or b"").startswith(SIGNATURE_MARKER):
                return ALREADY_SIGNED
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return MALFORMED_ZIP
    return None


def _err(status: int, code: str, message: str) -> Response:
    return aws_error("rest-json", status, code, message, service="signer")


def _json(resp: Response) -> dict:
    try:
        value = json.loads(resp.body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _reply(payload: dict, status: int = 200) -> Response:
    return Response(status, [("Content-Type", "application/json"), ("x-amzn-RequestId", new_request_id())],
                    json.dumps(payload).encode())


class SignerSemantics:
    def __init__(self, state: SignerState, moto: MotoClient, s3_state: s3_semantics.S3State) -> None:
        self.state = state
        self.moto = moto
        self.s3_state = s3_state

    # Profiles (kept in moto) ------------------------------------------------------------------

    def get_profile(self, name: str, region: str) -> dict | None:
        resp = self.moto.call("GET", f"/signing-profiles/{quote(name, safe='')}", "signer", region=region)
        if resp.status != 200:
            return None  # moto 5.2.1: 500 (KeyError) for a missing profile
        return self.decorate_profile(_json(resp))

    def decorate_profile(self, profile: dict) -> dict:
        reason = self.state.revoked.get(profile.get("profileVersionArn", ""))
        if reason is not None:
            profile["status"] = "Revoked"
            profile["statusReason"] = reason
        return {k: v for k, v in profile.items() if v is not None}

    def put_profile(self, name: str, region: str, status: str = "Active") -> dict:
        """The control API's signing-profile: PutSigningProfile (platform AWSLambda-SHA384-ECDSA),
        then CancelSigningProfile or a revocation of the new version for another status."""
        if not isinstance(name, str) or not re.fullmatch(r"[a-zA-Z0-9_]{2,64}", name):
            raise ValueError("name must be a signing profile name ([a-zA-Z0-9_], 2-64 characters)")
        if status not in ("Active", "Canceled", "Revoked"):
            raise ValueError("status must be Active, Canceled or Revoked")
        resp = self.moto.call("PUT", f"/signing-profiles/{name}", "signer",
                              json.dumps({"platformId": LAMBDA_PLATFORM}).encode(), "application/json",
                              region=region)
        if resp.status != 200:
            raise RuntimeError(f"moto PutSigningProfile: {resp.status} {resp.body[:300]!r}")
        made = _json(resp)
        if status == "Canceled":
            self.moto.call("DELETE", f"/signing-profiles/{name}", "signer", region=region)
        elif status == "Revoked":
            with self.state.lock:
                self.state.revoked[made["profileVersionArn"]] = "Revoked by the twin's control API"
        profile = self.get_profile(name, region) or {}
        return {"profileName": name, "region": region, "arn": made["arn"], "profileVersion": made["profileVersion"],
                "profileVersionArn": made["profileVersionArn"], "platformId": LAMBDA_PLATFORM,
                "status": profile.get("status", status)}

    # The proxy's Signer requests ----------------------------------------------------------------

    def handle(self, req: ProxyRequest, forward) -> Response:
        with self.state.lock:
            op = req.operation
            if op == "StartSigningJob":
                resp = self._start(req)
            elif op == "DescribeSigningJob":
                resp = self._describe(req)
            elif op == "GetSigningProfile":
                name = unquote(req.path.rstrip("/").rsplit("/", 1)[1])
                profile = self.get_profile(name, req.region)
                resp = (_reply(profile) if profile is not None
                        else _err(404, "ResourceNotFoundException", PROFILE_MISSING.format(name=name)))
            elif op == "CancelSigningProfile":
                name = unquote(req.path.rstrip("/").rsplit("/", 1)[1])
                if self.get_profile(name, req.region) is None:
                    resp = _err(404, "ResourceNotFoundException", PROFILE_MISSING.format(name=name))
                else:
                    resp = forward()
            elif op == "RevokeSigningProfile":
                resp = self._revoke(req)
            else:
                resp = forward()
        if not (resp.header("Content-Type") or "").startswith("application/json"):
            resp.set_header("Content-Type", "application/json")  # moto says text/html
        return resp

    def _revoke(self, req: ProxyRequest) -> Response:
        name = unquote(req.path.rstrip("/").split("/")[-2])
        body = _json(Response(200, [], req.body))
        profile = self.get_profile(name, req.region)
        if profile is None:
            return _err(404, "ResourceNotFoundException", PROFILE_MISSING.format(name=name))
        if body.get("profileVersion") != profile.get("profileVersion"):
            return _err(404, "ResourceNotFoundException",
                        f"profile version {body.get('profileVersion')} of {name} does not exist")
        self.state.revoked[profile["profileVersionArn"]] = str(body.get("reason") or "")
        return _reply({})

    def _start(self, req: ProxyRequest) -> Response:
        body = _json(Response(200, [], req.body))
        token = body.get("clientRequestToken")
        if token and (req.region, token) in self.state.tokens:
            return _reply(self.state.tokens[(req.region, token)])
        name = body.get("profileName")
        profile = self.get_profile(name, req.region)
        owner = body.get("profileOwner")
        if profile is None or (owner and owner != ACCOUNT_ID):
            return _err(404, "ResourceNotFoundException", PROFILE_MISSING.format(name=name))
        if profile.get("status") != "Active":
            return _err(400, "ValidationException", PROFILE_INACTIVE.format(name=name, status=profile.get("status")))
        source = ((body.get("source") or {}).get("s3") or {})
        destination = ((body.get("destination") or {}).get("s3") or {})
        bucket, key, version = source.get("bucketName"), source.get("key"), source.get("version")
        refusal = self._check_bucket(bucket, "source", req.region) or self._check_bucket(
            destination.get("bucketName"), "destination", req.region)
        if refusal is not None:
            return refusal
        if s3_semantics.versioning_status(self.s3_state, self.moto, bucket) != "Enabled":
            return _err(400, "ValidationException", SOURCE_UNVERSIONED.format(bucket=bucket))
        got = self.moto.call("GET", f"/{quote(bucket, safe='')}/{quote(key, safe='/~')}?versionId="
                                    f"{quote(str(version), safe='')}", "s3", region=req.region)
        if got.status != 200:
            return _err(404, "ResourceNotFoundException", NO_SUCH_OBJECT.format(bucket=bucket, key=key, version=version))
        job = Job(job_id=str(uuid.uuid4()), region=req.region, profile=profile,
                  source={"bucketName": bucket, "key": key, "version": version},
                  destination={"bucketName": destination.get("bucketName"), "prefix": destination.get("prefix") or ""},
                  source_bytes=got.body, created_at=time.time(), polls_left=self.state.in_progress_polls)
        scripted, self.state.fail_next_job = self.state.fail_next_job, None
        job.failure = scripted or why_unsignable(got.body)
        self.state.jobs[job.job_id] = job
        answer = {"jobId": job.job_id, "jobOwner": ACCOUNT_ID}
        if token:
            self.state.tokens[(req.region, token)] = answer
        if job.polls_left <= 0:
            self._finish(job)
        return _reply(answer)

    def _check_bucket(self, bucket, which: str, region: str) -> Response | None:
        where = s3_semantics.bucket_region(self.s3_state, self.moto, bucket) if bucket else None
        if where is None:
            return _err(404, "ResourceNotFoundException", NO_SUCH_BUCKET.format(which=which, bucket=bucket))
        if where != region:
            return _err(400, "ValidationException", CROSS_REGION.format(which=which, bucket=bucket,
                                                                       bucket_region=where, region=region))
        return None

    def _finish(self, job: Job) -> None:
        job.completed_at = time.time()
        if job.failure is not None:
            job.status, job.status_reason = "Failed", job.failure
            return
        signed = sign_zip(job.source_bytes, job)
        key = f"{job.destination['prefix']}{job.job_id}.zip"
        bucket = job.destination["bucketName"]
        resp = self.moto.call("PUT", f"/{quote(bucket, safe='')}/{quote(key, safe='/~')}", "s3", signed,
                              "application/zip", region=job.region)
        if resp.status != 200:
            job.status, job.status_reason = "Failed", f"Signing failed: the signed object could not be written ({resp.status})."
            return
        version = resp.header("x-amz-version-id")
        if version is None and s3_semantics.versioning_status(self.s3_state, self.moto, bucket) in ("Enabled", "Suspended"):
            version = "null"
        job.status, job.status_reason = "Succeeded", SUCCEEDED_REASON
        job.signed_key, job.signed_version = key, version
        self.state.signed[hashlib.sha256(signed).hexdigest()] = SignedArtifact(
            job.region, job.arn, job.profile.get("profileName", ""), job.profile.get("profileVersionArn", ""),
            bucket, key, version)

    def _describe(self, req: ProxyRequest) -> Response:
        job_id = unquote(req.path.rstrip("/").rsplit("/", 1)[1])
        job = self.state.jobs.get(job_id)
        if job is None or job.region != req.region:
            return _err(404, "ResourceNotFoundException", JOB_MISSING.format(job_id=job_id))
        if job.status == "InProgress":
            if job.polls_left > 0:
                job.polls_left -= 1
            else:
                self._finish(job)
        profile = job.profile
        answer = {
            "jobId": job.job_id, "source": {"s3": dict(job.source)},
            "platformId": profile.get("platformId"), "platformDisplayName": LAMBDA_PLATFORM_NAME
            if profile.get("platformId") == LAMBDA_PLATFORM else profile.get("platformDisplayName"),
            "profileName": profile.get("profileName"), "profileVersion": profile.get("profileVersion"),
            "createdAt": int(job.created_at), "status": job.status,
            "requestedBy": f"arn:aws:iam::{ACCOUNT_ID}:root", "jobOwner": ACCOUNT_ID, "jobInvoker": ACCOUNT_ID,
            "signatureExpiresAt": int(job.created_at) + 135 * 30 * 86400,  # 135 months, the default validity
        }
        if profile.get("signingMaterial"):
            answer["signingMaterial"] = profile["signingMaterial"]
        if job.status != "InProgress":
            answer["completedAt"] = int(job.completed_at or job.created_at)
            answer["statusReason"] = job.status_reason
        if job.status == "Succeeded":
            answer["signedObject"] = {"s3": {"bucketName": job.destination["bucketName"], "key": job.signed_key}}
        return _reply({k: v for k, v in answer.items() if v is not None})

