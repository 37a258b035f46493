"""Which AWS service, operation and wire protocol a request is.

- service: from the SigV4 credential scope when signed, else guessed from
  the request's shape.
- operation: S3 from method + path + sub-resource query keys; Lambda from
  method + path matched against botocore's own Lambda model (requestUri);
  JSON 1.0 / 1.1 (CloudWatch, ECR, CloudWatch Logs) from X-Amz-Target; query services from
  the Action parameter.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl

READ_ONLY_OPERATIONS = {"Invoke", "GetCallerIdentity", "GetMetricData", "BatchGetImage", "BatchCheckLayerAvailability",
                        "FilterLogEvents"}

STS_ACTIONS = {
    "AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "AssumeRoot",
    "DecodeAuthorizationMessage", "GetAccessKeyInfo", "GetCallerIdentity",
    "GetFederationToken", "GetSessionToken", "GetDelegatedAccessToken",
}

_LAMBDA_PATH = re.compile(r"^/\d{4}-\d{2}-\d{2}/")
# REST-JSON services: the operation comes from method + path matched against botocore's model.
# Signer (signing name `signer`, endpoint signer.REGION.amazonaws.com) speaks REST-JSON like Lambda.
REST_JSON_SERVICES = {"lambda": "lambda", "signer": "signer", "lambda-web": "lambda-web"}
# AWS Lambda Web Functions (botocore's `lambda-web`, API version 2025-03-07): signed for `lambda` (its model's
# signingName) at Lambda's endpoint; its paths start with its API version, which no Lambda operation uses.
LAMBDA_WEB_PREFIX = "/2025-03-07/"


def service_for(signing_service: str, path: str) -> str:
    """The service a request signed for `signing_service` is: `lambda-web` for Lambda's Web Functions paths."""
    if signing_service == "lambda" and path.startswith(LAMBDA_WEB_PREFIX):
        return "lambda-web"
    return signing_service


def is_mutating(operation: str | None) -> bool:
    if not operation:
        return True
    if operation in READ_ONLY_OPERATIONS:
        return False
    return not operation.startswith(("Get", "Head", "List", "Describe"))


def protocol_for(service: str, content_type: str) -> str:
    if service == "s3":
        return "s3"
    if service in REST_JSON_SERVICES:
        return "rest-json"
    if content_type.lower().startswith("application/x-amz-json"):
        return "json"
    return "query"


def form_params(query: str, content_type: str, body: bytes) -> dict[str, str]:
    """Query-protocol parameters: the query string plus a form body."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    if content_type.lower().startswith("application/x-www-form-urlencoded") and body:
        try:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            pass
    return params


def guess_service(path: str, headers: dict[str, str], params: dict[str, str]) -> str:
    """The service of a request without a credential scope."""
    target = headers.get("x-amz-target", "")
    if target.startswith("GraniteServiceVersion20100801"):
        return "monitoring"
    if target.startswith("AmazonEC2ContainerRegistry_V20150921"):
        return "ecr"
    if target.startswith("Logs_20140328"):
        return "logs"
    action = params.get("Action")
    if action:
        if action in STS_ACTIONS:
            return "sts"
        version = params.get("Version", "")
        if version == "2010-08-01":
            return "monitoring"
        if version == "2010-05-08":
            return "iam"
        return "sts"
    if path.startswith(LAMBDA_WEB_PREFIX):
        return "lambda-web"
    if _LAMBDA_PATH.match(path):
        return "lambda"
    return "s3"


def operation_for(service: str, method: str, path: str, query: str,
                  headers: dict[str, str], params: dict[str, str]) -> str | None:
    if service == "s3":
        return s3_operation(method, path, query, headers)
    if service == "lambda":
        return lambda_operation(method, path, query)
    if service in REST_JSON_SERVICES:
        return rest_operation(REST_JSON_SERVICES[service], method, path, query)
    target = headers.get("x-amz-target")
    if target and "." in target:
        return target.rsplit(".", 1)[1]
    if path.startswith("/service/") and "/operation/" in path:  # smithy rpc-v2-cbor
        return path.rsplit("/operation/", 1)[1].strip("/") or None
    return params.get("Action")


# S3 ----------------------------------------------------------------------

_BUCKET_SUBRESOURCES = {
    "versioning": "BucketVersioning", "policy": "BucketPolicy", "tagging": "BucketTagging",
    "acl": "BucketAcl", "cors": "BucketCors", "lifecycle": "BucketLifecycleConfiguration",
    "encryption": "BucketEncryption", "notification": "BucketNotificationConfiguration",
    "ownershipControls": "BucketOwnershipControls", "publicAccessBlock": "PublicAccessBlock",
    "website": "BucketWebsite", "logging": "BucketLogging", "replication": "BucketReplication",
    "object-lock": "ObjectLockConfiguration", "accelerate": "BucketAccelerateConfiguration",
    "requestPayment": "BucketRequestPayment", "policyStatus": "BucketPolicyStatus",
}
_OBJECT_SUBRESOURCES = {
    "tagging": "ObjectTagging", "acl": "ObjectAcl", "retention": "ObjectRetention",
    "legal-hold": "ObjectLegalHold", "attributes": "ObjectAttributes",
}
_VERB = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}


def s3_operation(method: str, path: str, query: str, headers: dict[str, str]) -> str | None:
    """S3 operation of a path-style request (/bucket/key?subresource)."""
    keys = {k for k, _ in parse_qsl(query, keep_blank_values=True)}
    method = method.upper()
    trimmed = path.lstrip("/")
    if not trimmed:
        return "ListBuckets" if method == "GET" else None
    bucket, _, key = trimmed.partition("/")
    if not key:
        if method == "HEAD":
            return "HeadBucket"
        if method == "POST" and "delete" in keys:
            return "DeleteObjects"
        if method == "GET":
            if "uploads" in keys:
                return "ListMultipartUploads"
            if "versions" in keys:
                return "ListObjectVersions"
            if "location" in keys:
                return "GetBucketLocation"
            if "list-type" in keys:
                return "ListObjectsV2"
        for sub, name in _BUCKET_SUBRESOURCES.items():
            if sub in keys and method in _VERB:
                return _VERB[method] + name
        return {"PUT": "CreateBucket", "DELETE": "DeleteBucket", "GET": "ListObjects"}.get(method)
    if method == "HEAD":
        return "HeadObject"
    if method == "POST":
        if "uploads" in keys:
            return "CreateMultipartUpload"
        if "uploadId" in keys:
            return "CompleteMultipartUpload"
        if "restore" in keys:
            return "RestoreObject"
        if "select" in keys:
            return "SelectObjectContent"
        return None
    if method == "PUT" and "partNumber" in keys and "uploadId" in keys:
        return "UploadPartCopy" if "x-amz-copy-source" in headers else "UploadPart"
    if method == "GET" and "uploadId" in keys:
        return "ListParts"
    if method == "DELETE" and "uploadId" in keys:
        return "AbortMultipartUpload"
    for sub, name in _OBJECT_SUBRESOURCES.items():
        if sub in keys and method in _VERB:
            return _VERB[method] + name
    if method == "PUT":
        return "CopyObject" if "x-amz-copy-source" in headers else "PutObject"
    return {"GET": "GetObject", "DELETE": "DeleteObject"}.get(method)


# Lambda ------------------------------------------------------------------

def _lambda_routes() -> list[tuple[re.Pattern, str, str, int]]:
    return _rest_routes("lambda")


@lru_cache(maxsize=4)
def _rest_routes(model_name: str) -> list[tuple[re.Pattern, str, str, int, dict]]:
    """(path regex, method, operation, literal length, literal query) from botocore's model. A
    requestUri may carry a literal query (Lambda ListProvisionedConcurrencyConfigs:
    `/2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL`, the same path as
    Get/Put/DeleteProvisionedConcurrencyConfig): such a route matches only a request with that query."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(model_name)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri, _, literal_query = http["requestUri"].partition("?")
        uri = uri.rstrip("/")
        required = dict(parse_qsl(literal_query, keep_blank_values=True))
        literal = 0
        pattern = ""
        for piece in re.split(r"(\{[^}]+\})", uri):
            if piece.startswith("{"):
                pattern += "(.+)" if piece.endswith("+}") else "([^/]+)"
            else:
                pattern += re.escape(piece)
                literal += len(piece)
        routes.append((re.compile("^" + pattern + "/?$"), http["method"].upper(), name,
                       literal + sum(len(k) + len(v) for k, v in required.items()), required))
    return routes


def lambda_operation(method: str, path: str, query: str = "") -> str | None:
    return rest_operation("lambda", method, path, query)


def rest_operation(model_name: str, method: str, path: str, query: str = "") -> str | None:
    """The operation of a REST request: the model's route with the longest literal part (a literal
    query counts, and must be present)."""
    params = dict(parse_qsl(query or "", keep_blank_values=True))
    best = None
    for regex, route_method, name, literal, required in _rest_routes(model_name):
        if route_method == method.upper() and regex.match(path):
            if any(params.get(k) != v for k, v in required.items()):
                continue
            if best is None or literal > best[1]:
                best = (name, literal)
    return best[0] if best else None


def lambda_path_parts(path: str) -> list[str]:
    """['2015-03-31', 'functions', '<name>', 'aliases', '<alias>'] (still encoded)."""
    return [p for p in path.split("/") if p]
