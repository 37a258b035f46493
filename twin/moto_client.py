"""HTTP to the in-process moto server: relaying client requests and the
twin's own calls (which carry a synthetic Authorization header, because
moto routes by the credential scope and never checks the signature)."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

from .defaults import DEFAULT_ACCESS_KEY_ID, DEFAULT_REGION
from .messages import Response

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer", "trailers", "transfer-encoding", "upgrade", "expect", "proxy-connection",
}
# Not relayed from moto: recomputed by us, or moto artefacts no AWS service sends.
RESPONSE_SKIP = HOP_BY_HOP | {"content-length", "server", "date", "status"}


def synthetic_authorization(service: str, region: str = DEFAULT_REGION,
                            access_key_id: str = DEFAULT_ACCESS_KEY_ID) -> str:
    day = time.strftime("%Y%m%d", time.gmtime())
    return (f"AWS4-HMAC-SHA256 Credential={access_key_id}/{day}/{region}/{service}/aws4_request, "
            f"SignedHeaders=host, Signature={'0' * 64}")


def ascii_target(target: str) -> str:
    """Percent-encode any non-ASCII character of a request target
    (received bytes were decoded as latin-1, one char per byte)."""
    if target.isascii():
        return target
    return "".join(c if ord(c) < 128 else "%%%02X" % (ord(c) & 0xFF) for c in target)


class MotoClient:
    def __init__(self, moto_url: str) -> None:
        parts = urlsplit(moto_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80

    def send(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes,
             *, head: bool = False) -> Response:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            conn.putrequest(method, ascii_target(target), skip_host=True, skip_accept_encoding=True)
            has_host = False
            for name, value in headers:
                lname = name.lower()
                if lname in HOP_BY_HOP or lname == "content-length":
                    continue
                if lname == "host":
                    has_host = True
                conn.putheader(name, value)
            if not has_host:
                conn.putheader("Host", f"{self.host}:{self.port}")
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            out = []
            for name, value in resp.getheaders():
                lname = name.lower()
                if lname in RESPONSE_SKIP and not (head and lname == "content-length"):
                    continue
                out.append((name, value))
            return Response(resp.status, out, data)
        finally:
            conn.close()

    def call(self, method: str, target: str, service: str, body: bytes = b"",
             content_type: str | None = None, region: str = DEFAULT_REGION,
             extra_headers: list[tuple[str, str]] = ()) -> Response:
        """The twin's own request to moto for `service`."""
        headers = [("Host", f"{self.host}:{self.port}"),
                   ("Authorization", synthetic_authorization(service, region))]
        if content_type:
            headers.append(("Content-Type", content_type))
        headers.extend(extra_headers)
        return self.send(method, target, headers, body, head=(method == "HEAD"))
