"""The request and response values passed between the proxy's parts."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


@dataclass
class Response:
    """A complete HTTP response the proxy writes back."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        self.remove_header(name)
        self.headers.append((name, value))

    def remove_header(self, name: str) -> None:
        lname = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lname]


@dataclass
class ProxyRequest:
    """One client request, as received (raw target, headers in order, body)."""

    method: str
    target: str                      # raw request target: path?query
    headers: list[tuple[str, str]]   # as received, in order, repeats kept
    body: bytes = b""
    service: str = ""
    operation: str | None = None
    protocol: str = "query"          # s3 | rest-json | json | query
    region: str = "us-east-1"
    access_key_id: str | None = None

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def lower_headers(self) -> dict[str, str]:
        """Lowercased name → value (repeated headers joined with commas)."""
        out: dict[str, str] = {}
        for key, value in self.headers:
            lname = key.lower()
            out[lname] = f"{out[lname]},{value}" if lname in out else value
        return out

    def decoded_body(self) -> bytes:
        """The body with `Content-Encoding: gzip` undone (botocore gzips large
        CloudWatch PutMetricData bodies; the signature covers the gzipped
        bytes, the service reads the JSON or form inside). Undecodable: as is."""
        encodings = [e.strip().lower() for e in (self.header("Content-Encoding") or "").split(",")]
        if "gzip" not in encodings or not self.body:
            return self.body
        try:
            return gzip.decompress(self.body)
        except (OSError, EOFError, zlib.error):
            return self.body

    def query_params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def is_head(self) -> bool:
        return self.method.upper() == "HEAD"
