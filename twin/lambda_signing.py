"""Lambda code signing (part of LambdaSemantics, lambda_semantics.py): code signing configs
(CreateCodeSigningConfig, GetCodeSigningConfig, Put/Get/DeleteFunctionCodeSigningConfig, which moto
5.2.1 lacks but GetFunctionCodeSigningConfig), each code deployment of a function with one checked
against what the twin's Signer signed (signer_semantics.py), and POST /_twin/code-signing."""

from __future__ import annotations

import base64
import random
import re
import time
from urllib.parse import quote, unquote

from . import signer_semantics
from .defaults import ACCOUNT_ID
from .errors import new_request_id
from .lambda_common import _err, _json_body, _s3_error_fields, _with_json, control_region, parse_function_ref
from .messages import Response

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


class SigningMixin:
    """LambdaSemantics's code signing operations (self.state: LambdaState, self.moto, self.signer_state;
    _function_state, _arn and _fetch_s3_version come from FunctionsMixin)."""

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
