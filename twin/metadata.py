"""Stand-ins for the credential sources a CI job reads, on a second port:

- GitHub Actions OIDC:   GET /oidc/token?audience=X   (Authorization: Bearer <request token>)
- Container credentials: GET /container/<anything>  (Authorization: <auth token>)
- EC2 IMDSv2:            PUT /latest/api/token, GET /latest/meta-data/iam/security-credentials/[role]
- POST /config, GET /stats

Every credential set issued is new, and registered (with its session token)
in the proxy's key table, so requests signed with it verify.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from .state import TwinState

ROLE_NAME = "twin-runner-role"
OIDC_ISSUER = "https://token.actions.githubusercontent.com"
OIDC_SUBJECT = "repo:octo/app:ref:refs/heads/main"
IMDS_CREDENTIALS = "/latest/meta-data/iam/security-credentials/"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def iso8601(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def make_jwt(audience: str, now: float | None = None, lifetime: int = 300) -> str:
    """An unsigned-in-spirit JWT (random signature) shaped like GitHub's."""
    now = int(time.time() if now is None else now)
    header = {"alg": "RS256", "typ": "JWT", "kid": "twin"}
    payload = {"iss": OIDC_ISSUER, "aud": audience, "sub": OIDC_SUBJECT,
               "exp": now + lifetime, "iat": now, "nbf": now}
    return ".".join([_b64url(json.dumps(header).encode()), _b64url(json.dumps(payload).encode()),
                     _b64url(secrets.token_bytes(32))])


def new_credentials(twin: TwinState) -> dict:
    """Random temporary keys, registered in the proxy's key table."""
    alphabet = string.ascii_uppercase + string.digits
    akid = "ASIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    secret = base64.b64encode(secrets.token_bytes(30)).decode()
    token = "twin-session-" + _b64url(secrets.token_bytes(48))
    with twin.metadata.lock:
        lifetime = twin.metadata.expires_in_seconds
    twin.keys.register(akid, secret, token)
    now = time.time()
    return {"AccessKeyId": akid, "SecretAccessKey": secret, "Token": token,
            "Expiration": iso8601(now + lifetime), "LastUpdated": iso8601(now)}


class MetadataServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # a client dropping an idle keep-alive connection
        super().handle_error(request, client_address)

    def __init__(self, address, twin: TwinState) -> None:
        super().__init__(address, MetadataHandler)
        self.twin = twin


class MetadataHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lambda-shift-twin-metadata"
    sys_version = ""
    timeout = 300
    server: MetadataServer

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002
        if self.server.twin.verbose:
            sys.stderr.write("twin metadata: " + (format % args) + "\n")

    def do_GET(self):
        self._dispatch()

    do_PUT = do_POST = do_DELETE = do_GET

    def _reply(self, status: int, body, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path, _, query = self.path.partition("?")
        meta = self.server.twin.metadata
        method = self.command
        if path == "/oidc/token" and method == "GET":
            meta.hit("oidc")
            return self._oidc(dict(parse_qsl(query, keep_blank_values=True)))
        if path.startswith("/container/") and method == "GET":
            meta.hit("container")
            return self._container()
        if path == "/latest/api/token" and method == "PUT":
            meta.hit("imds-token")
            return self._imds_token()
        if path.startswith(IMDS_CREDENTIALS) and method == "GET":
            meta.hit("imds-credentials")
            return self._imds_credentials(path[len(IMDS_CREDENTIALS):])
        if path == "/config" and method == "POST":
            return self._config(body)
        if path == "/stats" and method == "GET":
            with meta.lock:
                return self._reply(200, {"hits": dict(meta.hits), "audiences": list(meta.audiences)})
        self._reply(404, {"message": f"no route {method} {path}"})

    # Endpoints ---------------------------------------------------------------

    def _oidc(self, params: dict) -> None:
        meta = self.server.twin.metadata
        with meta.lock:
            expected = meta.oidc_request_token
        if self.headers.get("Authorization") != f"Bearer {expected}":
            return self._reply(401, {"message": "Bad credentials"})
        audience = params.get("audience", "")
        with meta.lock:
            meta.audiences.append(audience)
        self._reply(200, {"value": make_jwt(audience)})

    def _container(self) -> None:
        meta = self.server.twin.metadata
        with meta.lock:
            expected = meta.container_auth_token
        sent = self.headers.get("Authorization")
        if sent is None:
            return self._reply(401, {"message": "missing Authorization"})
        if sent != expected:
            return self._reply(403, {"message": "invalid Authorization"})
        creds = new_credentials(self.server.twin)
        creds.pop("LastUpdated")
        self._reply(200, creds)

    def _imds_token(self) -> None:
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        try:
            seconds = int(ttl or "")
        except ValueError:
            return self._reply(400, "", "text/plain")
        if not 1 <= seconds <= 21600:
            return self._reply(400, "", "text/plain")
        token = _b64url(secrets.token_bytes(32))
        meta = self.server.twin.metadata
        with meta.lock:
            meta.imds_tokens[token] = time.time() + seconds
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("X-aws-ec2-metadata-token-ttl-seconds", str(seconds))
        self.send_header("Content-Length", str(len(token)))
        self.end_headers()
        self.wfile.write(token.encode())

    def _imds_credentials(self, role: str) -> None:
        token = self.headers.get("X-aws-ec2-metadata-token")
        meta = self.server.twin.metadata
        with meta.lock:
            expiry = meta.imds_tokens.get(token or "")
        if expiry is None or expiry < time.time():
            return self._reply(401, "", "text/plain")
        role = role.strip("/")
        if not role:
            return self._reply(200, ROLE_NAME, "text/plain")
        if role != ROLE_NAME:
            return self._reply(404, "", "text/plain")
        creds = new_credentials(self.server.twin)
        self._reply(200, {"Code": "Success", "LastUpdated": creds["LastUpdated"], "Type": "AWS-HMAC",
                          "AccessKeyId": creds["AccessKeyId"], "SecretAccessKey": creds["SecretAccessKey"],
                          "Token": creds["Token"], "Expiration": creds["Expiration"]})

    def _config(self, body: bytes) -> None:
        try:
            config = json.loads(body or b"{}")
            if not isinstance(config, dict):
                raise ValueError("the body must be a JSON object")
            meta = self.server.twin.metadata
            with meta.lock:
                if "expiresInSeconds" in config:
                    seconds = config["expiresInSeconds"]
                    if not isinstance(seconds, int) or seconds < 0:
                        raise ValueError("expiresInSeconds must be a non-negative integer")
                    meta.expires_in_seconds = seconds
                if "oidcRequestToken" in config:
                    meta.oidc_request_token = str(config["oidcRequestToken"])
                if "containerAuthToken" in config:
                    meta.container_auth_token = str(config["containerAuthToken"])
                current = {"expiresInSeconds": meta.expires_in_seconds,
                           "oidcRequestToken": meta.oidc_request_token,
                           "containerAuthToken": meta.container_auth_token}
        except ValueError as exc:
            return self._reply(400, {"message": str(exc)})
        self._reply(200, current)
