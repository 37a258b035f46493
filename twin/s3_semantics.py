"""S3 integrity checks moto skips: x-amz-checksum-sha256 and Content-MD5 on
PutObject and UploadPart (S3 answers 400 BadDigest on a mismatch), and the
checksum echoed in the response as S3 does."""

from __future__ import annotations

import base64
import binascii
import hashlib

from errors import aws_error
from messages import ProxyRequest, Response

CHECKED_OPERATIONS = {"PutObject", "UploadPart"}


def check_body_digests(req: ProxyRequest) -> Response | None:
    if req.operation not in CHECKED_OPERATIONS:
        return None
    claimed_sha = req.header("x-amz-checksum-sha256")
    if claimed_sha is not None:
        actual = base64.b64encode(hashlib.sha256(req.body).digest()).decode()
        if claimed_sha.strip() != actual:
            return aws_error("s3", 400, "BadDigest",
                             "The SHA256 you specified did not match the calculated checksum.")
    claimed_md5 = req.header("Content-MD5")
    if claimed_md5 is not None:
        try:
            raw = base64.b64decode(claimed_md5.strip(), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 16:
            return aws_error("s3", 400, "InvalidDigest",
                             "The Content-MD5 you specified was invalid.")
        if raw != hashlib.md5(req.body).digest():
            return aws_error("s3", 400, "BadDigest",
                             "The Content-MD5 you specified did not match what we received.")
    return None


def echo_checksum(req: ProxyRequest, resp: Response) -> None:
    if req.operation not in CHECKED_OPERATIONS or resp.status != 200:
        return
    claimed_sha = req.header("x-amz-checksum-sha256")
    if claimed_sha is not None and resp.header("x-amz-checksum-sha256") is None:
        resp.headers.append(("x-amz-checksum-sha256", claimed_sha.strip()))
