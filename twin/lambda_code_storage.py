"""Where a function's code lives (part of LambdaSemantics, lambda_semantics.py): self-managed S3 code storage
(S3ObjectStorageMode REFERENCE on CreateFunction's Code and on UpdateFunctionCode), and the runtime version of
$LATEST and of each published version (RuntimeVersionConfig). moto 5.2.1 knows neither: it copies the code
from S3, answers RuntimeVersionConfig null, and ignores S3ObjectStorageMode.

Sources (README "Rules" names each with its nature):

- Lambda DG "Self-managed S3 code storage" (https://docs.aws.amazon.com/lambda/latest/dg/
  configuration-self-managed-storage.html): "Lambda references your code directly from your S3 bucket";
  setup: "Enable S3 versioning for the bucket. Lambda requires S3 versioning to track which version of your
  source object to use", "Grant the Lambda service principal s3:GetObject and s3:GetObjectVersion permissions
  for the source object" (its example bucket policy: Principal {"Service": "lambda.amazonaws.com"}, Condition
  ArnLike aws:SourceArn = the function's ARN); "specifying the S3 object, S3 key, S3 object version, and
  setting S3ObjectStorageMode to REFERENCE"; "You must specify S3ObjectStorageMode=REFERENCE on every call to
  update-function-code. If you omit S3ObjectStorageMode, it defaults to COPY"; "available for .zip file archive
  functions and layers only. Container image functions continue to use Amazon ECR"; "If Lambda loses access to
  the source object for a function, the function transitions to the Inactive state. To restore the function,
  restore access to the source object and update the function"; "You can create functions and layers from
  source code in S3 buckets in different accounts and in different Regions" (so REFERENCE code is not held to
  the same-Region rule the API reference states for S3Bucket, which COPY code keeps: lambda_functions.py).
- Lambda API reference UpdateFunctionCode / FunctionCode (S3ObjectStorageMode: "COPY (default) – Uploads a
  copy of your deployment package to Lambda. REFERENCE – Lambda references the deployment package from the
  specified Amazon S3 bucket"), FunctionCodeLocation (ResolvedS3Object "The resolved Amazon S3 object that
  contains the deployment package"; Error "details about an error related to function deployment package
  retrieval"), ResolvedS3Object, FunctionCodeLocationError (botocore 1.44.18's lambda model).
- Lambda DG "Lambda function versions": a version includes "The Lambda runtime identifier and runtime version
  used by the function"; "When using Function update or Manual mode, the runtime version is not updated".
  "Understanding how Lambda manages runtime version updates": "The runtime version ARN is a unique identifier
  for each runtime version", "The ARN for the same runtime version number can vary between AWS Regions and CPU
  architectures"; "To update runtime versions for container-based functions, you must create a new container
  image" (an image function has no RuntimeVersionConfig). API RuntimeVersionConfig (RuntimeVersionArn pattern
  `arn:aws:lambda:REGION::runtime:…`).

Texts: the access refusal is AWS's as users report it for code Lambda cannot read from S3 (403
AccessDeniedException "Your access has been denied by S3, please make sure your request credentials have
permission to GetObject for BUCKET/KEY. S3 Error Code: AccessDenied. S3 Error Message: Access Denied":
iann0036/amazon-connect-cfn#4, binxio/cfn-lb-ip-address-provider#4 "(Service: AWSLambdaInternal; Status Code:
403; Error Code: AccessDeniedException …)"); the NoSuch* texts are lambda_functions.py's (observed); the others
are the twin's, AWS's wording not being documented. What Invoke answers once the code is lost is not documented
either: the twin answers as for an Inactive function (502 ResourceNotReadyException) without restoring it, since
the DG says only an update after access is restored does.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import quote

from . import s3_policy, s3_semantics
from .defaults import ACCOUNT_ID
from .lambda_common import LATEST, _err, _s3_error_fields, control_function, parse_function_ref
from .lambda_functions import NO_SUCH_BUCKET, NO_SUCH_KEY
from .lambda_state import FunctionState, ReferencedCode
from .messages import Response

REFERENCE = "REFERENCE"
REFERENCE_NEEDS_S3 = ("S3ObjectStorageMode REFERENCE needs the .zip file archive in Amazon S3: give S3Bucket and "
                      "S3Key, not ZipFile.")
REFERENCE_NOT_FOR_IMAGES = ("S3ObjectStorageMode REFERENCE is available for .zip file archive functions only; "
                            "container image functions use Amazon ECR.")
VERSIONING_NEEDED = ("S3ObjectStorageMode REFERENCE needs S3 Versioning enabled on the bucket {bucket} "
                     "(its versioning status: {status}).")
ACCESS_DENIED = ("Your access has been denied by S3, please make sure your request credentials have permission "
                 "to GetObject for {bucket}/{key}. S3 Error Code: AccessDenied. S3 Error Message: Access Denied")
GET_OBJECT_ERROR = "Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}"
CODE_LOST_REASON = ("Lambda cannot read the function's code from Amazon S3 ({bucket}/{key}, version {version}): "
                    "{code}. Restore access to the source object and update the function.")
CODE_LOST_INVOKE = "The function is inactive. " + CODE_LOST_REASON
# What Lambda needs on the object (DG "Self-managed S3 code storage", setup step 4).
READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
RUNTIME_VERSION_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(-gov)?-[a-z]+-\d)::runtime:[0-9a-f]{64}$")


def default_runtime_version_arn(region: str, runtime: str, architecture: str) -> str:
    """The twin's runtime version of a managed runtime in a region, for an architecture: deterministic, 64 hex
    digits as AWS's are."""
    digest = hashlib.sha256(f"lambda-shift-twin:{runtime}:{architecture}:{region}".encode()).hexdigest()
    return f"arn:aws:lambda:{region}::runtime:{digest}"


class CodeStorageMixin:
    """LambdaSemantics's code storage and runtime versions (self.state: LambdaState, self.moto, self.s3_state;
    _arn, _fetch_s3_version, _function_state, _latest_config and _version_config come from FunctionsMixin)."""

    # Deploying with S3ObjectStorageMode REFERENCE ------------------------------------------------------------

    def reference_code(self, code: dict, region: str, function_arn: str,
                       image: bool = False) -> ReferencedCode | Response | None:
        """The object a CreateFunction Code or UpdateFunctionCode body asks Lambda to reference, pinned to its
        version (the current one when S3ObjectVersion is omitted), or Lambda's refusal; None for COPY (given or
        by default). Checked in this order: the kind of code, the bucket, its versioning, the service
        principal's access, the object version."""
        if code.get("S3ObjectStorageMode") != REFERENCE:
            return None
        if image or code.get("ImageUri") is not None:
            return _err(400, "InvalidParameterValueException", REFERENCE_NOT_FOR_IMAGES)
        bucket, key = code.get("S3Bucket"), code.get("S3Key")
        if code.get("ZipFile") is not None or not bucket or not key:
            return _err(400, "InvalidParameterValueException", REFERENCE_NEEDS_S3)
        if s3_semantics.bucket_region(self.s3_state, self.moto, bucket) is None:
            return _err(400, "InvalidParameterValueException", NO_SUCH_BUCKET)
        status = s3_semantics.versioning_status(self.s3_state, self.moto, bucket)
        if status != "Enabled":
            return _err(400, "InvalidParameterValueException",
                        VERSIONING_NEEDED.format(bucket=bucket, status=status or "never enabled"))
        if not self._lambda_may_read(bucket, key, function_arn):
            return _err(403, "AccessDeniedException", ACCESS_DENIED.format(bucket=bucket, key=key))
        version = code.get("S3ObjectVersion")
        if not version:
            head = self.moto.call("HEAD", _object_path(bucket, key), "s3")
            if head.status != 200:
                return _err(400, "InvalidParameterValueException", NO_SUCH_KEY)
            version = head.header("x-amz-version-id") or "null"
        missing = self._object_version_missing(ReferencedCode(bucket, key, version))
        if missing is not None:
            return _err(400, "InvalidParameterValueException", GET_OBJECT_ERROR.format(code=missing[0],
                                                                                      message=missing[1]))
        return ReferencedCode(bucket, key, version)

    @staticmethod
    def new_function_arn(name_or_arn: str, region: str) -> str:
        """The unqualified ARN a function being created will have (CreateFunction's FunctionName in any form)."""
        name, _ = parse_function_ref(name_or_arn)
        return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"

    @staticmethod
    def pinned_body(body: dict, reference: ReferencedCode) -> dict:
        """An UpdateFunctionCode body naming the referenced object version (lambda_functions.py then hands
        moto the bytes of that version)."""
        pinned = {k: v for k, v in body.items() if k != "S3ObjectStorageMode"}
        pinned["S3ObjectVersion"] = reference.version_id
        return pinned

    def referenced_zip(self, reference: ReferencedCode, region: str) -> dict | Response:
        """CreateFunction's Code for moto: the referenced object version's bytes (moto would read the latest)."""
        data = self._fetch_s3_version({"S3Bucket": reference.bucket, "S3Key": reference.key,
                                       "S3ObjectVersion": reference.version_id}, region)
        if isinstance(data, Response):
            return data
        return {"ZipFile": base64.b64encode(data).decode()}

    @staticmethod
    def record_code_storage(st: FunctionState, reference: ReferencedCode | None) -> None:
        """New code in $LATEST: referenced in the user's bucket, or copied (None). Either way Lambda has just
        read it."""
        if reference is not None:
            st.code_storage[LATEST] = reference
        else:
            st.code_storage.pop(LATEST, None)
        st.code_lost.pop(LATEST, None)

    def code_storage_update_refusal(self, st: FunctionState, name: str, region: str) -> Response | None:
        """UpdateFunctionConfiguration of a $LATEST whose referenced code was lost: Lambda reads the object
        again; restored access makes the function Active again (DG: "restore access to the source object and
        update the function"), otherwise the update is refused as a deployment would be."""
        if LATEST not in st.code_lost or LATEST not in st.code_storage:
            return None
        reference = st.code_storage[LATEST]
        problem = self._code_problem(reference, self._arn(name, region))
        if problem is None:
            st.code_lost.pop(LATEST, None)
            return None
        if problem[0] == "AccessDenied":
            return _err(403, "AccessDeniedException", problem[1])
        return _err(400, "InvalidParameterValueException", problem[1])

    # Reading it back -----------------------------------------------------------------------------------------

    def _lambda_may_read(self, bucket: str, key: str, function_arn: str) -> bool:
        """The bucket policy lets lambda.amazonaws.com GetObject and GetObjectVersion the object, for this
        function (aws:SourceArn its unqualified ARN, aws:SourceAccount its account)."""
        resp = self.moto.call("GET", f"/{quote(bucket, safe='')}?policy", "s3")
        policy = resp.body.decode("utf-8", "replace") if resp.status == 200 else None
        context = {"aws:SourceArn": function_arn, "aws:SourceAccount": function_arn.split(":")[4] or ACCOUNT_ID}
        resource = s3_policy.object_arn(bucket, key)
        return all(s3_policy.allows(policy, s3_policy.LAMBDA_PRINCIPAL, action, resource, context)
                   for action in READ_ACTIONS)

    def _object_version_missing(self, reference: ReferencedCode) -> tuple[str, str] | None:
        """(S3 error code, message) when the pinned object version cannot be read, else None."""
        target = f"{_object_path(reference.bucket, reference.key)}?versionId={quote(reference.version_id, safe='')}"
        if self.moto.call("HEAD", target, "s3").status == 200:
            return None
        resp = self.moto.call("GET", target, "s3")  # moto's HEAD has no body to name the error
        if resp.status == 200:
            return None
        return _s3_error_fields(resp.body)

    def _code_problem(self, reference: ReferencedCode, function_arn: str) -> tuple[str, str] | None:
        """What keeps Lambda from reading referenced code now: (ErrorCode, Message) as Code.Error says it."""
        if s3_semantics.bucket_region(self.s3_state, self.moto, reference.bucket) is None:
            return "NoSuchBucket", NO_SUCH_BUCKET
        if not self._lambda_may_read(reference.bucket, reference.key, function_arn):
            return "AccessDenied", ACCESS_DENIED.format(bucket=reference.bucket, key=reference.key)
        missing = self._object_version_missing(reference)
        if missing is not None:
            return missing[0], GET_OBJECT_ERROR.format(code=missing[0], message=missing[1])
        return None

    def _code_lost(self, st: FunctionState, version: str, region: str) -> tuple[str, str] | None:
        """Whether Lambda has lost $LATEST's or a version's referenced code: checked whenever the twin answers
        for it (Lambda "periodically accesses the source object"; the twin at every read), and kept once seen
        until an update brings code it can read."""
        reference = st.code_storage.get(version)
        if reference is None:
            return None
        if version not in st.code_lost:
            problem = self._code_problem(reference, self._arn(st.name, region))
            if problem is None:
                return None
            st.code_lost[version] = problem
        return st.code_lost[version]

    def _apply_code_storage(self, st: FunctionState, config: dict, version: str, region: str) -> None:
        """State Inactive (with its reason) for a version whose referenced code Lambda can no longer read;
        RuntimeVersionConfig for a .zip function with a managed runtime."""
        lost = self._code_lost(st, version, region)
        if lost is not None:
            reference = st.code_storage[version]
            config["State"] = "Inactive"
            config["StateReason"] = CODE_LOST_REASON.format(bucket=reference.bucket, key=reference.key,
                                                            version=reference.version_id, code=lost[0])
            config.pop("StateReasonCode", None)  # none of the model's codes names S3; AWS's is not documented
        self._apply_runtime_version(st, config, version, region)

    def s3_code_location(self, name: str, region: str, config: dict, code: dict | None) -> dict | None:
        """GetFunction's Code for referenced code: RepositoryType S3, ResolvedS3Object, and Error once Lambda has
        lost it (None: Lambda keeps a copy, moto's Code stands)."""
        st = self.state.functions.get((region, name))
        version = str(config.get("Version", LATEST))
        reference = st.code_storage.get(version) if st else None
        if reference is None:
            return None
        location = dict(code or {})
        location["RepositoryType"] = "S3"
        location["ResolvedS3Object"] = reference.resolved()
        lost = st.code_lost.get(version)
        if lost is not None:
            location["Error"] = {"ErrorCode": lost[0], "Message": lost[1]}
        return location

    def code_storage_invoke_refusal(self, st: FunctionState, version: str, region: str) -> Response | None:
        """Invoke of a version whose referenced code Lambda cannot read: the function is Inactive and stays so
        until updated (502 ResourceNotReadyException, the model's error for an inactive function)."""
        lost = self._code_lost(st, version, region)
        if lost is None:
            return None
        reference = st.code_storage[version]
        return _err(502, "ResourceNotReadyException",
                    CODE_LOST_INVOKE.format(bucket=reference.bucket, key=reference.key,
                                            version=reference.version_id, code=lost[0]))

    # Runtime versions ----------------------------------------------------------------------------------------

    @staticmethod
    def _apply_runtime_version(st: FunctionState, config: dict, version: str, region: str) -> None:
        """RuntimeVersionConfig.RuntimeVersionArn of a .zip function with a managed runtime: the one set for
        $LATEST (or frozen into the version) for this runtime, else the twin's default for the runtime,
        region and architecture. Absent for an image function (moto 5.2.1 says null)."""
        runtime = config.get("Runtime")
        if not runtime or st.effective_package_type != "Zip":
            config.pop("RuntimeVersionConfig", None)
            return
        chosen = st.runtime_versions.get(version)
        if chosen is not None and chosen[0] == runtime:
            arn = chosen[1]
        else:
            architecture = (config.get("Architectures") or ["x86_64"])[0]
            arn = default_runtime_version_arn(region, runtime, architecture)
        config["RuntimeVersionConfig"] = {"RuntimeVersionArn": arn}

    def set_runtime_version(self, body: dict) -> dict:
        """POST /_twin/runtime-version {"function", "region"?, "runtimeVersionArn": ARN or null}: the runtime
        version $LATEST runs from now on (as Lambda's automatic runtime updates move it; null: the twin's
        default). Versions published afterwards keep it; those published before keep theirs."""
        region, name = control_function(body, {"runtimeVersionArn"})
        if "runtimeVersionArn" not in body:
            raise ValueError("runtimeVersionArn is required: arn:aws:lambda:REGION::runtime:<64 hex digits>, or null")
        arn = body["runtimeVersionArn"]
        config = self._latest_config(name, region)
        st = self._function_state(name, region)
        if config is None or st is None:
            raise LookupError(f"no function {name} in {region}")
        runtime = config.get("Runtime")
        if not runtime or st.effective_package_type != "Zip":
            raise ValueError(f"{name} has no managed runtime (a container image function has no runtime version)")
        if arn is None:
            st.runtime_versions.pop(LATEST, None)
        else:
            match = RUNTIME_VERSION_ARN.match(arn) if isinstance(arn, str) else None
            if match is None:
                raise ValueError("runtimeVersionArn must be arn:aws:lambda:REGION::runtime:<64 lowercase hex digits>")
            if match.group(1) != region:
                raise ValueError(f"runtimeVersionArn names {match.group(1)}; {name} is in {region}")
            st.runtime_versions[LATEST] = (runtime, arn)
        shown: dict = {"Runtime": runtime, "Architectures": config.get("Architectures")}
        self._apply_runtime_version(st, shown, LATEST, region)
        return {"function": name, "region": region, "runtime": runtime,
                "runtimeVersionArn": shown["RuntimeVersionConfig"]["RuntimeVersionArn"],
                "default": LATEST not in st.runtime_versions}


def _object_path(bucket: str, key: str) -> str:
    return f"/{quote(bucket, safe='')}/{quote(key, safe='/~')}"
