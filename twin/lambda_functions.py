"""Lambda functions (part of LambdaSemantics, lambda_semantics.py): CreateFunction, GetFunction /
GetFunctionConfiguration, ListFunctions, ListVersionsByFunction, UpdateFunctionCode /
UpdateFunctionConfiguration, PublishVersion, DeleteFunction: RevisionIds and their preconditions,
LastUpdateStatus, State, SnapStart versions, PackageType, container images, code from S3, and what
each published version keeps. Also the helpers the other parts use: a function's state, moto's
configuration of a version, the configuration as the twin answers it."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

from . import ecr_semantics, s3_semantics
from .defaults import ACCOUNT_ID
from .errors import new_request_id
from .lambda_common import (API, LATEST, PRECONDITION_MESSAGE, _err, _json_body, _s3_error_fields, _with_json,
                            dead_letter_target, new_revision)
from .lambda_logs import logging_config_json, merge_logging_config
from .lambda_signing import CSC_NOT_FOUND
from .lambda_state import (PENDING_REASON, RESTORING_REASON, SNAPSTART_REASON, STATE_CONFLICT, FunctionState,
                           ImageCode, VersionState)
from .messages import Response

# Observed AWS wording for UpdateFunctionCode with the wrong kind of code (InvalidParameterValueException,
# 400; e.g. appleboy/lambda-action#28, umihico/pythonista-chromeless#19). Lambda Developer Guide,
# "Create a Lambda function using a container image": "You cannot convert an existing .zip file
# archive function to use a container image."
IMAGE_NEEDS_IMAGE_URI = "Please provide ImageUri when updating a function with packageType Image."
ZIP_REFUSES_IMAGE_URI = "Please don't provide ImageUri when updating a function with packageType Zip."
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


class FunctionsMixin:
    """LambdaSemantics's function operations and shared helpers (self.state: LambdaState, self.moto,
    self.s3_state; _find_csc, _code_bytes and _check_code_signing come from SigningMixin,
    forget_environment from LogsMixin)."""

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
        self._apply_logging(st, config, version)
        self._apply_code_storage(st, config, version, region)
        return config

    @staticmethod
    def _apply_logging(st: FunctionState, config: dict, version: str) -> None:
        """LoggingConfig (Lambda API reference, FunctionConfiguration and LoggingConfig) of $LATEST or a
        version: always present, Text and /aws/lambda/<name> unless set (moto 5.2.1 returns none)."""
        config["LoggingConfig"] = logging_config_json(st.logging.get(version), st.name or config.get("FunctionName", ""))

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
        image = reference = None
        if isinstance(code, dict):
            # S3ObjectStorageMode REFERENCE (lambda_code_storage.py) has its own rules; COPY code the same-Region one.
            reference = self.reference_code(code, req.region, self.new_function_arn(str(body.get("FunctionName", "")),
                                                                                    req.region),
                                            image=body.get("PackageType") == "Image")
            refusal = reference if isinstance(reference, Response) else (
                None if reference is not None else self._check_code_object(code, req.region))
            if refusal is not None:
                return refusal
            if reference is not None:
                code = {**code, "S3ObjectVersion": reference.version_id}
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
        elif reference is not None:
            zipped = self.referenced_zip(reference, req.region)  # the pinned version's bytes (moto reads the latest)
            if isinstance(zipped, Response):
                return zipped
            resp = forward(body=json.dumps({**body, "Code": zipped}).encode())
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
            st.logging[LATEST] = merge_logging_config(None, body.get("LoggingConfig"))  # moto 5.2.1 ignores it
            self.record_code_storage(st, reference)
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
                    code = (self.code_location(name, req.region, config)
                            or self.s3_code_location(name, req.region, config, body.get("Code")))
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
        image = reference = None
        if req.operation == "UpdateFunctionCode":
            refusal = self._check_package_type(st, body, name, req.region)
            if refusal is None:
                # S3ObjectStorageMode REFERENCE (lambda_code_storage.py) has its own rules; COPY code the
                # same-Region one.
                reference = self.reference_code(body, req.region, self._arn(name, req.region),
                                                image=st.effective_package_type == "Image")
                refusal = reference if isinstance(reference, Response) else (
                    None if reference is not None else self._check_code_object(body, req.region))
            if refusal is not None:
                return refusal
            if reference is not None:  # the object version pinned: fetched below, its bytes handed to moto
                body = self.pinned_body(body, reference)
            if body.get("ImageUri") is not None:
                image = self.resolve_image(body["ImageUri"], req.region)
                if isinstance(image, Response):
                    return image
        else:
            refusal = self.code_storage_update_refusal(st, name, req.region)
            if refusal is not None:
                return refusal
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
                return forward() if reference is None else forward(body=json.dumps(body).encode())
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
            if req.operation == "UpdateFunctionCode":
                self.record_code_storage(st, reference)  # before a Publish: true version freezes it
            if req.operation == "UpdateFunctionConfiguration" and "DeadLetterConfig" in body:
                st.dead_letters[LATEST] = dead_letter_target(body)
            if req.operation == "UpdateFunctionConfiguration" and "LoggingConfig" in body:
                st.logging[LATEST] = merge_logging_config(st.logging.get(LATEST), body["LoggingConfig"])
            # New code or configuration: $LATEST's next invocation starts a new execution environment.
            self.forget_environment(req.region, name, LATEST)
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
        self._apply_logging(st, config, LATEST)
        self._apply_code_storage(st, config, LATEST, region)
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
                    st.logging.pop(qualifier, None)
                    st.code_storage.pop(qualifier, None)
                    st.code_lost.pop(qualifier, None)
                    st.runtime_versions.pop(qualifier, None)
                    # Lambda documents no refusal for a version with running durable executions
                    # (API DeleteFunction; DG "Managing durable executions"): the version goes, and the
                    # twin forgets the executions pinned to it (what AWS does with them is not documented).
                    st.durable_executions = [e for e in st.durable_executions if e["_version"] != qualifier]
                self.forget_environment(req.region, name, qualifier)
            else:
                self.state.functions.pop((req.region, name), None)
                self.state.tenant_invocations.pop((req.region, name), None)
                self.state.function_csc.pop((req.region, name), None)
                for key in [k for k in self.state.aliases if k[:2] == (req.region, name)]:
                    del self.state.aliases[key]
                # A function created again under the name starts afresh: no environments, no behaviours.
                self.forget_environment(req.region, name)
                for table in (self.state.behaviours, self.state.log_invocations):
                    for key in [k for k in table if k[:2] == (req.region, name)]:
                        del table[key]
            return Response(204, [("x-amzn-RequestId", resp.header("x-amzn-RequestId") or new_request_id())])
        return resp
