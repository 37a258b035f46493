"""Lambda behaviour moto 5.2.1 lacks, kept by the proxy (docs/architecture.md, "The
local AWS twin"):

- function RevisionId ($LATEST and each published version) and its
  preconditions on UpdateFunctionCode / UpdateFunctionConfiguration /
  PublishVersion; PublishVersion's CodeSha256 precondition;
- alias RevisionId, exact RoutingConfig.AdditionalVersionWeights, 200 (not
  201) from GetAlias/UpdateAlias;
- LastUpdateStatus InProgress for the next N polls after an update, 409 for
  a second update meanwhile, and a scripted Failed outcome;
- UpdateFunctionCode from S3 honouring S3ObjectVersion;
- Invoke answered here: qualifier resolution (alias weights included),
  X-Amz-Executed-Version, scripted results, invocation counts;
- weighted-alias rules (RoutingConfig) on CreateAlias / UpdateAlias, the two versions' execution
  role and dead-letter queue included;
- DeadLetterConfig kept per $LATEST and per published version (moto 5.2.1 drops it);
- function State (Pending / Active / Inactive / Failed) with StateReason
  and StateReasonCode, and what each state refuses;
- SnapStart: published versions start Pending while the snapshot is made;
- PackageType Image functions refuse zip code and vice versa;
- container images: the ImageUri is resolved in ECR (same region, image exists, a single-
  architecture manifest); CodeSha256 is the image's manifest digest, Code.ResolvedImageUri
  names it, and each published version keeps the image it was published with;
- code from an S3 bucket in another Region than the function is refused;
- code signing: code signing configs (Create/Get, Put/Get/DeleteFunctionCodeSigningConfig, which
  moto 5.2.1 lacks but GetFunctionCodeSigningConfig, where it answers null for no config), and
  each code deployment of a function with one checked against what the twin's Signer signed
  (signer_semantics.py): SigningProfileVersionArn / SigningJobArn per version;
- tenant isolation: TenancyConfig per $LATEST and published version, Invoke's tenant id
  (X-Amz-Tenant-Id) required for a tenant-isolated version and refused otherwise, recorded;
- durable functions: DurableConfig per $LATEST and published version, durable executions recorded
  by the control API and answered by ListDurableExecutionsByFunction.

Every piece of state is keyed by (region, function name), the region being
the one the request was signed for (its SigV4 credential scope): as in AWS,
the same name in two regions is two functions. moto 5.2.1 keeps one Lambda
backend per region and picks it from the same credential scope, and the
twin's own calls to moto carry the function's region.
"""

from __future__ import annotations

import base64
import json
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qs, quote, unquote

from . import ecr_semantics, s3_semantics, signer_semantics
from .defaults import ACCOUNT_ID, DEFAULT_REGION
from .errors import aws_error, new_request_id
from .messages import ProxyRequest, Response
from .moto_client import MotoClient

LATEST = "$LATEST"
# What the control API accepts as a region (e.g. us-east-1, eu-west-1, ap-southeast-2, us-gov-west-1).
REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
API = "/2015-03-31/functions"
IN_PROGRESS_REASON = "The function is being updated."
# The codes the Lambda model allows (botocore's lambda service-2.json, StateReasonCode /
# LastUpdateStatusReasonCode); the control API refuses anything else.
_STATE_CODES_CACHE: dict[str, list[str]] = {}


def model_enum(shape_name: str) -> list[str]:
    if shape_name not in _STATE_CODES_CACHE:
        import botocore.session

        model = botocore.session.get_session().get_service_model("lambda")
        _STATE_CODES_CACHE[shape_name] = list(model.shape_for(shape_name).enum)
    return _STATE_CODES_CACHE[shape_name]


# Lambda Developer Guide, "Lambda function states"
# (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html): after CreateFunction the
# state is Pending ("Lambda does not invoke a function during pending state. Any invocations or
# other API actions that operate on the function will fail."), then Active; an Inactive function's
# invocation fails and Lambda sets it Pending until its resources are re-created. The reason
# strings below are the twin's (AWS's exact StateReason texts are not documented); the codes are
# the model's.
PENDING_REASON = "The function is being created."
RESTORING_REASON = "The function is being restored."
INACTIVE_REASON = "The function is inactive."
SNAPSTART_REASON = "Lambda is creating a snapshot of the function version."
# Observed AWS wording (ResourceConflictException on Invoke of a Pending function, e.g.
# remotion-dev/remotion#1186); the brief uses the same text for updates. AWS has also been seen
# answering updates with "The resource <arn> is currently in the following state: 'Pending'.
# StateReasonCode: 'Creating'" (aws/serverless-application-model#2356); the twin uses one text.
STATE_CONFLICT = "The operation cannot be performed at this time. The function is currently in the following state: {state}"
# Lambda API reference, Invoke, Errors: ResourceNotReadyException (502), "The function is inactive
# and its VPC connection is no longer available. Wait for the VPC connection to reestablish and try
# again." (the model's documentation of the error).
NOT_READY_MESSAGE = ("The function is inactive and its VPC connection is no longer available. "
                     "Wait for the VPC connection to reestablish and try again.")
# Observed AWS wording for UpdateFunctionCode with the wrong kind of code (InvalidParameterValueException,
# 400; e.g. appleboy/lambda-action#28, umihico/pythonista-chromeless#19). Lambda Developer Guide,
# "Create a Lambda function using a container image": "You cannot convert an existing .zip file
# archive function to use a container image."
IMAGE_NEEDS_IMAGE_URI = "Please provide ImageUri when updating a function with packageType Image."
ZIP_REFUSES_IMAGE_URI = "Please don't provide ImageUri when updating a function with packageType Zip."
# Lambda Developer Guide, "Implement Lambda canary deployments using a weighted alias"
# (https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html): "You can point an
# alias to a maximum of two Lambda function versions", both published ("The alias can't point to
# $LATEST" for weighted routing). AWS's wording for $LATEST is the one below; the texts for the other
# refusals are the twin's (AWS's are not documented).
LATEST_WEIGHTED = "$LATEST is not supported for an alias pointing to more than 1 version"
TOO_MANY_VERSIONS = "Invalid RoutingConfig: an alias can point to at most 2 versions (1 additional version)."
SAME_VERSION = "Invalid RoutingConfig: the additional version must differ from the alias's FunctionVersion ({version})."
# Same page, under "Create a routing configuration for a Lambda alias": "Both versions must have the
# same execution role", "Both versions must have the same dead-letter queue configuration, or no
# dead-letter queue configuration". AWS's answer to a role mismatch, as users report it (400
# InvalidParameterValueException, serverless-heaven/serverless-aws-alias#64): the text below. No report
# of the dead-letter mismatch was found: its text is the twin's, written after the role one.
ROLE_MISMATCH = "Specified versions must be associated with the same execution role"
DEAD_LETTER_MISMATCH = "Specified versions must be associated with the same dead letter queue configuration"
# Lambda API reference, UpdateFunctionCode (S3Bucket) and FunctionCode (S3Bucket): "An Amazon S3
# bucket in the same AWS Region as your function. The bucket can be in a different AWS account."
# What AWS answers otherwise is not documented; observed (public issue reports, e.g.
# aws-samples/aws-codepipeline-bitbucket-integration#7, aws-samples/amazon-textract-enhancer#8):
# 400 InvalidParameterValueException with the text below (older reports say "region: null" for a
# us-east-1 bucket, GetBucketLocation's old answer for it; the twin names the region).
CODE_BUCKET_ELSEWHERE = ("Error occurred while GetObject. S3 Error Code: PermanentRedirect. S3 Error Message: "
                         "The bucket is in this region: {region}. Please use this region to retry the request")
NO_SUCH_BUCKET = ("Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: "
                  "The specified bucket does not exist")
NO_SUCH_KEY = ("Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: "
               "The specified key does not exist.")
# A FunctionName ARN naming another region than the request's. Not documented; observed wording
# (ResourceNotFoundException, e.g. alexcasalboni/aws-lambda-power-tuning#18).
ARN_ELSEWHERE = "Functions from '{arn_region}' are not reachable in this region ('{region}')"
# Container images. Lambda Developer Guide, "Create a Lambda function using a container image"
# (https://docs.aws.amazon.com/lambda/latest/dg/images-create.html): "The Amazon ECR repository must
# be in the same AWS Region as the Lambda function", and "Lambda does not support functions that use
# multi-architecture container images"; UpdateFunctionCode (API reference): "Lambda resolves the image
# tag to an image digest. In Amazon ECR, if you update the image tag to a new image, Lambda does not
# automatically update the function." The texts are AWS's as observed (400
# InvalidParameterValueException): "Source image … does not exist. Provide a valid source image."
# (aws/aws-cdk#24648, aws-amplify/amplify-cli#13673), "… is not valid. …" (a URI without a tag,
# aws-samples/bedrock-access-gateway#205; an image of another region, binxio/cfn-ses-provider#27, to
# which the twin adds a sentence naming the regions), and the media-type text
# (aws/aws-lambda-roadmap#82, serverless/serverless#12933).
IMAGE_NOT_VALID = "Source image {uri} is not valid. Provide a valid source image."
IMAGE_MISSING = "Source image {uri} does not exist. Provide a valid source image."
IMAGE_ELSEWHERE = ("Source image {uri} is not valid. Provide a valid source image. Lambda reads container images "
                   "only from Amazon ECR in the function's own Region ({region}); this image is in {image_region}.")
IMAGE_MEDIA_TYPE = "The image manifest, config or layer media type for the source image {uri} is not supported."
# Code signing. Lambda Developer Guide, "Using code signing to verify code integrity with Lambda"
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html): Lambda checks
# integrity, expiry, mismatch ("signed with an allowed signing profile") and revocation at each
# deployment; with UntrustedArtifactOnDeployment Warn (the default) it deploys anyway, with Enforce
# it "blocks the deployment". API reference: CodeVerificationFailedException (400) "The code
# signature failed one or more of the validation checks for signature mismatch or expiry, and the
# code signing policy is set to ENFORCE"; InvalidCodeSignatureException (400) "The code signature
# failed the integrity check. Lambda always blocks deployment if the integrity check fails, even if
# code signing policy is set to WARN." The CodeVerificationFailedException text is AWS's as
# observed (aws/aws-cdk#29474, aws/aws-sam-cli#2424, open-telemetry/opentelemetry-lambda#1548); the
# integrity text is the model's description (AWS's own message is not known).
CODE_VERIFICATION_FAILED = ("Lambda cannot deploy the function. The function or layer might be signed using a "
                            "signature that the client is not configured to accept. Check the provided signature "
                            "for {name}.")
INVALID_CODE_SIGNATURE = "The code signature failed the integrity check."
CSC_NOT_FOUND = "The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}."
CSC_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z]{2}(-gov)?-[a-z]+-\d):(?P<account>\d{12}):"
                     r"code-signing-config:(?P<id>csc-[a-z0-9]{17})$")
# What the control API takes as a role (the model's RoleArn pattern, botocore lambda service-2.json)
# and as a dead-letter queue (an SQS queue or SNS topic ARN: Lambda DG "Adding a dead-letter queue";
# the model's TargetArn pattern only asks for an ARN).
ROLE_ARN = re.compile(r"^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$")
DEAD_LETTER_ARN = re.compile(r"^arn:(aws[a-zA-Z-]*)?:(sqs|sns):[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:[a-zA-Z0-9-_.]+$")
# Tenant isolation. Lambda DG "Invoking Lambda functions with tenant isolation"
# (https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation-invoke.html): "When invoking a function
# that has tenant isolation enabled, you must provide a tenant-id parameter" (header X-Amz-Tenant-Id).
# "Troubleshooting tenant isolation for Lambda functions"
# (https://docs.aws.amazon.com/lambda/latest/dg/tenant-isolation-troubleshooting.html):
# InvalidParameterValueException, "Error : Tenant ID configuration not specified or passed to a function
# when tenant isolation is not enabled." — "This error occurs when invoking a tenant-isolated function
# without a tenant ID, or invoking a non-tenant-isolated function with a tenant ID." The twin answers
# that documented text for both cases (whether AWS words them differently is not documented).
TENANT_ID_MISMATCH = ("Tenant ID configuration not specified or passed to a function when tenant isolation "
                      "is not enabled.")
TENANCY_MODES = ("PER_TENANT",)  # the model's TenantIsolationMode enum
# DurableConfig for "durable": true: the Lambda DG's example ExecutionTimeout (3600 s) and the documented
# default retention (14 days; "Configure Lambda durable functions",
# https://docs.aws.amazon.com/lambda/latest/dg/durable-configuration.html).
DEFAULT_DURABLE_CONFIG = {"ExecutionTimeout": 3600, "RetentionPeriodInDays": 14}
DURABLE_LIMITS = {"ExecutionTimeout": (1, 31622400), "RetentionPeriodInDays": (1, 90)}  # the model's ranges
DURABLE_LIST_DEFAULT = 100  # ListDurableExecutionsByFunction MaxItems: "Default is 100."
DURABLE_NAME = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")  # the model's DurableExecutionName
PRECONDITION_MESSAGE = ("The Revision Id provided does not match the latest Revision Id. "
                        "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")

Forward = Callable[..., Response]


def new_revision() -> str:
    return str(uuid.uuid4())


class ControlRefusal(Exception):
    """A control-API request refused with an HTTP status (control.py answers it as such)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def control_region(body: dict) -> str:
    """The optional "region" of a control-API body (default us-east-1)."""
    region = body.get("region")
    if region is None:
        return DEFAULT_REGION
    if not isinstance(region, str) or not REGION_PATTERN.match(region):
        raise ValueError("region must be a region name such as us-east-1 or eu-west-1")
    return region


def function_path(req) -> tuple[list[str], str, str | None] | None:
    """A Lambda request about one function: its path's parts, the function's name and the path's
    qualifier (name:qualifier); None for any other path."""
    parts = [p for p in req.path.split("/") if p]
    if len(parts) < 3 or parts[1] != "functions":
        return None
    name, qualifier = parse_function_ref(parts[2])
    return parts, name, qualifier


def control_function(body: dict, allowed: set[str]) -> tuple[str, str]:
    """(region, function name) of a control-API body about one function: its fields limited to
    `allowed` (with "function" and "region"), "function" required."""
    unknown = sorted(set(body) - allowed - {"function", "region"})
    if unknown:
        raise ValueError("unknown field(s): " + ", ".join(unknown))
    function = body.get("function")
    if not isinstance(function, str) or not function:
        raise ValueError("function is required (a function name)")
    region = control_region(body)
    name, _ = parse_function_ref(function)
    return region, name


def arn_region(ref: str) -> str | None:
    """The region of a full function ARN (arn:aws:lambda:REGION:…), else None."""
    ref = unquote(ref)
    if not ref.startswith("arn:"):
        return None
    parts = ref.split(":")
    return parts[3] or None if len(parts) > 3 else None


def parse_function_ref(ref: str) -> tuple[str, str | None]:
    """(name, qualifier) of a FunctionName in any accepted form: name,
    name:qualifier, full ARN (optionally qualified), or partial ARN
    123456789012:function:name[:qualifier]."""
    ref = unquote(ref)
    if ref.startswith("arn:"):
        parts = ref.split(":")
        name = parts[6] if len(parts) > 6 else ref
        qualifier = parts[7] if len(parts) > 7 else None
        return name, qualifier or None
    if ":function:" in ref:
        ref = ref.split(":function:", 1)[1]
    name, _, qualifier = ref.partition(":")
    return name, qualifier or None


def dead_letter_target(body: dict) -> str | None:
    """DeadLetterConfig.TargetArn of a CreateFunction / UpdateFunctionConfiguration body (None for
    none: an empty or missing TargetArn removes the queue)."""
    config = body.get("DeadLetterConfig")
    target = config.get("TargetArn") if isinstance(config, dict) else None
    return target if isinstance(target, str) and target else None


@dataclass(frozen=True)
class ImageCode:
    """The image of an Image function's $LATEST or of one published version."""
    image_uri: str         # as the caller gave it (tag or digest)
    resolved_uri: str      # <registry>/<repository>@sha256:<hex>, what Lambda resolved it to
    digest: str            # sha256:<hex>

    @property
    def code_sha256(self) -> str:
        return self.digest.split(":", 1)[1]


@dataclass
class VersionState:
    """A published version's State (SnapStart versions start Pending)."""
    state: str = "Active"
    polls_left: int = 0
    reason: str | None = None
    reason_code: str | None = None
    final: tuple[str, str, str] | None = None  # ("Failed", reason, code) when scripted

    def observe(self) -> None:
        if self.state != "Pending":
            return
        if self.polls_left > 0:
            self.polls_left -= 1
            return
        if self.final is not None:
            self.state, self.reason, self.reason_code = self.final
        else:
            self.state, self.reason, self.reason_code = "Active", None, None


@dataclass
class FunctionState:
    revision: str
    region: str = DEFAULT_REGION
    name: str = ""
    arn: str | None = None
    version_revisions: dict[str, str] = field(default_factory=dict)
    status: str = "Successful"
    polls_left: int = 0
    pending_failure: str | None = None
    failure_reason: str | None = None
    pending_failure_code: str | None = None
    failure_code: str | None = None
    # Function State ($LATEST): Pending / Active / Inactive / Failed.
    state: str = "Active"
    state_polls_left: int = 0
    state_reason: str | None = None
    state_reason_code: str | None = None
    package_type: str | None = None       # from moto's configuration, or forced by the control API
    package_type_forced: str | None = None
    snap_start: bool = False              # SnapStart.ApplyOn == PublishedVersions
    versions: dict[str, VersionState] = field(default_factory=dict)
    # Image functions: the image of $LATEST and of each published version (frozen at PublishVersion).
    images: dict[str, ImageCode] = field(default_factory=dict)
    # Signed code: (SigningProfileVersionArn, SigningJobArn) of $LATEST and of each published version.
    signing: dict[str, tuple[str, str]] = field(default_factory=dict)
    # DeadLetterConfig.TargetArn of $LATEST and of each published version (None: no dead-letter queue;
    # a version absent here has none). moto 5.2.1 neither stores nor returns DeadLetterConfig.
    dead_letters: dict[str, str | None] = field(default_factory=dict)
    # TenancyConfig.TenantIsolationMode ("PER_TENANT") and DurableConfig of $LATEST and of each
    # published version (frozen at PublishVersion like the dead-letter queue; a version absent here
    # has none). moto 5.2.1 knows neither.
    tenancy: dict[str, str | None] = field(default_factory=dict)
    durable: dict[str, dict | None] = field(default_factory=dict)
    # Durable executions recorded by the control API (POST /_twin/durable-executions), oldest first.
    durable_executions: list[dict] = field(default_factory=list)

    def freeze_dead_letter(self, version: str) -> None:
        """A version just published keeps $LATEST's dead-letter queue, tenancy and durable config
        (an existing one keeps its own)."""
        if version != LATEST and version not in self.dead_letters:
            self.dead_letters[version] = self.dead_letters.get(LATEST)
        if version != LATEST and version not in self.tenancy:
            self.tenancy[version] = self.tenancy.get(LATEST)
        if version != LATEST and version not in self.durable:
            durable = self.durable.get(LATEST)
            self.durable[version] = dict(durable) if durable else None

    def set_pending(self, polls: int, reason: str, code: str) -> None:
        self.state, self.state_reason, self.state_reason_code = "Pending", reason, code
        self.state_polls_left = polls
        if polls <= 0:
            self._activate()

    def _activate(self) -> None:
        self.state, self.state_reason, self.state_reason_code = "Active", None, None
        self.state_polls_left = 0

    def observe_state(self, consume: bool) -> None:
        if self.state == "Pending" and consume:
            if self.state_polls_left > 0:
                self.state_polls_left -= 1
            else:
                self._activate()

    @property
    def effective_package_type(self) -> str:
        return self.package_type_forced or self.package_type or "Zip"

    @property
    def in_progress(self) -> bool:
        return self.status == "InProgress"

    def start_update(self, polls: int, failure: str | None, failure_code: str | None = None) -> None:
        self.revision = new_revision()
        self.pending_failure = failure
        self.pending_failure_code = failure_code
        if polls <= 0:
            self._finish()
        else:
            self.status = "InProgress"
            self.polls_left = polls

    def _finish(self) -> None:
        if self.pending_failure is not None:
            self.status = "Failed"
            self.failure_reason = self.pending_failure
            self.failure_code = self.pending_failure_code or "InternalError"
        else:
            self.status = "Successful"
            self.failure_reason = None
            self.failure_code = None
        self.pending_failure = None
        self.pending_failure_code = None
        self.polls_left = 0

    def observe(self, consume: bool) -> None:
        """A GetFunction/GetFunctionConfiguration poll of $LATEST."""
        if self.in_progress and consume:
            if self.polls_left > 0:
                self.polls_left -= 1
            else:
                self._finish()

    def apply_status(self, config: dict) -> None:
        for key in ("LastUpdateStatusReason", "LastUpdateStatusReasonCode", "StateReason", "StateReasonCode"):
            config.pop(key, None)
        config["State"] = self.state
        if self.state != "Active":
            config["StateReason"] = self.state_reason or ""
            if self.state_reason_code:
                config["StateReasonCode"] = self.state_reason_code
        config["LastUpdateStatus"] = self.status
        if self.status == "InProgress":
            config["LastUpdateStatusReason"] = IN_PROGRESS_REASON
        elif self.status == "Failed":
            config["LastUpdateStatusReason"] = self.failure_reason or ""
            config["LastUpdateStatusReasonCode"] = self.failure_code or "InternalError"
        if self.package_type_forced:
            config["PackageType"] = self.package_type_forced
        config["SnapStart"] = {"ApplyOn": "PublishedVersions" if self.snap_start else "None",
                               "OptimizationStatus": "Off"}


@dataclass
class AliasState:
    revision: str
    weights: dict[str, float] = field(default_factory=dict)


FnKey = tuple[str, str]  # (region, function name)

# The /_twin/lambda knobs: (API name, attribute, default).
KNOBS = (
    ("updatePolls", "update_polls", 2),
    ("failNextUpdate", "fail_next_update", None),
    ("failNextUpdateCode", "fail_next_update_code", "InternalError"),
    ("pendingPolls", "pending_polls", 0),        # reads of a new (or re-activating) function that say Pending
    ("snapStartPolls", "snapstart_polls", 2),    # reads of a new SnapStart version that say Pending
    ("failNextSnapStart", "fail_next_snapstart", None),
)


def _snapstart_json(value: tuple[str, str] | None) -> dict | None:
    return None if value is None else {"reason": value[0], "reasonCode": value[1]}


class LambdaState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.functions: dict[FnKey, FunctionState] = {}
            self.aliases: dict[tuple[str, str, str], AliasState] = {}     # (region, function, alias)
            self.scripts: dict[tuple[str, str, str], dict] = {}           # (region, function, qualifier or *)
            self.invocations: dict[tuple[str, str, str], int] = {}        # (region, function, version)
            # Invocations that carried a tenant id (X-Amz-Tenant-Id), in order: (region, function) →
            # [{"qualifier", "executedVersion", "tenantId"}].
            self.tenant_invocations: dict[tuple[str, str], list[dict]] = {}
            for _, attr, default in KNOBS:
                setattr(self, attr, default)
            # Knobs set for one function (POST /_twin/lambda with "function"): (region, name) → {attr: value}.
            self.overrides: dict[FnKey, dict] = {}
            # Code signing configs by ARN (each lives in its ARN's region) and which one each
            # function has (PutFunctionCodeSigningConfig / CreateFunction CodeSigningConfigArn).
            self.code_signing_configs: dict[str, dict] = {}
            self.function_csc: dict[FnKey, str] = {}
            self.rng = random.Random()

    # Knobs -------------------------------------------------------------------

    def knob(self, key: FnKey, attr: str):
        """A knob's value for one function: its own when set, else the global one."""
        own = self.overrides.get(key)
        if own is not None and attr in own:
            return own[attr]
        return getattr(self, attr)

    def take_update_failure(self, key: FnKey) -> tuple[str, str] | None:
        """The one-shot scripted failure for the next update of this function, if any (its own
        first, else the global one), consumed."""
        own = self.overrides.get(key) or {}
        if own.get("fail_next_update") is not None:
            reason = own.pop("fail_next_update")
            return reason, own.pop("fail_next_update_code", "InternalError")
        if self.fail_next_update is not None:
            taken = (self.fail_next_update, self.fail_next_update_code)
            self.fail_next_update, self.fail_next_update_code = None, "InternalError"
            return taken
        return None

    def take_snapstart_failure(self, key: FnKey) -> tuple[str, str] | None:
        own = self.overrides.get(key) or {}
        if own.get("fail_next_snapstart") is not None:
            return own.pop("fail_next_snapstart")
        taken, self.fail_next_snapstart = self.fail_next_snapstart, None
        return taken

    @staticmethod
    def _parse_knobs(body: dict) -> dict:
        """The knobs a /_twin/lambda body sets, validated: {attr: value}."""
        for key in ("updatePolls", "pendingPolls", "snapStartPolls"):
            if key in body:
                polls = body[key]
                if not isinstance(polls, int) or isinstance(polls, bool) or polls < 0:
                    raise ValueError(f"{key} must be a non-negative integer")
        if "failNextUpdate" in body:
            reason = body["failNextUpdate"]
            if reason is not None and not isinstance(reason, str):
                raise ValueError("failNextUpdate must be a string or null")
        if "failNextUpdateCode" in body and body["failNextUpdateCode"] not in model_enum("LastUpdateStatusReasonCode"):
            raise ValueError("failNextUpdateCode must be one of " + ", ".join(model_enum("LastUpdateStatusReasonCode")))
        snap = body.get("failNextSnapStart")
        if snap is not None:
            if not isinstance(snap, dict) or not isinstance(snap.get("reason"), str):
                raise ValueError('failNextSnapStart must be {"reason": str, "reasonCode"?: str} or null')
            if snap.get("reasonCode", "InternalError") not in model_enum("StateReasonCode"):
                raise ValueError("reasonCode must be one of " + ", ".join(model_enum("StateReasonCode")))
        values: dict = {}
        for api, attr, _ in KNOBS:
            if api in body and api != "failNextSnapStart":
                values[attr] = body[api]
        if "failNextUpdate" in body and "failNextUpdateCode" not in body:
            values["fail_next_update_code"] = "InternalError"
        if "failNextSnapStart" in body:
            values["fail_next_snapstart"] = (None if snap is None
                                             else (snap["reason"], snap.get("reasonCode", "InternalError")))
        return values

    def _knobs_json(self, key: FnKey | None = None) -> dict:
        """The knobs in force (for `key`: that function's effective values)."""
        out = {}
        for api, attr, _ in KNOBS:
            value = getattr(self, attr) if key is None else self.knob(key, attr)
            out[api] = _snapstart_json(value) if attr == "fail_next_snapstart" else value
        return out

    def configure(self, body: dict) -> dict:
        with self.lock:
            function = body.get("function")
            if function is None:
                if "region" in body:
                    raise ValueError("region scopes the knobs of one function: give function as well")
                values = self._parse_knobs(body)
                for attr, value in values.items():
                    setattr(self, attr, value)
                if "seed" in body:
                    self.rng = random.Random(body["seed"])
                answer = self._knobs_json()
                answer["functions"] = [
                    {"function": name, "region": region,
                     **{api: (_snapstart_json(own[attr]) if attr == "fail_next_snapstart" else own[attr])
                        for api, attr, _ in KNOBS if attr in own}}
                    for (region, name), own in sorted(self.overrides.items()) if own]
                return answer
            if not isinstance(function, str) or not function:
                raise ValueError("function must be a function name")
            if "seed" in body:
                raise ValueError("seed (alias weight draws) is global: send it without function")
            region = control_region(body)
            name, _ = parse_function_ref(function)
            values = self._parse_knobs(body)
            own = self.overrides.setdefault((region, name), {})
            for attr, value in values.items():
                if attr in ("fail_next_update", "fail_next_snapstart") and value is None:
                    own.pop(attr, None)  # null clears this function's own one-shot failure
                    if attr == "fail_next_update":
                        own.pop("fail_next_update_code", None)
                else:
                    own[attr] = value
            return {"function": name, "region": region, **self._knobs_json((region, name))}

    # Invoke scripts and counts ---------------------------------------------------

    def script(self, body: dict) -> dict:
        function = body.get("function")
        if not isinstance(function, str) or not function:
            raise ValueError("function is required")
        region = control_region(body)
        name, _ = parse_function_ref(function)
        qualifier = str(body.get("qualifier") or "*")
        payload = body.get("payload")
        if payload is not None and not isinstance(payload, str):
            payload = json.dumps(payload)
        entry = {
            "statusCode": int(body.get("statusCode") or 200),
            "payload": payload,
            "functionError": body.get("functionError"),
        }
        with self.lock:
            self.scripts[(region, name, qualifier)] = entry
        return {"function": name, "region": region, "qualifier": qualifier, **entry}

    def invocation_counts(self, region: str = DEFAULT_REGION) -> dict:
        """{function: {version: count}} for one region; for region "*",
        {region: {function: {version: count}}}."""
        with self.lock:
            out: dict = {}
            for (fn_region, name, version), count in sorted(self.invocations.items()):
                if region == "*":
                    out.setdefault(fn_region, {}).setdefault(name, {})[version] = count
                elif fn_region == region:
                    out.setdefault(name, {})[version] = count
            return out


def parse_tenancy(value) -> str | None:
    """A control body's "tenancy": "PER_TENANT" (the model's TenantIsolationMode) or null (none)."""
    if value is not None and value not in TENANCY_MODES:
        raise ValueError("tenancy must be " + " or ".join(f'"{m}"' for m in TENANCY_MODES) + " or null")
    return value


def parse_durable(value) -> dict | None:
    """A control body's "durable": true (DEFAULT_DURABLE_CONFIG), false / null (none), or a DurableConfig
    {"ExecutionTimeout"?, "RetentionPeriodInDays"?} within the model's ranges."""
    if value is None or value is False:
        return None
    if value is True:
        return dict(DEFAULT_DURABLE_CONFIG)
    if not isinstance(value, dict) or not value or set(value) - set(DURABLE_LIMITS):
        raise ValueError('durable must be true, false, null or {"ExecutionTimeout"?: s, "RetentionPeriodInDays"?: d}')
    for key, (low, high) in DURABLE_LIMITS.items():
        if key in value:
            number = value[key]
            if not isinstance(number, int) or isinstance(number, bool) or not low <= number <= high:
                raise ValueError(f"durable.{key} must be an integer from {low} to {high}")
    return dict(value)


def _public_execution(execution: dict) -> dict:
    """An Execution as ListDurableExecutionsByFunction answers it (the model's members)."""
    return {k: v for k, v in execution.items() if not k.startswith("_")}


def _query_time(value: str | None) -> float | None:
    """A querystring timestamp (botocore sends ISO 8601; epoch seconds accepted too)."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    from datetime import datetime, timezone

    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def _json_body(resp: Response) -> dict | None:
    try:
        value = json.loads(resp.body or b"null")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _with_json(resp: Response, payload: dict, status: int | None = None) -> Response:
    resp.body = json.dumps(payload).encode()
    resp.set_header("Content-Type", "application/json")
    if status is not None:
        resp.status = status
    return resp


def _err(status: int, code: str, message: str) -> Response:
    return aws_error("rest-json", status, code, message)


def _s3_error_fields(body: bytes) -> tuple[str, str]:
    text = body.decode("utf-8", "replace")
    code = re.search(r"<Code>(.*?)</Code>", text, re.S)
    message = re.search(r"<Message>(.*?)</Message>", text, re.S)
    return (code.group(1) if code else "Unknown", message.group(1) if message else text[:200])


class LambdaSemantics:
    def __init__(self, state: LambdaState, moto: MotoClient,
                 s3_state: s3_semantics.S3State | None = None,
                 signer_state: signer_semantics.SignerState | None = None) -> None:
        self.state = state
        self.moto = moto
        self.s3_state = s3_state  # bucket regions (code from S3 must be in the function's region)
        self.signer_state = signer_state  # what the twin's Signer signed (code signing checks)

    # Entry point -----------------------------------------------------------

    def handle(self, req: ProxyRequest, forward: Forward) -> Response:
        parts = [p for p in req.path.split("/") if p]
        name = qualifier = None
        if len(parts) >= 3 and parts[1] == "functions":
            name, qualifier = parse_function_ref(parts[2])
            elsewhere = arn_region(parts[2])
            if elsewhere and elsewhere != req.region:
                # The function lives in its ARN's region; this request was signed for another.
                return _err(404, "ResourceNotFoundException",
                            ARN_ELSEWHERE.format(arn_region=elsewhere, region=req.region))
        handler = {
            "CreateFunction": self._create_function,
            "GetFunction": self._get_function,
            "GetFunctionConfiguration": self._get_function,
            "ListVersionsByFunction": self._list_versions,
            "ListFunctions": self._list_functions,
            "UpdateFunctionCode": self._update_function,
            "UpdateFunctionConfiguration": self._update_function,
            "PublishVersion": self._publish_version,
            "CreateAlias": self._create_alias,
            "GetAlias": self._get_alias,
            "UpdateAlias": self._update_alias,
            "ListAliases": self._list_aliases,
            "DeleteAlias": self._delete_alias,
            "DeleteFunction": self._delete_function,
            "Invoke": self._invoke,
            "ListDurableExecutionsByFunction": self._list_durable_executions,
            "CreateCodeSigningConfig": self._create_csc,
            "GetCodeSigningConfig": self._get_csc,
            "GetFunctionCodeSigningConfig": self._get_function_csc,
            "PutFunctionCodeSigningConfig": self._put_function_csc,
            "DeleteFunctionCodeSigningConfig": self._delete_function_csc,
        }.get(req.operation or "")
        with self.state.lock:
            if handler is None or (name is None and req.operation not in (
                    "CreateFunction", "ListFunctions", "CreateCodeSigningConfig", "GetCodeSigningConfig")):
                resp = forward()
            else:
                resp = handler(req, forward, name, qualifier)
        if (resp.header("Content-Type") or "").startswith("text/html"):
            resp.set_header("Content-Type", "application/json")  # moto says text/html
        return resp

    # Helpers -----------------------------------------------------------------

    def _arn(self, name: str, region: str) -> str:
        st = self.state.functions.get((region, name))
        if st and st.arn:
            return st.arn
        return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"

    def _moto_get(self, path: str, region: str) -> Response:
        return self.moto.call("GET", API + path, "lambda", region=region)

    def _latest_config(self, name: str, region: str) -> dict | None:
        resp = self._moto_get(f"/{quote(name, safe='')}/configuration", region)
        return _json_body(resp) if resp.status == 200 else None

    def _function_state(self, name: str, region: str) -> FunctionState | None:
        st = self.state.functions.get((region, name))
        if st is None:
            config = self._latest_config(name, region)
            if config is None:
                return None
            st = self._remember_function(config, region)
        return st

    def _remember_function(self, config: dict, region: str, fresh: bool = False) -> FunctionState:
        name = config.get("FunctionName", "")
        st = None if fresh else self.state.functions.get((region, name))
        if st is None:
            st = FunctionState(revision=new_revision(), region=region, name=name)
            self.state.functions[(region, name)] = st
        arn = config.get("FunctionArn")
        if arn:
            version = str(config.get("Version", LATEST))
            st.arn = arn[: -len(version) - 1] if arn.endswith(":" + version) else arn
        if config.get("PackageType"):
            st.package_type = config["PackageType"]
        return st

    def decorate_config(self, config: dict, consume: bool, region: str) -> dict:
        """RevisionId, State and LastUpdateStatus into one FunctionConfiguration of a function in
        `region`."""
        st = self._remember_function(config, region)
        version = str(config.get("Version", LATEST))
        if version == LATEST:
            st.observe(consume)
            st.observe_state(consume)
            config["RevisionId"] = st.revision
            st.apply_status(config)
        else:
            config["RevisionId"] = st.version_revisions.setdefault(version, new_revision())
            config["LastUpdateStatus"] = "Successful"
            for key in ("LastUpdateStatusReason", "LastUpdateStatusReasonCode", "StateReason", "StateReasonCode"):
                config.pop(key, None)
            vs = st.versions.get(version)
            if vs is not None:  # a SnapStart version
                if consume:
                    vs.observe()
                config["State"] = vs.state
                if vs.state != "Active":
                    config["StateReason"] = vs.reason or ""
                    if vs.reason_code:
                        config["StateReasonCode"] = vs.reason_code
                config["SnapStart"] = {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
            if st.package_type_forced:
                config["PackageType"] = st.package_type_forced
        image = st.images.get(version)
        if image is not None:  # moto says sha256(ImageUri string); Lambda says the image's digest
            config["CodeSha256"] = image.code_sha256
        self._apply_signing(st, config, version)
        self._apply_dead_letter(st, config, version)
        self._apply_kinds(st, config, version)
        return config

    @staticmethod
    def _apply_kinds(st: FunctionState, config: dict, version: str) -> None:
        """TenancyConfig and DurableConfig (Lambda API reference, FunctionConfiguration) of $LATEST or
        a version; absent without one (moto 5.2.1 returns neither)."""
        mode = st.tenancy.get(version)
        if mode:
            config["TenancyConfig"] = {"TenantIsolationMode": mode}
        else:
            config.pop("TenancyConfig", None)
        durable = st.durable.get(version)
        if durable:
            config["DurableConfig"] = dict(durable)
        else:
            config.pop("DurableConfig", None)

    @staticmethod
    def _apply_dead_letter(st: FunctionState, config: dict, version: str) -> None:
        """DeadLetterConfig (Lambda API reference, FunctionConfiguration) of $LATEST or a version;
        absent without one."""
        target = st.dead_letters.get(version)
        if target:
            config["DeadLetterConfig"] = {"TargetArn": target}
        else:
            config.pop("DeadLetterConfig", None)

    @staticmethod
    def _apply_signing(st: FunctionState, config: dict, version: str) -> None:
        """SigningProfileVersionArn / SigningJobArn of signed code (Lambda API reference,
        FunctionConfiguration); absent otherwise (moto 5.2.1 says null)."""
        signing = st.signing.get(version)
        if signing is not None:
            config["SigningProfileVersionArn"], config["SigningJobArn"] = signing
        else:
            for key in ("SigningProfileVersionArn", "SigningJobArn"):
                if config.get(key) is None:
                    config.pop(key, None)

    def code_location(self, name: str, region: str, config: dict) -> dict | None:
        """GetFunction's Code for an image function's version (None: not an image the twin resolved)."""
        st = self.state.functions.get((region, name))
        image = st.images.get(str(config.get("Version", LATEST))) if st else None
        if image is None:
            return None
        return {"RepositoryType": "ECR", "ImageUri": image.image_uri, "ResolvedImageUri": image.resolved_uri}

    def set_function_state(self, body: dict) -> dict:
        """The control API's knob: State (and reason), or PackageType, of a function."""
        function = body.get("function")
        if not isinstance(function, str) or not function:
            raise ValueError("function is required")
        region = control_region(body)
        name, _ = parse_function_ref(function)
        st = self._function_state(name, region)
        if st is None:
            raise LookupError(f"no function {name} in {region}")
        if "packageType" in body:
            if body["packageType"] not in ("Zip", "Image", None):
                raise ValueError("packageType must be Zip, Image or null")
            st.package_type_forced = body["packageType"]
        state = body.get("state")
        if state is not None:
            codes = model_enum("StateReasonCode")
            code = body.get("reasonCode")
            if code is not None and code not in codes:
                raise ValueError("reasonCode must be one of " + ", ".join(codes))
            version = body.get("version")
            if version is not None:
                vs = st.versions.setdefault(str(version), VersionState())
                if state not in ("Pending", "Active", "Failed"):
                    raise ValueError("a version's state is Pending, Active or Failed")
                vs.state, vs.reason, vs.reason_code = state, body.get("reason"), code
                vs.polls_left = int(body.get("polls") or 0)
            elif state == "Active":
                st._activate()
            elif state == "Pending":
                st.set_pending(int(body.get("polls") or self.state.knob((region, name), "pending_polls")),
                               body.get("reason") or PENDING_REASON, code or "Creating")
                if st.state == "Active":  # polls 0: still say Pending once, as AWS would
                    st.state, st.state_reason, st.state_reason_code = "Pending", body.get("reason") or PENDING_REASON, code or "Creating"
            elif state == "Inactive":
                st.state, st.state_reason, st.state_reason_code = "Inactive", body.get("reason") or INACTIVE_REASON, code or "Idle"
            elif state == "Failed":
                st.state, st.state_reason, st.state_reason_code = "Failed", body.get("reason") or "", code or "InternalError"
            else:
                raise ValueError("state must be Pending, Active, Inactive or Failed")
        return {"function": name, "region": region, "state": st.state, "stateReason": st.state_reason,
                "stateReasonCode": st.state_reason_code, "packageType": st.effective_package_type,
                "versions": {v: {"state": vs.state, "reason": vs.reason, "reasonCode": vs.reason_code}
                             for v, vs in sorted(st.versions.items())}}

    def set_function_config(self, body: dict) -> dict:
        """POST /_twin/function-config: $LATEST's Role and/or DeadLetterConfig changed as
        UpdateFunctionConfiguration changes them (through moto, so reads and a later PublishVersion
        see them), with a new RevisionId, but settled at once: LastUpdateStatus Successful, no
        InProgress polls, no scripted failure used. Refused like the API while the function is
        Pending or an update is in progress (409)."""
        function = body.get("function")
        if not isinstance(function, str) or not function:
            raise ValueError("function is required (a function name)")
        region = control_region(body)
        name, _ = parse_function_ref(function)
        unknown = sorted(set(body) - {"function", "region", "role", "deadLetterTargetArn"})
        if unknown:
            raise ValueError("unknown field(s): " + ", ".join(unknown))
        if "role" not in body and "deadLetterTargetArn" not in body:
            raise ValueError("give role and/or deadLetterTargetArn")
        update: dict = {}
        if "role" in body:
            role = body["role"]
            if not isinstance(role, str) or not ROLE_ARN.match(role):
                raise ValueError("role must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME)")
            update["Role"] = role
        if "deadLetterTargetArn" in body:
            target = body["deadLetterTargetArn"]
            if not isinstance(target, str) or (target and not DEAD_LETTER_ARN.match(target)):
                raise ValueError('deadLetterTargetArn must be an SQS queue or SNS topic ARN, or "" to remove it')
            update["DeadLetterConfig"] = {"TargetArn": target}
        st = self._function_state(name, region)
        if st is None:
            raise LookupError(f"no function {name} in {region}")
        refusal = self._state_conflict(st, name, region)
        if refusal is None and st.in_progress:
            refusal = self._conflict(name, region)
        if refusal is not None:
            raise ControlRefusal(refusal.status, json.loads(refusal.body).get("message", ""))
        resp = self.moto.call("PUT", f"{API}/{quote(name, safe='')}/configuration", "lambda",
                              json.dumps(update).encode(), "application/json", region=region)
        config = _json_body(resp)
        if resp.status != 200 or config is None:
            raise ControlRefusal(502, f"moto UpdateFunctionConfiguration: {resp.status} {resp.body[:300]!r}")
        if "DeadLetterConfig" in update:
            st.dead_letters[LATEST] = dead_letter_target(update)
        st.start_update(0, None)  # a new RevisionId, LastUpdateStatus Successful
        return self._decorate_after_update(st, config, region)

    def set_function_kind(self, body: dict) -> dict:
        """POST /_twin/function-kind: makes a function tenant-isolated (TenancyConfig PER_TENANT) and/or
        durable (DurableConfig) from now on: $LATEST and the versions published after it; each version
        published before keeps what it had. AWS sets both at CreateFunction only (Lambda DG "Tenant
        isolation": "Tenant isolation configuration cannot be modified after function creation";
        "Configure Lambda durable functions": "You can only enable durable execution when creating a
        function"): this is the twin's shortcut for a function seeded without them. No RevisionId or
        LastUpdateStatus change (as if the function had been created so)."""
        function = body.get("function")
        if not isinstance(function, str) or not function:
            raise ValueError("function is required (a function name)")
        region = control_region(body)
        name, _ = parse_function_ref(function)
        unknown = sorted(set(body) - {"function", "region", "tenancy", "durable"})
        if unknown:
            raise ValueError("unknown field(s): " + ", ".join(unknown))
        if "tenancy" not in body and "durable" not in body:
            raise ValueError("give tenancy and/or durable")
        tenancy = parse_tenancy(body.get("tenancy")) if "tenancy" in body else None
        durable = parse_durable(body.get("durable")) if "durable" in body else None
        st = self._function_state(name, region)
        if st is None:
            raise LookupError(f"no function {name} in {region}")
        if "tenancy" in body:
            st.tenancy[LATEST] = tenancy
        if "durable" in body:
            st.durable[LATEST] = durable
        config = self._latest_config(name, region)
        if config is None:
            raise LookupError(f"no function {name} in {region}")
        return self.decorate_config(config, consume=False, region=region)

    def record_durable_executions(self, body: dict) -> dict:
        """POST /_twin/durable-executions: N durable executions of one version (pinned to it, as an
        invocation through a version or alias pins them: Lambda DG "Best practices for Lambda durable
        functions"), listed by ListDurableExecutionsByFunction."""
        function = body.get("function")
        if not isinstance(function, str) or not function:
            raise ValueError("function is required (a function name)")
        region = control_region(body)
        name, _ = parse_function_ref(function)
        unknown = sorted(set(body) - {"function", "region", "version", "running", "status"})
        if unknown:
            raise ValueError("unknown field(s): " + ", ".join(unknown))
        version = body.get("version")
        if isinstance(version, int) and not isinstance(version, bool):
            version = str(version)
        if not isinstance(version, str) or not (version.isdigit() or version == LATEST):
            raise ValueError('version is required: a published version ("3") or "$LATEST"')
        count = body.get("running")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 1000:
            raise ValueError("running must be an integer from 0 to 1000 (how many executions to record)")
        status = body.get("status", "RUNNING")
        statuses = model_enum("ExecutionStatus")
        if status not in statuses:
            raise ValueError("status must be one of " + ", ".join(statuses))
        st = self._function_state(name, region)
        if st is None:
            raise LookupError(f"no function {name} in {region}")
        if not self._version_exists(name, version, region):
            raise LookupError(f"no version {version} of {name} in {region}")
        if not st.durable.get(version):
            raise ValueError(f"version {version} of {name} is not durable (no DurableConfig): make the function "
                             "durable (POST /_twin/function-kind, or seed-function \"durable\") before publishing it")
        function_arn = f"{self._arn(name, region)}:{version}"
        now = time.time()
        last = st.durable_executions[-1]["StartTimestamp"] if st.durable_executions else 0.0
        made = []
        for _ in range(count):
            started = max(now, last + 0.001)
            last = started
            execution_id = uuid.uuid4().hex
            exec_name = f"twin-{execution_id[:12]}"
            execution = {"_version": version,
                         "DurableExecutionArn": f"{function_arn}/durable-execution/{exec_name}/{execution_id}",
                         "DurableExecutionName": exec_name, "FunctionArn": function_arn,
                         "Status": status, "StartTimestamp": round(started, 3)}
            if status != "RUNNING":
                execution["EndTimestamp"] = round(started, 3)
            st.durable_executions.append(execution)
            made.append(_public_execution(execution))
        running = sum(1 for e in st.durable_executions if e["_version"] == version and e["Status"] == "RUNNING")
        return {"function": name, "region": region, "version": version, "executions": made, "running": running}

    def tenant_invocations(self, function: str | None, region: str) -> list[dict]:
        """GET /_twin/tenant-invocations?function=NAME: the invocations of that function that carried a
        tenant id, in order."""
        if not function:
            raise ValueError("function is required (?function=NAME)")
        name, _ = parse_function_ref(function)
        return [dict(e) for e in self.state.tenant_invocations.get((region, name), [])]

    def _list_durable_executions(self, req, forward, name, qualifier) -> Response:
        """ListDurableExecutionsByFunction (GET /2025-12-01/functions/{FunctionName}/durable-executions;
        moto 5.2.1 has no such operation): the executions recorded for the version the Qualifier names
        ("If not specified, lists executions for the $LATEST version"; an alias: the versions it points
        to), filtered by Statuses, DurableExecutionName (exact), StartedAfter / StartedBefore; oldest
        first unless ReverseOrder; MaxItems (default 100) per page, NextMarker while more remain."""
        st = self._function_state(name, req.region)
        arn = self._arn(name, req.region)
        if st is None:
            return _err(404, "ResourceNotFoundException", f"Function not found: {arn}")
        query = parse_qs(req.query, keep_blank_values=True)
        first = {k: v[0] for k, v in query.items() if v}
        qualifier = first.get("Qualifier") or qualifier or LATEST
        if qualifier == LATEST:
            versions = {LATEST}
        elif qualifier.isdigit():
            if not self._version_exists(name, qualifier, req.region):
                return _err(404, "ResourceNotFoundException", f"Function not found: {arn}:{qualifier}")
            versions = {qualifier}
        else:
            found = self._moto_get(f"/{quote(name, safe='')}/aliases/{quote(qualifier, safe='')}", req.region)
            alias = _json_body(found)
            if not 200 <= found.status < 300 or not alias:
                return _err(404, "ResourceNotFoundException", f"Function not found: {arn}:{qualifier}")
            versions = {str(alias.get("FunctionVersion"))} | set(self._alias_state(name, alias, req.region).weights)
        statuses = set(query.get("Statuses") or [])
        exec_name = first.get("DurableExecutionName")
        try:
            after = _query_time(first.get("StartedAfter"))
            before = _query_time(first.get("StartedBefore"))
        except ValueError:
            return _err(400, "InvalidParameterValueException", "StartedAfter / StartedBefore must be timestamps.")
        chosen = [e for e in st.durable_executions
                  if e["_version"] in versions
                  and (not statuses or e["Status"] in statuses)
                  and (exec_name is None or e["DurableExecutionName"] == exec_name)
                  and (after is None or e["StartTimestamp"] > after)
                  and (before is None or e["StartTimestamp"] < before)]
        if first.get("ReverseOrder", "").lower() == "true":
            chosen.reverse()
        limit = int(first["MaxItems"]) if first.get("MaxItems", "").isdigit() else 0
        limit = limit or DURABLE_LIST_DEFAULT
        start = 0
        if first.get("Marker"):
            try:
                start = int(base64.urlsafe_b64decode(first["Marker"].encode()).decode().split(":", 1)[1])
            except (ValueError, IndexError, UnicodeDecodeError):
                # AWS's text for a marker it did not issue is not documented; the code is the model's.
                return _err(400, "InvalidParameterValueException", "The Marker is not valid.")
        page = chosen[start:start + limit]
        answer: dict = {"DurableExecutions": [_public_execution(e) for e in page]}
        if start + limit < len(chosen):
            answer["NextMarker"] = base64.urlsafe_b64encode(f"twin:{start + limit}".encode()).decode()
        return _with_json(Response(200, [("x-amzn-RequestId", new_request_id())]), answer)

    def _state_conflict(self, st: FunctionState, name: str, region: str) -> Response | None:
        """409 while the function is Pending ("Lambda function states": while Pending, "Any
        invocations or other API actions that operate on the function will fail")."""
        if st.state == "Pending":
            return _err(409, "ResourceConflictException", STATE_CONFLICT.format(state="Pending"))
        return None

    def _version_exists(self, name: str, version: str, region: str) -> bool:
        if version == LATEST:
            return True
        return self._version_config(name, version, region) is not None

    def _version_config(self, name: str, version: str, region: str) -> dict | None:
        """moto's configuration of one version (or $LATEST), None when it has none."""
        check = self._moto_get(f"/{quote(name, safe='')}/configuration?Qualifier={quote(str(version), safe='')}",
                               region)
        return (_json_body(check) or {}) if check.status == 200 else None

    def _alias_state(self, name: str, alias: dict, region: str) -> AliasState:
        key = (region, name, alias.get("Name", ""))
        st = self.state.aliases.get(key)
        if st is None:
            weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            st = AliasState(new_revision(), dict(weights))
            self.state.aliases[key] = st
        return st

    def decorate_alias(self, name: str, alias: dict, region: str) -> dict:
        st = self._alias_state(name, alias, region)
        alias["RevisionId"] = st.revision
        if st.weights:
            alias["RoutingConfig"] = {"AdditionalVersionWeights": dict(st.weights)}
        else:
            alias.pop("RoutingConfig", None)
        return alias

    def _conflict(self, name: str, region: str) -> Response:
        return _err(409, "ResourceConflictException",
                    "The operation cannot be performed at this time. An update is in progress "
                    f"for resource: {self._arn(name, region)}")

    # Functions ---------------------------------------------------------------

    def _create_function(self, req, forward, name, qualifier) -> Response:
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        code = body.get("Code")
        image = None
        if isinstance(code, dict):
            refusal = self._check_code_object(code, req.region)
            if refusal is not None:
                return refusal
            if code.get("ImageUri") is not None:
                image = self.resolve_image(code["ImageUri"], req.region)
                if isinstance(image, Response):
                    return image
        csc_arn, signing = body.get("CodeSigningConfigArn"), None
        if csc_arn:
            if self._find_csc(csc_arn, req.region) is None:
                return _err(404, "CodeSigningConfigNotFoundException", CSC_NOT_FOUND.format(arn=csc_arn))
            if image is None and isinstance(code, dict):
                code_bytes = self._code_bytes(code, req.region)
                if isinstance(code_bytes, Response):
                    return code_bytes
                refusal, signing = self._check_code_signing(req.region, str(body.get("FunctionName", "")),
                                                            code_bytes, csc_arn=csc_arn)
                if refusal is not None:
                    return refusal
        if image is not None:
            # moto (stub ECR mode) hashes the ImageUri string: hand it the digest URI, so its
            # versions differ exactly when the image does; the twin answers the image's own values.
            resp = forward(body=json.dumps({**body, "Code": {**code, "ImageUri": image.resolved_uri}}).encode())
        else:
            resp = forward()
        config = _json_body(resp)
        if resp.status in (200, 201) and config:
            st = self.register_created(config, req.region)
            if image is not None:
                st.images[LATEST] = image
                if body.get("Publish"):
                    st.images["1"] = image  # a new function's first version
            if csc_arn:
                self.state.function_csc[(req.region, st.name)] = csc_arn
                if signing is not None:
                    st.signing[LATEST] = signing
                    if body.get("Publish"):
                        st.signing["1"] = signing
            else:
                self.state.function_csc.pop((req.region, st.name), None)
            st.dead_letters[LATEST] = dead_letter_target(body)  # moto 5.2.1 ignores DeadLetterConfig
            # TenancyConfig and DurableConfig are set at creation only (Lambda DG "Tenant isolation",
            # "Configure Lambda durable functions"); moto 5.2.1 ignores both.
            tenancy = body.get("TenancyConfig")
            st.tenancy[LATEST] = tenancy.get("TenantIsolationMode") if isinstance(tenancy, dict) else None
            durable = body.get("DurableConfig")
            st.durable[LATEST] = dict(durable) if isinstance(durable, dict) else None
            if body.get("Publish"):
                st.freeze_dead_letter("1")
            # moto 5.2.1 ignores SnapStart (always "ApplyOn": "None"): the twin keeps it.
            st.snap_start = ((body.get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions")
            # "Lambda function states": a new function is Pending, then Active (pendingPolls reads).
            st.set_pending(self.state.knob((req.region, st.name), "pending_polls"), PENDING_REASON, "Creating")
            return _with_json(resp, self.decorate_config(config, consume=False, region=req.region))
        return resp

    def register_created(self, config: dict, region: str) -> FunctionState:
        """A function just created in `region`: fresh state (it may be a re-creation)."""
        name = config.get("FunctionName", "")
        for key in [k for k in self.state.aliases if k[:2] == (region, name)]:
            del self.state.aliases[key]
        return self._remember_function(config, region, fresh=True)

    def _check_code_object(self, code: dict, region: str) -> Response | None:
        """Code from S3 (S3Bucket + S3Key of UpdateFunctionCode or CreateFunction's Code) must come
        from a bucket in the function's region (Lambda API reference, UpdateFunctionCode and
        FunctionCode, S3Bucket: "An Amazon S3 bucket in the same AWS Region as your function"), and
        the bucket and key must exist. moto 5.2.1 checks neither the region nor, on
        UpdateFunctionCode, a missing bucket or key (it answers 500): the twin answers 400
        InvalidParameterValueException "Error occurred while GetObject. S3 Error Code: …" as Lambda
        does (observed wording; S3ObjectVersion is checked when the twin fetches it)."""
        bucket, key = code.get("S3Bucket"), code.get("S3Key")
        if not isinstance(bucket, str) or not bucket or self.s3_state is None:
            return None
        where = s3_semantics.bucket_region(self.s3_state, self.moto, bucket)
        if where is None:
            return _err(400, "InvalidParameterValueException", NO_SUCH_BUCKET)
        if where != region:
            return _err(400, "InvalidParameterValueException", CODE_BUCKET_ELSEWHERE.format(region=where))
        if isinstance(key, str) and key and not code.get("S3ObjectVersion"):
            head = self.moto.call("HEAD", f"/{quote(bucket, safe='')}/{quote(key, safe='/~')}", "s3", region=region)
            if head.status == 404:
                return _err(400, "InvalidParameterValueException", NO_SUCH_KEY)
        return None

    def resolve_image(self, uri, region: str) -> ImageCode | Response:
        """The image an ImageUri names, as Lambda resolves it for a function in `region` (tag →
        digest), or Lambda's refusal: a URI that is not <account>.dkr.ecr.<region>.amazonaws.com/
        <repository>:<tag> or @sha256:<hex>; an image in another region; a repository or image that
        does not exist; a manifest list / image index (multi-architecture) or another manifest type
        Lambda does not take."""
        ref = ecr_semantics.parse_image_uri(uri)
        if ref is None:
            return _err(400, "InvalidParameterValueException", IMAGE_NOT_VALID.format(uri=uri))
        if ref.region != region:
            return _err(400, "InvalidParameterValueException",
                        IMAGE_ELSEWHERE.format(uri=uri, region=region, image_region=ref.region))
        image = ecr_semantics.resolve(self.moto, ref)
        if image is None:
            return _err(400, "InvalidParameterValueException", IMAGE_MISSING.format(uri=uri))
        if image.media_type not in ecr_semantics.LAMBDA_MANIFEST_TYPES:
            return _err(400, "InvalidParameterValueException", IMAGE_MEDIA_TYPE.format(uri=uri))
        return ImageCode(uri, image.resolved_uri, image.digest)

    def _get_function(self, req, forward, name, qualifier) -> Response:
        resp = forward()
        body = _json_body(resp)
        if resp.status == 200 and body:
            config = body.get("Configuration") if req.operation == "GetFunction" else body
            if isinstance(config, dict):
                self.decorate_config(config, consume=True, region=req.region)
                if req.operation == "GetFunction":
                    code = self.code_location(name, req.region, config)
                    if code is not None:
                        body["Code"] = code
            return _with_json(resp, body)
        return resp

    def _list_versions(self, req, forward, name, qualifier) -> Response:
        return self._decorate_listing(forward(), "Versions", req.region)

    def _list_functions(self, req, forward, name, qualifier) -> Response:
        return self._decorate_listing(forward(), "Functions", req.region)

    def _decorate_listing(self, resp, key: str, region: str) -> Response:
        """Adds the twin's RevisionId and update status to each configuration listed under `key`."""
        body = _json_body(resp)
        if resp.status == 200 and body:
            for config in body.get(key) or []:
                self.decorate_config(config, consume=False, region=region)
            return _with_json(resp, body)
        return resp

    def _check_update_preconditions(self, req, name, st):
        """The body of an update or publish, or the refusal Lambda would give: an unreadable
        body, an update still in progress (409), or a RevisionId that is not current (412)."""
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return None, _err(400, "InvalidRequestContentException", "Could not parse request body into json")
        if st.in_progress:
            return None, self._conflict(name, req.region)
        if body.get("RevisionId") and body["RevisionId"] != st.revision:
            return None, _err(412, "PreconditionFailedException", PRECONDITION_MESSAGE)
        return body, None

    def _update_function(self, req, forward, name, qualifier) -> Response:
        st = self._function_state(name, req.region)
        if st is None:
            return forward()  # moto answers 404
        refusal = self._state_conflict(st, name, req.region)
        if refusal is not None:
            return refusal
        body, refusal = self._check_update_preconditions(req, name, st)
        if refusal is not None:
            return refusal
        image = None
        if req.operation == "UpdateFunctionCode":
            refusal = (self._check_package_type(st, body, name, req.region)
                       or self._check_code_object(body, req.region))
            if refusal is not None:
                return refusal
            if body.get("ImageUri") is not None:
                image = self.resolve_image(body["ImageUri"], req.region)
                if isinstance(image, Response):
                    return image
        signing, fetched = None, None
        if req.operation == "UpdateFunctionCode" and image is None and (req.region, name) in self.state.function_csc:
            code = self._code_bytes(body, req.region)
            if isinstance(code, Response):
                return code
            refusal, signing = self._check_code_signing(req.region, name, code)
            if refusal is not None:
                return refusal
            if body.get("S3ObjectVersion"):
                fetched = code
        if body.get("DryRun"):
            if image is None:
                return forward()
            resp = forward(body=json.dumps({**body, "ImageUri": image.resolved_uri}).encode())
            config = _json_body(resp)
            if resp.status == 200 and config:
                config["CodeSha256"] = image.code_sha256
                return _with_json(resp, config)
            return resp
        if req.operation == "UpdateFunctionConfiguration" and isinstance(body.get("SnapStart"), dict):
            st.snap_start = body["SnapStart"].get("ApplyOn") == "PublishedVersions"
        if st.state == "Inactive":
            # "Lambda function states": an Inactive function goes Pending while Lambda re-creates
            # its resources, then Active. (That an update, not only an invoke, starts it is the
            # twin's reading; AWS documents the invoke path.)
            st.set_pending(self.state.knob((req.region, name), "pending_polls"), RESTORING_REASON, "Restoring")

        new_body = None
        if image is not None:  # moto is handed the digest URI (see _create_function)
            new_body = {**body, "ImageUri": image.resolved_uri}
        if req.operation == "UpdateFunctionCode" and body.get("S3ObjectVersion"):
            fetched = fetched if fetched is not None else self._fetch_s3_version(body, req.region)
            if isinstance(fetched, Response):
                return fetched
            new_body = {k: v for k, v in body.items()
                        if k not in ("S3Bucket", "S3Key", "S3ObjectVersion")}
            new_body["ZipFile"] = base64.b64encode(fetched).decode()

        polls = self.state.knob((req.region, name), "update_polls")
        failure = self.state.take_update_failure((req.region, name))
        if failure is not None:
            # The update will end Failed: moto never sees it, the code stays.
            config = self._latest_config(name, req.region)
            if config is None:
                return forward()
            st.start_update(polls, *failure)
            resp = Response(200, [("x-amzn-RequestId", new_request_id())])
            return _with_json(resp, self._decorate_after_update(st, config, req.region))

        if new_body is not None:
            resp = forward(body=json.dumps(new_body).encode())
        else:
            resp = forward()
        config = _json_body(resp)
        if resp.status == 200 and config:
            st.start_update(polls, None)
            version = str(config.get("Version", LATEST))
            if req.operation == "UpdateFunctionConfiguration" and "DeadLetterConfig" in body:
                st.dead_letters[LATEST] = dead_letter_target(body)
            if version != LATEST:  # Publish: true: the new version keeps $LATEST's dead-letter queue
                st.freeze_dead_letter(version)
            if req.operation == "UpdateFunctionCode":
                # New code: signed (and verified) or not; a published version keeps what it had.
                if signing is not None:
                    st.signing[LATEST] = signing
                else:
                    st.signing.pop(LATEST, None)
                if version != LATEST and signing is not None:
                    st.signing.setdefault(version, signing)
            if image is not None:
                st.images[LATEST] = image
                if version != LATEST:  # published with this image (an unchanged one keeps its own)
                    st.images.setdefault(version, image)
            if version != LATEST:  # Publish: true answers with the new version
                return _with_json(resp, self.decorate_config(config, consume=False, region=req.region))
            return _with_json(resp, self._decorate_after_update(st, config, req.region))
        return resp

    # Code signing ------------------------------------------------------------------------------

    def _code_bytes(self, body: dict, region: str) -> bytes | Response:
        """The zip a deployment brings: ZipFile, or the S3 object (the version asked, else the current one)."""
        if body.get("ZipFile"):
            try:
                return base64.b64decode(body["ZipFile"])
            except (ValueError, TypeError):
                return _err(400, "InvalidParameterValueException", "Could not unzip uploaded file.")
        if body.get("S3ObjectVersion"):
            return self._fetch_s3_version(body, region)
        bucket, key = body.get("S3Bucket"), body.get("S3Key")
        if not bucket or not key:
            return b""
        resp = self.moto.call("GET", f"/{quote(bucket, safe='')}/{quote(key, safe='/~')}", "s3", region=region)
        if resp.status != 200:
            code, message = _s3_error_fields(resp.body)
            return _err(400, "InvalidParameterValueException",
                        f"Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}")
        return resp.body

    def _check_code_signing(self, region: str, name: str, code: bytes,
                            csc_arn: str | None = None) -> tuple[Response | None, tuple[str, str] | None]:
        """(refusal, signing) for a deployment of `code` to a function with a code signing config
        (Lambda DG "Using code signing to verify code integrity with Lambda"): integrity (a signed
        package modified since: InvalidCodeSignatureException, whatever the policy), mismatch
        (unsigned, or signed by a profile version not in AllowedPublishers) and revocation (the
        profile version was revoked): CodeVerificationFailedException with Enforce, deployed with
        Warn. Expiry is not modelled (the twin's signatures are 135 months valid). signing is
        (SigningProfileVersionArn, SigningJobArn) when every check passed."""
        csc = self.state.code_signing_configs.get(csc_arn or self.state.function_csc.get((region, name), ""))
        if csc is None:
            return None, None
        policy = csc["CodeSigningPolicies"]["UntrustedArtifactOnDeployment"]
        allowed = csc["AllowedPublishers"]["SigningProfileVersionArns"]
        artifact = self.signer_state.lookup(code) if self.signer_state is not None else None
        if artifact is None and signer_semantics.bears_signature(code):
            return _err(400, "InvalidCodeSignatureException", INVALID_CODE_SIGNATURE), None
        if (artifact is not None and artifact.profile_version_arn in allowed
                and not self.signer_state.is_revoked(artifact.profile_version_arn)):
            return None, (artifact.profile_version_arn, artifact.job_arn)
        if policy == "Enforce":
            return _err(400, "CodeVerificationFailedException", CODE_VERIFICATION_FAILED.format(name=name)), None
        return None, None  # Warn: deployed, as unsigned code

    def create_code_signing_config(self, body: dict, region: str) -> dict:
        """A code signing config as CreateCodeSigningConfig makes it (its region: the request's)."""
        csc_id = "csc-" + "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(17))
        arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:code-signing-config:{csc_id}"
        policies = body.get("CodeSigningPolicies") or {}
        config = {
            "CodeSigningConfigId": csc_id, "CodeSigningConfigArn": arn, "Description": body.get("Description", ""),
            "AllowedPublishers": {"SigningProfileVersionArns": list(
                (body.get("AllowedPublishers") or {}).get("SigningProfileVersionArns") or [])},
            # "Warn: This is the default setting" (Lambda DG, configuration-codesigning.html)
            "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": policies.get("UntrustedArtifactOnDeployment", "Warn")},
            "LastModified": time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime()),
        }
        self.state.code_signing_configs[arn] = config
        return config

    def _find_csc(self, arn: str, region: str) -> dict | None:
        match = CSC_ARN.match(unquote(arn or ""))
        if match is None or match["region"] != region or match["account"] != ACCOUNT_ID:
            return None
        return self.state.code_signing_configs.get(unquote(arn))

    def _create_csc(self, req, forward, name, qualifier) -> Response:
        body = _json_body(Response(200, [], req.body)) or {}
        config = self.create_code_signing_config(body, req.region)
        return _with_json(Response(201, [("x-amzn-RequestId", new_request_id())]), {"CodeSigningConfig": config})

    def _get_csc(self, req, forward, name, qualifier) -> Response:
        arn = req.path.rstrip("/").rsplit("/", 1)[1]
        config = self._find_csc(arn, req.region)
        if config is None:
            # AWS's text for a missing config is not documented; the code and status are the model's.
            return _err(404, "ResourceNotFoundException", f"The resource you requested does not exist: {unquote(arn)}")
        return _with_json(Response(200, [("x-amzn-RequestId", new_request_id())]), {"CodeSigningConfig": config})

    def _get_function_csc(self, req, forward, name, qualifier) -> Response:
        if self._function_state(name, req.region) is None:
            return forward()  # moto answers 404
        # Without a config: "CodeSigningConfigArn": "" (the model makes the member required with
        # length 0..200; moto 5.2.1 answered null).
        return _with_json(Response(200, [("x-amzn-RequestId", new_request_id())]), {
            "CodeSigningConfigArn": self.state.function_csc.get((req.region, name), ""), "FunctionName": name})

    def _put_function_csc(self, req, forward, name, qualifier) -> Response:
        if self._function_state(name, req.region) is None:
            return _err(404, "ResourceNotFoundException", f"Function not found: {self._arn(name, req.region)}")
        arn = (_json_body(Response(200, [], req.body)) or {}).get("CodeSigningConfigArn", "")
        if self._find_csc(arn, req.region) is None:
            return _err(404, "CodeSigningConfigNotFoundException", CSC_NOT_FOUND.format(arn=arn))
        self.state.function_csc[(req.region, name)] = arn
        return _with_json(Response(200, [("x-amzn-RequestId", new_request_id())]),
                          {"CodeSigningConfigArn": arn, "FunctionName": name})

    def _delete_function_csc(self, req, forward, name, qualifier) -> Response:
        if self._function_state(name, req.region) is None:
            return _err(404, "ResourceNotFoundException", f"Function not found: {self._arn(name, req.region)}")
        self.state.function_csc.pop((req.region, name), None)
        return Response(204, [("x-amzn-RequestId", new_request_id())])

    def attach_code_signing(self, body: dict) -> dict:
        """POST /_twin/code-signing: a config (CreateCodeSigningConfig) attached to a function
        (PutFunctionCodeSigningConfig)."""
        function = body.get("function")
        if not isinstance(function, str) or not function:
            raise ValueError("function is required")
        region = control_region(body)
        name, _ = parse_function_ref(function)
        arns = body.get("profileVersionArns")
        if (not isinstance(arns, list) or not 1 <= len(arns) <= 20
                or not all(isinstance(a, str) and a.startswith("arn:") for a in arns)):
            raise ValueError("profileVersionArns must be a list of 1 to 20 signing profile version ARNs")
        policy = body.get("policy", "Warn")
        if policy not in ("Enforce", "Warn"):
            raise ValueError("policy must be Enforce or Warn")
        if self._function_state(name, region) is None:
            raise LookupError(f"no function {name} in {region}")
        config = self.create_code_signing_config({"AllowedPublishers": {"SigningProfileVersionArns": arns},
                                                  "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": policy}},
                                                 region)
        self.state.function_csc[(region, name)] = config["CodeSigningConfigArn"]
        return {"codeSigningConfigArn": config["CodeSigningConfigArn"],
                "codeSigningConfigId": config["CodeSigningConfigId"], "function": name, "region": region,
                "policy": policy, "profileVersionArns": arns}

    def _check_package_type(self, st: FunctionState, body: dict, name: str, region: str) -> Response | None:
        """UpdateFunctionCode must bring the kind of code the function's PackageType takes."""
        if st.package_type is None and st.package_type_forced is None:
            self._remember_function(self._latest_config(name, region) or {"FunctionName": name}, region)
        zip_code = any(body.get(k) for k in ("ZipFile", "S3Bucket", "S3Key", "S3ObjectVersion"))
        if st.effective_package_type == "Image" and (zip_code or not body.get("ImageUri")):
            return _err(400, "InvalidParameterValueException", IMAGE_NEEDS_IMAGE_URI)
        if st.effective_package_type == "Zip" and body.get("ImageUri"):
            return _err(400, "InvalidParameterValueException", ZIP_REFUSES_IMAGE_URI)
        return None

    def _decorate_after_update(self, st: FunctionState, config: dict, region: str) -> dict:
        self._remember_function(config, region)
        config["RevisionId"] = st.revision
        st.apply_status(config)
        if LATEST in st.images:
            config["CodeSha256"] = st.images[LATEST].code_sha256
        self._apply_signing(st, config, LATEST)
        self._apply_dead_letter(st, config, LATEST)
        self._apply_kinds(st, config, LATEST)
        return config

    def _fetch_s3_version(self, body: dict, region: str) -> bytes | Response:
        bucket, key, version = body.get("S3Bucket"), body.get("S3Key"), body.get("S3ObjectVersion")
        if not bucket or not key:
            return _err(400, "InvalidParameterValueException",
                        "S3ObjectVersion requires S3Bucket and S3Key")
        target = (f"/{quote(bucket, safe='')}/{quote(key, safe='/~')}"
                  f"?versionId={quote(version, safe='')}")
        resp = self.moto.call("GET", target, "s3", region=region)
        if resp.status != 200:
            code, message = _s3_error_fields(resp.body)
            return _err(400, "InvalidParameterValueException",
                        f"Error occurred while GetObject. S3 Error Code: {code}. "
                        f"S3 Error Message: {message}")
        return resp.body

    def _publish_version(self, req, forward, name, qualifier) -> Response:
        st = self._function_state(name, req.region)
        if st is None:
            return forward()  # moto answers 404
        refusal = self._state_conflict(st, name, req.region)
        if refusal is not None:
            return refusal
        body, refusal = self._check_update_preconditions(req, name, st)
        if refusal is not None:
            return refusal
        if body.get("CodeSha256"):
            latest = self._latest_config(name, req.region) or {}
            current = st.images[LATEST].code_sha256 if LATEST in st.images else latest.get("CodeSha256")
            if current and current != body["CodeSha256"]:
                return _err(400, "InvalidParameterValueException",
                            f"CodeSHA256 ({body['CodeSha256']}) is different from current "
                            f"CodeSHA256 in $LATEST ({current}). Please try again with the "
                            "current CodeSHA256.")
        resp = forward()
        config = _json_body(resp)
        if resp.status in (200, 201) and config:
            version = str(config.get("Version", LATEST))
            if version != LATEST and LATEST in st.images:
                # The version keeps the image $LATEST has now (a later UpdateFunctionCode changes
                # $LATEST only; moto 5.2.1 shared one code dict between them).
                st.images.setdefault(version, st.images[LATEST])
            if version != LATEST and LATEST in st.signing:
                st.signing.setdefault(version, st.signing[LATEST])  # the version keeps its signature
            # The version keeps the dead-letter queue $LATEST has now (moto keeps none). Its Role needs
            # no freezing: moto copies the function object at PublishVersion, and an update of
            # $LATEST sets the Role string on $LATEST's object only.
            st.freeze_dead_letter(version)
            if st.snap_start and version != LATEST:
                # Lambda Developer Guide, "Activating and managing Lambda SnapStart" (section
                # "Lambda SnapStart and function states"): publishing a SnapStart version makes
                # Lambda initialize the code and take a snapshot; the version is Pending until
                # it is Active (OptimizationStatus On), or Failed if the snapshot fails.
                failure = self.state.take_snapstart_failure((req.region, name))
                final = None if failure is None else ("Failed", *failure)
                st.versions[version] = VersionState("Pending", self.state.knob((req.region, name), "snapstart_polls"),
                                                    SNAPSTART_REASON, "Creating", final)
            return _with_json(resp, self.decorate_config(config, consume=False, region=req.region))
        return resp

    def _delete_function(self, req, forward, name, qualifier) -> Response:
        qualifier = req.query_params().get("Qualifier") or qualifier
        resp = forward()
        if 200 <= resp.status < 300:
            if qualifier:
                st = self.state.functions.get((req.region, name))
                if st:
                    st.version_revisions.pop(qualifier, None)
                    st.versions.pop(qualifier, None)
                    st.images.pop(qualifier, None)
                    st.dead_letters.pop(qualifier, None)
                    st.tenancy.pop(qualifier, None)
                    st.durable.pop(qualifier, None)
                    # Lambda documents no refusal for a version with running durable executions
                    # (API DeleteFunction; DG "Managing durable executions"): the version goes, and the
                    # twin forgets the executions pinned to it (what AWS does with them is not documented).
                    st.durable_executions = [e for e in st.durable_executions if e["_version"] != qualifier]
            else:
                self.state.functions.pop((req.region, name), None)
                self.state.tenant_invocations.pop((req.region, name), None)
                self.state.function_csc.pop((req.region, name), None)
                for key in [k for k in self.state.aliases if k[:2] == (req.region, name)]:
                    del self.state.aliases[key]
            return Response(204, [("x-amzn-RequestId", resp.header("x-amzn-RequestId") or new_request_id())])
        return resp

    # Aliases -----------------------------------------------------------------

    def _check_routing(self, name: str, region: str, primary: str | None, weights: dict) -> Response | None:
        """The weighted-alias rules (Lambda API reference CreateAlias / UpdateAlias and
        AliasRoutingConfiguration; Developer Guide "Create an alias" and "Implement Lambda canary
        deployments using a weighted alias"): FunctionVersion exists (404 otherwise); with
        additional versions, the primary is a published version (not $LATEST), there is at most
        one additional version, it differs from the primary, and it is a published version that
        exists; both versions have the same execution role and dead-letter queue configuration
        (_check_same_setup). Key pattern [0-9]+ and weights in [0.0, 1.0] come from the model
        (shape_validation.py answers those with ValidationException first)."""
        arn = self._arn(name, region)
        if primary and not self._version_exists(name, primary, region):
            return _err(404, "ResourceNotFoundException", f"Function not found: {arn}:{primary}")
        if not weights:
            return None
        if primary == LATEST:
            return _err(400, "InvalidParameterValueException", LATEST_WEIGHTED)
        if len(weights) > 1:
            return _err(400, "InvalidParameterValueException", TOO_MANY_VERSIONS)
        (extra,) = weights.keys()
        extra = str(extra)
        if extra == LATEST or not extra.isdigit():
            return _err(400, "InvalidParameterValueException", LATEST_WEIGHTED)
        if primary is not None and extra == str(primary):
            return _err(400, "InvalidParameterValueException", SAME_VERSION.format(version=primary))
        extra_config = self._version_config(name, extra, region)
        if extra_config is None:
            # AWS's code and text for a missing additional version are not documented; the twin
            # answers as for a missing FunctionVersion.
            return _err(404, "ResourceNotFoundException", f"Function not found: {arn}:{extra}")
        if primary is None:
            return None
        return self._check_same_setup(name, region, str(primary), extra, extra_config)

    def _check_same_setup(self, name: str, region: str, primary: str, extra: str,
                          extra_config: dict) -> Response | None:
        """Lambda DG "Create a routing configuration for a Lambda alias"
        (https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html): both versions
        behind a weighted alias have the same execution role, and the same dead-letter queue
        configuration or none (a queue on one and none on the other differ). Roles as moto keeps
        them per version; dead-letter queues as the twin froze them at PublishVersion."""
        primary_config = self._version_config(name, primary, region) or {}
        if primary_config.get("Role") != extra_config.get("Role"):
            return _err(400, "InvalidParameterValueException", ROLE_MISMATCH)
        st = self.state.functions.get((region, name))
        dead_letters = st.dead_letters if st is not None else {}
        if dead_letters.get(primary) != dead_letters.get(extra):
            return _err(400, "InvalidParameterValueException", DEAD_LETTER_MISMATCH)
        return None

    def _create_alias(self, req, forward, name, qualifier) -> Response:
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            body = {}
        if self._function_state(name, req.region) is not None and isinstance(body, dict):
            routing = body.get("RoutingConfig") or {}
            refusal = self._check_routing(name, req.region, str(body.get("FunctionVersion") or LATEST),
                                          dict(routing.get("AdditionalVersionWeights") or {}))
            if refusal is not None:
                return refusal
        resp = forward()
        alias = _json_body(resp)
        if resp.status in (200, 201) and alias:
            weights = (body.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            self.state.aliases[(req.region, name, alias.get("Name", ""))] = AliasState(new_revision(), dict(weights))
            return _with_json(resp, self.decorate_alias(name, alias, req.region), status=201)
        return resp

    def _get_alias(self, req, forward, name, qualifier) -> Response:
        resp = forward()
        alias = _json_body(resp)
        if 200 <= resp.status < 300 and alias:
            return _with_json(resp, self.decorate_alias(name, alias, req.region), status=200)
        return resp

    def _list_aliases(self, req, forward, name, qualifier) -> Response:
        resp = forward()
        body = _json_body(resp)
        if resp.status == 200 and body:
            for alias in body.get("Aliases") or []:
                self.decorate_alias(name, alias, req.region)
            return _with_json(resp, body)
        return resp

    def _update_alias(self, req, forward, name, qualifier) -> Response:
        alias_name = unquote(req.path.rstrip("/").rsplit("/", 1)[1])
        key = (req.region, name, alias_name)
        if key not in self.state.aliases:
            current = self._moto_get(f"/{quote(name, safe='')}/aliases/{quote(alias_name, safe='')}",
                                     req.region)
            if not 200 <= current.status < 300:
                return forward()  # moto answers 404
            self._alias_state(name, _json_body(current) or {"Name": alias_name}, req.region)
        st = self.state.aliases[key]
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return _err(400, "InvalidRequestContentException", "Could not parse request body into json")
        if body.get("RevisionId") and body["RevisionId"] != st.revision:
            return _err(412, "PreconditionFailedException", PRECONDITION_MESSAGE)
        version = body.get("FunctionVersion")
        routing = body.get("RoutingConfig")
        # The effective alias after the update: a missing FunctionVersion keeps the current one,
        # a missing RoutingConfig keeps the current weights.
        primary = str(version) if version else None
        if primary is None and (isinstance(routing, dict) and routing.get("AdditionalVersionWeights")):
            current = _json_body(self._moto_get(
                f"/{quote(name, safe='')}/aliases/{quote(alias_name, safe='')}", req.region)) or {}
            primary = str(current.get("FunctionVersion") or "") or None
        weights = (dict(routing.get("AdditionalVersionWeights") or {}) if isinstance(routing, dict)
                   else dict(st.weights) if version else {})
        # UpdateAlias onto a SnapStart version that is still Pending: AWS documents no refusal
        # (the SnapStart pages only say invocations of a Pending version fail), so the twin allows it.
        refusal = self._check_routing(name, req.region, primary, weights)
        if refusal is not None:
            return refusal
        resp = forward()
        alias = _json_body(resp)
        if 200 <= resp.status < 300 and alias:
            st.revision = new_revision()
            routing = body.get("RoutingConfig")
            if isinstance(routing, dict):
                st.weights = dict(routing.get("AdditionalVersionWeights") or {})
            return _with_json(resp, self.decorate_alias(name, alias, req.region), status=200)
        return resp

    def _delete_alias(self, req, forward, name, qualifier) -> Response:
        alias_name = unquote(req.path.rstrip("/").rsplit("/", 1)[1])
        resp = forward()
        if 200 <= resp.status < 300:
            self.state.aliases.pop((req.region, name, alias_name), None)
            return Response(204, [("x-amzn-RequestId", resp.header("x-amzn-RequestId") or new_request_id())])
        return resp

    # Invoke ------------------------------------------------------------------

    def _invoke(self, req, forward, name, path_qualifier) -> Response:
        qualifier = req.query_params().get("Qualifier") or path_qualifier or LATEST
        quoted = quote(name, safe="")
        latest = self._moto_get(f"/{quoted}/configuration", req.region)
        if latest.status != 200:
            return latest
        st = self._remember_function(_json_body(latest) or {"FunctionName": name}, req.region)
        arn = self._arn(name, req.region)
        if qualifier == LATEST:
            version = LATEST
        elif qualifier.isdigit():
            check = self._moto_get(f"/{quoted}/configuration?Qualifier={qualifier}", req.region)
            if check.status != 200:
                return _err(404, "ResourceNotFoundException", f"Function not found: {arn}:{qualifier}")
            version = qualifier
        else:
            found = self._moto_get(f"/{quoted}/aliases/{quote(qualifier, safe='')}", req.region)
            alias = _json_body(found)
            if not 200 <= found.status < 300 or not alias:
                return _err(404, "ResourceNotFoundException", f"Function not found: {arn}:{qualifier}")
            version = self._pick_version(str(alias.get("FunctionVersion")),
                                         self._alias_state(name, alias, req.region).weights)

        tenant_id = req.header("X-Amz-Tenant-Id")
        if bool(tenant_id) != bool(st.tenancy.get(version)):
            # Lambda DG "Troubleshooting tenant isolation": a tenant-isolated function invoked without a
            # tenant ID, or a function without tenant isolation invoked with one. Checked on the version
            # that would run (an alias resolves first), before the State checks (the twin's order).
            return _err(400, "InvalidParameterValueException", TENANT_ID_MISMATCH)
        refusal = self._invoke_state_refusal(st, version)
        if refusal is not None:
            return refusal
        key = (req.region, name, version)
        self.state.invocations[key] = self.state.invocations.get(key, 0) + 1
        if tenant_id:
            self.state.tenant_invocations.setdefault((req.region, name), []).append(
                {"qualifier": qualifier, "executedVersion": version, "tenantId": tenant_id})
        headers = [("x-amzn-RequestId", new_request_id()), ("X-Amz-Executed-Version", version)]
        invocation_type = req.header("X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            return Response(204, headers)
        if invocation_type == "Event":
            return Response(202, headers)
        script = self.state.scripts.get(key) or self.state.scripts.get((req.region, name, "*"))
        status, payload = 200, req.body
        if script:
            status = script["statusCode"]
            if script["payload"] is not None:
                payload = script["payload"].encode()
            if script.get("functionError"):
                headers.append(("X-Amz-Function-Error", str(script["functionError"])))
        if (req.header("X-Amz-Log-Type") or "") == "Tail":
            log = f"START RequestId: twin Version: {version}\nEND RequestId: twin\n"
            headers.append(("X-Amz-Log-Result", base64.b64encode(log.encode()).decode()))
        headers.append(("Content-Type", "application/json"))
        return Response(status, headers, payload)

    def _invoke_state_refusal(self, st: FunctionState, version: str) -> Response | None:
        """Invoke refused by the function's or the version's State ("Lambda function states";
        "Lambda SnapStart and function states")."""
        if st.state == "Pending":
            return _err(409, "ResourceConflictException", STATE_CONFLICT.format(state="Pending"))
        if st.state == "Inactive":
            # "When you try to invoke a function that is inactive, the invocation fails and Lambda
            # sets the function to pending state until the function resources are recreated."
            # Invoke's documented error for it: ResourceNotReadyException, 502.
            st.set_pending(self.state.knob((st.region, st.name), "pending_polls"), RESTORING_REASON, "Restoring")
            return _err(502, "ResourceNotReadyException", NOT_READY_MESSAGE)
        if st.state == "Failed":
            # AWS's answer to invoking a Failed function is not documented; the twin refuses with the
            # same conflict as for Pending.
            return _err(409, "ResourceConflictException", STATE_CONFLICT.format(state="Failed"))
        vs = st.versions.get(version)
        if vs is not None and vs.state in ("Pending", "Failed"):
            return _err(409, "ResourceConflictException", STATE_CONFLICT.format(state=vs.state))
        return None

    def _pick_version(self, primary: str, weights: dict[str, float]) -> str:
        draw = self.state.rng.random()
        total = 0.0
        for version, weight in sorted(weights.items()):
            total += float(weight)
            if draw < total:
                return version
        return primary
