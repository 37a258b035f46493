"""Shared, thread-safe state of one twin process: keys, request log,
faults, Lambda bookkeeping and metadata-server settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .defaults import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY
from .capacity_semantics import CapacityState
from .concurrency_semantics import ConcurrencyState
from .faults import FaultTable
from .lambda_semantics import LambdaState
from .lambda_web import WebState
from .s3_semantics import S3State
from .signer_semantics import SignerState


@dataclass(frozen=True)
class Key:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    # The session policy the keys were issued under (a parsed policy document), and who they
    # are (the assumed-role ARN STS answered with): requests signed with them are held to it.
    session_policy: dict | None = None
    principal: str | None = None


class KeyTable:
    """Access key id → secret (and session token, for temporary keys)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, Key] = {}
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._keys = {
                DEFAULT_ACCESS_KEY_ID: Key(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
            }

    def register(self, access_key_id: str, secret_access_key: str,
                 session_token: str | None = None, session_policy: dict | None = None,
                 principal: str | None = None) -> None:
        with self._lock:
            self._keys[access_key_id] = Key(access_key_id, secret_access_key, session_token or None,
                                            session_policy, principal)

    def lookup(self, access_key_id: str) -> Key | None:
        with self._lock:
            return self._keys.get(access_key_id)


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict] = []

    def append(self, entry: dict) -> dict:
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(self) -> list[dict]:
        with self._lock:
            return [dict(e) for e in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries = []


class MetadataSettings:
    """Settings and counters of the credential-source stand-ins."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.expires_in_seconds = 3600
        self.oidc_request_token = "twin-actions-request-token"
        self.container_auth_token = "twin-container-auth-token"
        self.imds_tokens: dict[str, float] = {}  # token → expiry (epoch seconds)
        self.hits: dict[str, int] = {}
        self.audiences: list[str] = []

    def hit(self, endpoint: str) -> None:
        with self.lock:
            self.hits[endpoint] = self.hits.get(endpoint, 0) + 1


class TwinState:
    def __init__(self, moto_url: str, verbose: bool = False) -> None:
        self.moto_url = moto_url
        self.verbose = verbose
        self.keys = KeyTable()
        self.log = RequestLog()
        self.faults = FaultTable()
        self.lambda_state = LambdaState()
        self.concurrency_state = ConcurrencyState()
        self.capacity_state = CapacityState()
        self.s3_state = S3State()
        self.signer_state = SignerState()
        self.web_state = WebState()  # Lambda Web Functions (lambda_web.py)
        self.metadata = MetadataSettings()

    def reset(self) -> None:
        """Proxy-side state back to a fresh start (moto is reset separately)."""
        self.keys.reset()
        self.log.clear()
        self.faults.clear()
        self.lambda_state.reset()
        self.concurrency_state.reset()
        self.capacity_state.reset()
        self.s3_state.reset()
        self.signer_state.reset()
        with self.web_state.lock:
            self.web_state.reset()
        with self.metadata.lock:
            self.metadata.reset()
