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
  by the control API and answered by ListDurableExecutionsByFunction;
- LoggingConfig (LogFormat, LogGroup, levels) per $LATEST and published version, and the log records
  each invocation writes into the version's log group (START / END / REPORT or platform.start /
  platform.report), with durations, cold starts, errors and timeouts set per version by
  /_twin/lambda-behaviour;
- event source mappings (Create / Get / List / Update / DeleteEventSourceMapping) kept by the twin:
  FunctionArn with the qualifier as given, ListEventSourceMappings filters and pages, the event
  source checked in moto;
- self-managed S3 code storage (S3ObjectStorageMode REFERENCE): versioning, the bucket policy's grant to
  lambda.amazonaws.com, the object version pinned per $LATEST and published version (Code.ResolvedS3Object),
  and a function made Inactive once its code can no longer be read (Code.Error); RuntimeVersionConfig per
  $LATEST and published version.

Every piece of state is keyed by (region, function name), the region being
the one the request was signed for (its SigV4 credential scope): as in AWS,
the same name in two regions is two functions. moto 5.2.1 keeps one Lambda
backend per region and picks it from the same credential scope, and the
twin's own calls to moto carry the function's region.

The code is split by concern, each part a mixin of LambdaSemantics (below), which keeps the entry
point: lambda_common.py (shared names, FunctionName parsing, responses), lambda_state.py (the state
kept and the /_twin/lambda knobs), lambda_functions.py (functions, code updates, versions, and the
helpers the others use), lambda_aliases.py, lambda_invoke.py, lambda_signing.py (code signing),
lambda_durable.py (durable executions), lambda_logs.py (LoggingConfig and the records Invoke writes),
lambda_event_sources.py (event source mappings), lambda_code_storage.py (code referenced in the user's bucket,
runtime versions), lambda_control.py (the control API's setters).
"""

from __future__ import annotations

from . import s3_semantics, signer_semantics
from .lambda_aliases import AliasesMixin
from .lambda_code_storage import CodeStorageMixin
from .lambda_common import (API, ARN_ELSEWHERE, LATEST, ControlRefusal, Forward, _err, arn_region, control_function,
                            control_region, function_path, model_enum, parse_function_ref)
from .lambda_control import ControlMixin
from .lambda_durable import DurableMixin, parse_durable
from .lambda_event_sources import ESM_OPERATIONS, EventSourcesMixin
from .lambda_functions import FunctionsMixin
from .lambda_invoke import InvokeMixin, parse_tenancy
from .lambda_logs import LogsMixin, merge_logging_config, parse_logging_config
from .lambda_signing import SigningMixin
from .lambda_state import STATE_CONFLICT, LambdaState
from .messages import ProxyRequest, Response
from .moto_client import MotoClient

# The names other modules import from here (concurrency_semantics, capacity_semantics, control, state),
# wherever they are defined now.
__all__ = ["API", "ARN_ELSEWHERE", "LATEST", "STATE_CONFLICT", "ControlRefusal", "Forward", "LambdaSemantics",
           "LambdaState", "arn_region", "control_function", "control_region", "function_path", "model_enum",
           "merge_logging_config", "parse_durable", "parse_function_ref", "parse_logging_config", "parse_tenancy"]


class LambdaSemantics(FunctionsMixin, AliasesMixin, InvokeMixin, SigningMixin, DurableMixin, LogsMixin,
                      EventSourcesMixin, CodeStorageMixin, ControlMixin):
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
            "CreateEventSourceMapping": self._create_esm,
            "GetEventSourceMapping": self._get_esm,
            "ListEventSourceMappings": self._list_esms,
            "UpdateEventSourceMapping": self._update_esm,
            "DeleteEventSourceMapping": self._delete_esm,
        }.get(req.operation or "")
        with self.state.lock:
            if handler is None or (name is None and req.operation not in (
                    "CreateFunction", "ListFunctions", "CreateCodeSigningConfig", "GetCodeSigningConfig",
                    *ESM_OPERATIONS)):
                resp = forward()
            else:
                resp = handler(req, forward, name, qualifier)
        if (resp.header("Content-Type") or "").startswith("text/html"):
            resp.set_header("Content-Type", "application/json")  # moto says text/html
        return resp
