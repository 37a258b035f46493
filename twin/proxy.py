"""The fidelity proxy: every AWS service on one loopback port, in front of moto.

Per request: parse the SigV4 Authorization header → service, region and
operation → checks on the key, token and time → (maybe an early "reset"
fault) → read the body → recompute the signature with botocore → S3
payload hash → record → faults → the semantics moto lacks (Lambda, S3
checksums, ECR digests, Signer jobs, CloudWatch Logs filters; Lambda Web Functions wholly) → forward to moto → learn STS-issued
keys → answer.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import (concurrency_semantics, ecr_semantics, errors, logs_semantics, s3_semantics, shape_validation,
               sts_semantics, verify)
from .capacity_semantics import CapacitySemantics
from .concurrency_semantics import ConcurrencySemantics
from .control import Control
from .errors import aws_error
from .lambda_semantics import LambdaSemantics
from .lambda_web import WebSemantics
from .signer_semantics import SignerSemantics
from .messages import ProxyRequest, Response
from .moto_client import MotoClient, synthetic_authorization
from .operations import form_params, guess_service, is_mutating, operation_for, protocol_for, service_for
from .state import TwinState

REDACTED_HEADERS = {"authorization", "x-amz-security-token"}


class ConnectionAborted(Exception):
    """The client went away mid-request."""


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # a client dropping an idle keep-alive connection
        super().handle_error(request, client_address)
    allow_reuse_address = False

    def __init__(self, address, twin: TwinState, moto: MotoClient) -> None:
        super().__init__(address, ProxyHandler)
        self.twin = twin
        self.moto = moto
        self.lambda_semantics = LambdaSemantics(twin.lambda_state, moto, twin.s3_state, twin.signer_state)
        self.concurrency_semantics = ConcurrencySemantics(twin.concurrency_state, twin.lambda_state, moto)
        self.capacity_semantics = CapacitySemantics(twin.capacity_state, twin.lambda_state, moto)
        self.signer_semantics = SignerSemantics(twin.signer_state, moto, twin.s3_state)
        self.web_semantics = WebSemantics(twin.web_state, moto)
        self.control = Control(twin, moto, self.lambda_semantics, self.signer_semantics, self.web_semantics)


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: the headers and the body go out in two writes, and with Nagle's algorithm
    # the body waited for the client's delayed ACK of the headers (40 ms on Linux) on every
    # keep-alive request, a stall no AWS endpoint has.
    disable_nagle_algorithm = True
    server_version = "lambda-shift-twin"
    sys_version = ""
    timeout = 300  # idle keep-alive connections
    server: ProxyServer

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's name)
        if self.server.twin.verbose:
            sys.stderr.write("twin proxy: " + (format % args) + "\n")

    def do_GET(self):
        self._dispatch()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET

    # Plumbing ----------------------------------------------------------------

    def _dispatch(self) -> None:
        try:
            self._serve()
        except (ConnectionAborted, BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        except Exception:  # a bug in the twin: say so loudly, keep serving
            traceback.print_exc(file=sys.stderr)
            body = b'{"message":"twin internal error; see its stderr"}'
            try:
                self._send(self.command == "HEAD", Response(500, [("Content-Type", "application/json")], body))
            except OSError:
                pass
            self.close_connection = True

    def _read_exact(self, n: int) -> bytes:
        chunks, remaining = [], n
        while remaining > 0:
            chunk = self.rfile.read(remaining)
            if not chunk:
                raise ConnectionAborted()
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _read_line(self) -> bytes:
        line = self.rfile.readline(65537)
        if not line:
            raise ConnectionAborted()
        return line

    def _read_body(self) -> bytes:
        transfer_encoding = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in transfer_encoding:
            chunks = []
            while True:
                size = int(self._read_line().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self._read_line() not in (b"\r\n", b"\n"):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self._read_exact(size))
                self._read_line()  # CRLF after the chunk
        length = int(self.headers.get("Content-Length") or 0)
        return self._read_exact(length) if length > 0 else b""

    def _reset_connection(self, after_bytes: int | None) -> None:
        """Read `after_bytes` of the body, then drop the socket with an RST."""
        if after_bytes:
            length = self.headers.get("Content-Length")
            limit = min(after_bytes, int(length)) if length else after_bytes
            try:
                self._read_exact(limit)
            except ConnectionAborted:
                pass
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        os.close(sock.detach())  # linger 0: the kernel answers with RST
        self.close_connection = True

    def _send(self, head: bool, resp: Response) -> None:
        self.send_response(resp.status)
        bodiless = resp.status in (204, 304) or resp.status < 200
        for name, value in resp.headers:
            # A HEAD answer keeps moto's Content-Length (the object's size).
            if name.lower() != "content-length" or (head and not bodiless):
                self.send_header(name, value)
        if not bodiless and not (head and resp.header("Content-Length") is not None):
            self.send_header("Content-Length", str(len(resp.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head and not bodiless and resp.body:
            self.wfile.write(resp.body)

    # The request pipeline ----------------------------------------------------

    def _serve(self) -> None:
        twin = self.server.twin
        target = self.path
        if target.startswith(("http://", "https://")):  # absolute-form request target
            rest = target.split("://", 1)[1]
            target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        req = ProxyRequest(method=self.command, target=target, headers=list(self.headers.items()))

        if req.path.startswith("/_twin/") or req.path == "/_twin":
            req.body = self._read_body()
            self._send(req.is_head, self.server.control.handle(req))
            return

        auth_value = req.header("Authorization")
        auth, auth_problem = None, None
        if auth_value is not None:
            try:
                auth = verify.parse_authorization(auth_value)
            except ValueError as exc:
                auth_problem = str(exc)
        content_type = req.header("Content-Type") or ""
        if auth:
            req.service, req.region, req.access_key_id = auth.service, auth.region, auth.access_key_id
            req.service = service_for(auth.service, req.path)  # Lambda Web Functions: `lambda-web`
            req.protocol = protocol_for(req.service, content_type)
            if req.protocol != "query":
                req.operation = operation_for(req.service, req.method, req.path, req.query,
                                              req.lower_headers(), {})
        operation_known_early = req.operation is not None

        header_problem = verify.check_headers(req, auth, twin.keys) if auth else None
        if auth and header_problem is None and operation_known_early:
            rule = twin.faults.take(req.service, req.operation, req.region, early_only=True)
            if rule is not None:
                entry = self._record(req, signed=True)
                entry.update(fault="reset", status=0)
                self._reset_connection(rule.after_bytes)
                return

        req.body = self._read_body()
        params = form_params(req.query, content_type, req.decoded_body()) if req.protocol == "query" or not auth else {}
        if not req.service:
            req.service = guess_service(req.path, req.lower_headers(), params)
            req.protocol = protocol_for(req.service, content_type)
        if req.operation is None:
            req.operation = operation_for(req.service, req.method, req.path, req.query,
                                          req.lower_headers(), params)
        entry = self._record(req, signed=auth_value is not None)

        if auth_value is None:
            if req.service == "sts" and req.operation in sts_semantics.UNSIGNED_ACTIONS:
                resp = self._unsigned_sts(req, params)
            else:
                resp = self._missing_auth(req)
        elif auth is None:
            resp = aws_error(req.protocol, 400 if req.protocol == "s3" else 403,
                             errors.incomplete_signature_code(req.protocol), auth_problem or "",
                             service=req.service, head=req.is_head)
        elif header_problem is not None:
            resp = header_problem
        else:
            resp = verify.check_signature(req, auth, twin.keys)
            if resp is None:
                entry["signatureVerified"] = True
                resp = verify.check_payload_hash(req)
            if resp is None:
                resp = self._after_verification(req, entry, include_early=not operation_known_early)
                if resp is None:  # connection reset by a fault
                    return
        entry["status"] = resp.status
        entry.update(concurrency_semantics.log_fields(req, resp))  # qualifier, pcStatus
        if twin.verbose:
            sys.stderr.write(f"twin: {req.method} {req.target} {req.service}.{req.operation} "
                             f"-> {resp.status}\n")
        self._send(req.is_head, resp)

    def _record(self, req: ProxyRequest, signed: bool) -> dict:
        headers = {}
        for name, value in req.headers:
            lname = name.lower()
            headers[lname] = "<omitted>" if lname in REDACTED_HEADERS else value
        return self.server.twin.log.append({
            "service": req.service, "operation": req.operation, "method": req.method,
            "path": req.path, "query": req.query, "status": None,
            "signatureVerified": False, "signed": signed, "mutating": is_mutating(req.operation),
            "fault": None, "accessKeyId": req.access_key_id,
            # The region of the SigV4 credential scope (what AWS serves the request in: the twin is
            # every region's endpoint at once); null for a request without a parsable scope.
            "region": req.region if req.access_key_id else None, "headers": headers,
        })

    def _missing_auth(self, req: ProxyRequest) -> Response:
        if req.protocol == "s3":
            return aws_error("s3", 403, "AccessDenied", "Access Denied", head=req.is_head)
        return aws_error(req.protocol, 403, errors.missing_auth_code(req.protocol),
                         "Request is missing Authentication Token", service=req.service)

    def _unsigned_sts(self, req: ProxyRequest, params: dict) -> Response:
        problem = sts_semantics.check_web_identity_token(params.get("WebIdentityToken"))
        if problem is not None:
            return problem
        headers = [(n, v) for n, v in req.headers if n.lower() != "authorization"]
        headers.append(("Authorization", synthetic_authorization("sts", req.region, "TWINUNSIGNED")))
        resp = self.server.moto.send(req.method, req.target, headers, req.body)
        self._learn_keys(req, resp, params)
        return resp

    def _after_verification(self, req: ProxyRequest, entry: dict, include_early: bool) -> Response | None:
        twin = self.server.twin
        rule = twin.faults.take(req.service, req.operation, req.region, include_early=include_early)
        if rule is not None:
            entry["fault"] = rule.kind
            if rule.kind == "reset":
                entry["status"] = 0
                self._reset_connection(None)
                return None
            if rule.kind == "latency":
                time.sleep(rule.latency_ms / 1000.0)
            else:
                return self._fault_response(req, rule)
        return self._route(req)

    def _fault_response(self, req: ProxyRequest, rule) -> Response:
        if rule.kind == "server-error":
            status, code, message = errors.server_error(req.protocol, req.service)
        elif rule.kind == "slowdown" and req.protocol == "s3":
            status, code, message = 503, "SlowDown", "Please reduce your request rate."
        else:  # throttle, or slowdown outside S3
            status, code, message = errors.throttle_error(req.protocol, req.service)
        extra = {"Reason": "CallerRateLimitExceeded"} if code == "TooManyRequestsException" else None
        return aws_error(req.protocol, rule.status or status, code, message, extra=extra,
                         service=req.service, sender=status < 500, head=req.is_head)

    def _forward(self, req: ProxyRequest, body: bytes | None = None) -> Response:
        return self.server.moto.send(req.method, req.target, req.headers,
                                     req.body if body is None else body, head=req.is_head)

    def _forward_decoded(self, req: ProxyRequest) -> Response:
        """Forward with a gzip body (botocore gzips large CloudWatch PutMetricData bodies) already
        inflated: moto 5.2.1's server inflates it twice and answers 500. The signature was checked
        on the bytes as sent."""
        body = req.decoded_body()
        if body is req.body:
            return self._forward(req)
        headers = [(n, v) for n, v in req.headers if n.lower() != "content-encoding"]
        return self.server.moto.send(req.method, req.target, headers, body, head=req.is_head)

    def _route(self, req: ProxyRequest) -> Response:
        key = self.server.twin.keys.lookup(req.access_key_id or "")
        if key is not None:  # keys issued under a session policy may do only what it allows
            denial = sts_semantics.session_policy_denial(req, key)
            if denial is not None:
                return denial
        refusal = shape_validation.validate(req)  # the model's constraints, before anything else
        if refusal is not None:
            return refusal
        if req.service == "lambda-web":  # answered by the twin alone (lambda_web.py): moto has no such service
            return self.server.web_semantics.handle(req)
        if req.service == "lambda":
            # Managed Instances (capacity_semantics.py) around provisioned concurrency (concurrency_semantics.py)
            # around the rest of Lambda's semantics.
            concurrency, lambda_semantics = self.server.concurrency_semantics, self.server.lambda_semantics
            return self.server.capacity_semantics.handle(
                req, lambda body=None: self._forward(req, body),
                lambda r, f: concurrency.handle(r, f, lambda_semantics.handle))
        if req.service == "signer":
            return self.server.signer_semantics.handle(req, lambda body=None: self._forward(req, body))
        if req.service == "ecr":
            return ecr_semantics.handle(req, self.server.moto, lambda body=None: self._forward(req, body))
        if req.service == "logs":  # FilterLogEvents answered by the twin; the rest by moto (JSON 1.1)
            return logs_semantics.handle(req, self.server.moto, lambda body=None: self._forward(req, body))
        if req.service == "s3":
            s3_state, moto = self.server.twin.s3_state, self.server.moto
            problem = s3_semantics.check_region(req, s3_state, moto) or s3_semantics.check_body_digests(req)
            if problem is not None:
                return problem
            if s3_semantics.head_needs_get(req, s3_state, moto):
                resp = moto.send("GET", req.target, req.headers, req.body)
                resp.set_header("Content-Length", str(len(resp.body)))
            else:
                resp = self._forward(req)
            s3_semantics.echo_checksum(req, resp)
            s3_semantics.fix_version_header(req, resp, s3_state, moto)
            s3_semantics.remember_and_return_checksum(req, resp, s3_state)
            s3_semantics.observe(req, resp, s3_state)
            return resp
        resp = self._forward_decoded(req)
        if req.protocol == "json" and not (resp.header("Content-Type") or "").startswith("application/x-amz-json"):
            resp.set_header("Content-Type", "application/x-amz-json-1.0")  # moto says "text"
        if req.service == "sts":
            self._learn_keys(req, resp, form_params(req.query, req.header("Content-Type") or "", req.decoded_body()))
        return resp

    def _learn_keys(self, req: ProxyRequest, resp: Response, params: dict) -> None:
        if req.service == "sts" and req.operation in sts_semantics.ISSUING_ACTIONS and resp.status == 200:
            issued = sts_semantics.issued_credentials(resp.body)
            if issued:
                self.server.twin.keys.register(*issued, session_policy=sts_semantics.session_policy(params),
                                               principal=sts_semantics.assumed_role_arn(resp.body))
