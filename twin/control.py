"""The unsigned control API under /_twin/ on the proxy port (see README.md)."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from urllib.parse import quote, urlencode

from lambda_semantics import ACCOUNT_ID, LambdaSemantics
from messages import ProxyRequest, Response
from moto_client import MotoClient
from state import TwinState

LAMBDA_ROLE_NAME = "twin-lambda-role"
LAMBDA_TRUST_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _reply(status: int, payload) -> Response:
    return Response(status, [("Content-Type", "application/json")], json.dumps(payload).encode())


def default_zip(handler: str) -> bytes:
    """A tiny python package whose handler echoes its event."""
    module, _, function = handler.rpartition(".")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        info = zipfile.ZipInfo(f"{module or 'app'}.py", date_time=(1980, 1, 1, 0, 0, 0))
        archive.writestr(info, f"def {function or 'handler'}(event, context):\n    return event\n")
    return buf.getvalue()


def configure_moto(moto: MotoClient) -> None:
    """Lambda without a docker engine (moto then echoes invokes)."""
    resp = moto.send("POST", "/moto-api/config",
                     [("Content-Type", "application/json")],
                     json.dumps({"lambda": {"use_docker": False}}).encode())
    if not 200 <= resp.status < 300:
        raise RuntimeError(f"moto refused its config: {resp.status} {resp.body[:200]!r}")


class Control:
    def __init__(self, twin: TwinState, moto: MotoClient, lambda_semantics: LambdaSemantics) -> None:
        self.twin = twin
        self.moto = moto
        self.lambda_semantics = lambda_semantics

    def handle(self, req: ProxyRequest) -> Response:
        route = (req.method.upper(), req.path.rstrip("/"))
        handlers = {
            ("GET", "/_twin/health"): lambda b: {"ok": True},
            ("POST", "/_twin/reset"): self.reset,
            ("GET", "/_twin/requests"): lambda b: self.twin.log.entries(),
            ("POST", "/_twin/requests/clear"): self.clear_requests,
            ("POST", "/_twin/credentials"): self.register_credentials,
            ("GET", "/_twin/faults"): lambda b: {"rules": [r.to_json() for r in self.twin.faults.rules()]},
            ("POST", "/_twin/faults"): self.set_faults,
            ("GET", "/_twin/lambda"): lambda b: self.twin.lambda_state.configure({}),
            ("POST", "/_twin/lambda"): self.twin.lambda_state.configure,
            ("POST", "/_twin/invoke"): self.twin.lambda_state.script,
            ("GET", "/_twin/invocations"): lambda b: self.twin.lambda_state.invocation_counts(),
            ("POST", "/_twin/seed-function"): self.seed_function,
            ("POST", "/_twin/function-state"): self.function_state,
        }
        handler = handlers.get(route)
        if handler is None:
            return _reply(404, {"message": f"no control route {route[0]} {route[1]}",
                                "routes": sorted(f"{m} {p}" for m, p in handlers)})
        try:
            body = json.loads(req.body) if req.body.strip() else {}
            if not isinstance(body, dict):
                raise ControlError(400, "the body must be a JSON object")
            return _reply(200, handler(body))
        except ControlError as exc:
            return _reply(exc.status, {"message": str(exc)})
        except LookupError as exc:
            return _reply(404, {"message": str(exc.args[0] if exc.args else exc)})
        except ValueError as exc:  # JSON errors and validation
            return _reply(400, {"message": str(exc)})

    # Handlers ----------------------------------------------------------------

    def reset(self, body: dict) -> dict:
        resp = self.moto.send("POST", "/moto-api/reset", [], b"")
        if not 200 <= resp.status < 300:
            raise ControlError(502, f"moto reset failed: {resp.status}")
        configure_moto(self.moto)
        self.twin.reset()
        return {"reset": True}

    def clear_requests(self, body: dict) -> dict:
        self.twin.log.clear()
        return {"cleared": True}

    def register_credentials(self, body: dict) -> dict:
        akid, secret = body.get("accessKeyId"), body.get("secretAccessKey")
        if not isinstance(akid, str) or not akid or not isinstance(secret, str) or not secret:
            raise ControlError(400, "accessKeyId and secretAccessKey are required strings")
        token = body.get("sessionToken")
        self.twin.keys.register(akid, secret, token if isinstance(token, str) else None)
        return {"accessKeyId": akid, "sessionToken": bool(token)}

    def set_faults(self, body: dict) -> dict:
        rules = self.twin.faults.replace(body)
        return {"rules": [r.to_json() for r in rules]}

    def function_state(self, body: dict) -> dict:
        with self.twin.lambda_state.lock:
            return self.lambda_semantics.set_function_state(body)

    def seed_function(self, body: dict) -> dict:
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise ControlError(400, "name is required")
        runtime = body.get("runtime") or "python3.12"
        handler = body.get("handler") or "app.handler"
        zip_bytes = base64.b64decode(body["zipBase64"]) if body.get("zipBase64") else default_zip(handler)
        role_arn = self._ensure_role()
        state = self.twin.lambda_state
        with state.lock:
            created = self._lambda("POST", "/2015-03-31/functions", {
                "FunctionName": name, "Runtime": runtime, "Role": role_arn, "Handler": handler,
                "Code": {"ZipFile": base64.b64encode(zip_bytes).decode()},
                "Description": body.get("description", ""),
            })
            self.lambda_semantics.register_created(created)
            if body.get("snapStart"):
                # As CreateFunction with SnapStart {"ApplyOn": "PublishedVersions"} (moto ignores it).
                state.functions[name].snap_start = True
            config = self.lambda_semantics.decorate_config(created, consume=False)
            alias = body.get("alias")
            if alias:
                quoted = quote(name, safe="")
                version = self._lambda("POST", f"/2015-03-31/functions/{quoted}/versions", {})
                self.lambda_semantics.decorate_config(version, consume=False)
                made = self._lambda("POST", f"/2015-03-31/functions/{quoted}/aliases",
                                    {"Name": alias, "FunctionVersion": str(version.get("Version", "1"))})
                state.aliases.pop((name, alias), None)
                self.lambda_semantics.decorate_alias(name, made)
            return config

    # Helpers -----------------------------------------------------------------

    def _lambda(self, method: str, path: str, payload: dict) -> dict:
        resp = self.moto.call(method, path, "lambda", json.dumps(payload).encode(), "application/json")
        if not 200 <= resp.status < 300:
            raise ControlError(resp.status, f"moto {method} {path}: {resp.body.decode('utf-8', 'replace')}")
        return json.loads(resp.body)

    def _ensure_role(self) -> str:
        form = urlencode({"Action": "CreateRole", "Version": "2010-05-08", "RoleName": LAMBDA_ROLE_NAME,
                          "AssumeRolePolicyDocument": LAMBDA_TRUST_POLICY})
        resp = self.moto.call("POST", "/", "iam", form.encode(),
                              "application/x-www-form-urlencoded; charset=utf-8")
        if resp.status not in (200, 409):
            raise ControlError(502, f"moto CreateRole: {resp.status} {resp.body[:300]!r}")
        return f"arn:aws:iam::{ACCOUNT_ID}:role/{LAMBDA_ROLE_NAME}"
