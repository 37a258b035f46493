"""SigV4 reference signer: botocore's own canonicalisation, restricted to the
headers a client says it signed.

The twin's proxy verifies every request with `compute_signature`, and the
Swift tests run this file as a CLI for a differential test of our signer:

    echo '[{...}]' | python3 twin/sigv4_reference.py

Input: a JSON array of objects
    {"method", "url", "headers": [[name, value], ...], "bodyBase64",
     "service", "region", "accessKeyId", "secretAccessKey",
     "sessionToken" (optional), "amzDate", "signedHeaders": [lowercase names]}
Output: a JSON array of {"canonicalRequest", "stringToSign", "signature"}.

Everything that decides the bytes of the canonical request is botocore's:
`SigV4Auth` (or `S3SigV4Auth` for service "s3") computes the canonical
request, the string to sign and the signature with its own methods. The only
override is `headers_to_sign`, which keeps exactly the headers named in
SignedHeaders (botocore's client-side blacklist of headers it would not
choose to sign, such as user-agent, is not applied: a verifier accepts any
header the client signed). For s3, the payload hash is the value of the
x-amz-content-sha256 header when the request carries one (signed or not),
as S3 itself does.
"""

from __future__ import annotations

import base64
import json
import sys
from dataclasses import dataclass
from typing import Iterable, Sequence

from botocore.auth import S3SigV4Auth, SigV4Auth, _host_from_url
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

CONTENT_SHA256 = "x-amz-content-sha256"


@dataclass(frozen=True)
class SigningResult:
    canonical_request: str
    string_to_sign: str
    signature: str

    def to_json(self) -> dict:
        return {
            "canonicalRequest": self.canonical_request,
            "stringToSign": self.string_to_sign,
            "signature": self.signature,
        }


class _RestrictedHeaders:
    """Mixin: sign exactly the headers listed in SignedHeaders."""

    _signed_header_names: frozenset = frozenset()
    _payload_hash_override: str | None = None

    def headers_to_sign(self, request):  # botocore hook
        header_map = HTTPHeaders()
        for name, value in request.headers.items():
            lname = name.lower()
            if lname in self._signed_header_names:
                header_map[lname] = value
        if "host" in self._signed_header_names and "host" not in header_map:
            header_map["host"] = _host_from_url(request.url)
        return header_map

    def payload(self, request):  # botocore hook
        if self._payload_hash_override is not None:
            return self._payload_hash_override
        return super().payload(request)


class RestrictedSigV4Auth(_RestrictedHeaders, SigV4Auth):
    pass


class RestrictedS3SigV4Auth(_RestrictedHeaders, S3SigV4Auth):
    pass


def compute_signature(
    *,
    method: str,
    url: str,
    headers: Iterable[Sequence[str]],
    body: bytes,
    service: str,
    region: str,
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None,
    amz_date: str,
    signed_headers: Iterable[str],
) -> SigningResult:
    """Canonical request, string to sign and signature, as botocore computes
    them, for a request whose SignedHeaders are `signed_headers`.

    `headers` are (name, value) pairs in the order received; repeated names
    are kept (botocore joins their values with commas). Only the signed ones
    reach the AWSRequest.
    """
    signed = frozenset(h.strip().lower() for h in signed_headers if h.strip())
    header_pairs = [(str(n), str(v)) for n, v in headers]

    request = AWSRequest(method=method, url=url, data=body)
    for name, value in header_pairs:
        if name.lower() in signed:
            request.headers[name] = value  # appends; keeps repeated headers
    request.context["timestamp"] = amz_date

    credentials = Credentials(access_key_id, secret_access_key, session_token)
    if service == "s3":
        signer: SigV4Auth = RestrictedS3SigV4Auth(credentials, service, region)
        for name, value in header_pairs:
            if name.lower() == CONTENT_SHA256:
                signer._payload_hash_override = value
                break
    else:
        signer = RestrictedSigV4Auth(credentials, service, region)
    signer._signed_header_names = signed

    canonical_request = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical_request)
    signature = signer.signature(string_to_sign, request)
    return SigningResult(canonical_request, string_to_sign, signature)


def compute_from_json(item: dict) -> SigningResult:
    """One element of the CLI's input array."""
    return compute_signature(
        method=item["method"],
        url=item["url"],
        headers=item.get("headers", []),
        body=base64.b64decode(item.get("bodyBase64") or ""),
        service=item["service"],
        region=item["region"],
        access_key_id=item["accessKeyId"],
        secret_access_key=item["secretAccessKey"],
        session_token=item.get("sessionToken"),
        amz_date=item["amzDate"],
        signed_headers=item["signedHeaders"],
    )


def main(argv: list[str]) -> int:
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    items = json.load(sys.stdin)
    if not isinstance(items, list):
        print("input must be a JSON array", file=sys.stderr)
        return 2
    results = [compute_from_json(item).to_json() for item in items]
    json.dump(results, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
