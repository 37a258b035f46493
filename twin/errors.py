"""AWS error responses in each wire protocol the twin serves.

Protocols (see the AWS SDK protocol docs, e.g. botocore's parsers):
- "s3":        REST-XML, <Error><Code/><Message/><RequestId/>...</Error>
- "rest-json": Lambda; code in the x-amzn-ErrorType header, body {"Type","message"}
- "json":      JSON 1.0 (CloudWatch) and 1.1 (ECR, CloudWatch Logs); body {"__type", "message"}
- "query":     STS, IAM, CloudWatch query; <ErrorResponse><Error>...</Error>
"""

from __future__ import annotations

import json
import uuid
from xml.sax.saxutils import escape

from .messages import Response

JSON_11_SERVICES = {"ecr", "logs"}  # JSON 1.1 (Content-Type application/x-amz-json-1.1); the rest speak 1.0
QUERY_NAMESPACES = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "monitoring": "http://monitoring.amazonaws.com/doc/2010-08-01/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}


def new_request_id() -> str:
    return str(uuid.uuid4())


def json_response(status: int, payload, extra_headers=()) -> Response:
    body = json.dumps(payload).encode()
    headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", new_request_id())]
    headers.extend(extra_headers)
    return Response(status, headers, body)


def aws_error(
    protocol: str,
    status: int,
    code: str,
    message: str,
    *,
    service: str = "",
    extra: dict | None = None,
    sender: bool = True,
    head: bool = False,
) -> Response:
    """An error response shaped like the named protocol's.

    `extra` adds fields (S3 XML elements, JSON members), e.g. the canonical
    request on SignatureDoesNotMatch. `head` drops the body (HEAD requests).
    """
    request_id = new_request_id()
    extra = extra or {}
    if protocol == "s3":
        parts = [f"<Code>{escape(code)}</Code>", f"<Message>{escape(message)}</Message>"]
        for key, value in extra.items():
            parts.append(f"<{key}>{escape(str(value))}</{key}>")
        parts.append(f"<RequestId>{request_id}</RequestId>")
        parts.append("<HostId>twin</HostId>")
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>").encode()
        headers = [
            ("Content-Type", "application/xml"),
            ("x-amz-request-id", request_id),
            ("x-amz-id-2", "twin"),
        ]
    elif protocol == "rest-json":
        payload = {"Type": "User" if sender else "Service", "message": message}
        payload.update(extra)
        body = json.dumps(payload).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", request_id),
        ]
    elif protocol == "json":
        payload = {"__type": code, "message": message}
        payload.update(extra)
        body = json.dumps(payload).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.1" if service in JSON_11_SERVICES
             else "application/x-amz-json-1.0"),
            ("x-amzn-RequestId", request_id),
        ]
    else:  # query
        namespace = QUERY_NAMESPACES.get(service, QUERY_NAMESPACES["sts"])
        fields = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in extra.items())
        body = (
            f'<ErrorResponse xmlns="{namespace}">'
            f"<Error><Type>{'Sender' if sender else 'Receiver'}</Type>"
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>{fields}</Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    if head:
        body = b""
    return Response(status, headers, body)


# Codes per protocol for the same failure -----------------------------------

def _pick(protocol: str, *, s3: str, rest_json: str, json_: str, query: str) -> str:
    return {"s3": s3, "rest-json": rest_json, "json": json_}.get(protocol, query)


def unknown_key_code(protocol: str) -> str:
    return _pick(protocol, s3="InvalidAccessKeyId", rest_json="UnrecognizedClientException",
                 json_="UnrecognizedClientException", query="InvalidClientTokenId")


def bad_token_code(protocol: str) -> str:
    return _pick(protocol, s3="InvalidToken", rest_json="UnrecognizedClientException",
                 json_="UnrecognizedClientException", query="InvalidClientTokenId")


def signature_mismatch_code(protocol: str) -> str:
    return _pick(protocol, s3="SignatureDoesNotMatch", rest_json="InvalidSignatureException",
                 json_="InvalidSignatureException", query="SignatureDoesNotMatch")


def expired_signature_code(protocol: str) -> str:
    return _pick(protocol, s3="RequestTimeTooSkewed", rest_json="InvalidSignatureException",
                 json_="InvalidSignatureException", query="SignatureDoesNotMatch")


def incomplete_signature_code(protocol: str) -> str:
    return _pick(protocol, s3="AuthorizationHeaderMalformed", rest_json="IncompleteSignatureException",
                 json_="IncompleteSignatureException", query="IncompleteSignature")


def missing_auth_code(protocol: str) -> str:
    return _pick(protocol, s3="AccessDenied", rest_json="MissingAuthenticationTokenException",
                 json_="MissingAuthenticationTokenException", query="MissingAuthenticationToken")


def throttle_error(protocol: str, service: str) -> tuple[int, str, str]:
    """(status, code, message) for a throttling fault."""
    if protocol == "s3":
        return 503, "SlowDown", "Please reduce your request rate."
    if protocol == "rest-json" and service == "lambda-web":  # its model's ThrottlingException (429)
        return 429, "ThrottlingException", "Rate exceeded"
    if protocol == "rest-json":
        return 429, "TooManyRequestsException", "Rate exceeded"
    if protocol == "json":
        return 400, "ThrottlingException", "Rate exceeded"
    return 400, "Throttling", "Rate exceeded"


def server_error(protocol: str, service: str) -> tuple[int, str, str]:
    """(status, code, message) for a server-error fault."""
    if protocol == "s3":
        return 500, "InternalError", "We encountered an internal error. Please try again."
    if protocol == "rest-json" and service == "signer":  # Signer's model: InternalServiceErrorException (500)
        return 500, "InternalServiceErrorException", "An internal error occurred."
    if protocol == "rest-json" and service == "lambda-web":  # its model's InternalServerException (500)
        return 500, "InternalServerException", "The request failed because of an internal error in the service."
    if protocol == "rest-json":
        return 500, "ServiceException", "The AWS Lambda service encountered an internal error."
    if protocol == "json" and service == "logs":  # CloudWatch Logs' model: ServiceUnavailableException (500)
        return 500, "ServiceUnavailableException", "The service cannot complete the request."
    if protocol == "json":
        return 500, "InternalServiceFault", "Internal service error."
    if service == "monitoring":  # CloudWatch's query-protocol name for InternalServiceFault
        return 500, "InternalServiceError", "Internal service error."
    return 500, "InternalError", "An internal error occurred."
