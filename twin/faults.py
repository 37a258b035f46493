"""Fault rules: throttle, server-error, slowdown, reset, latency on request.

POST /_twin/faults {"seed": 7, "rules": [{"service": "lambda", "operation":
"UpdateAlias", "kind": "throttle", "count": 1}]} replaces the rules.

A rule matches when its service is "*" or the request's, its operation is
null or the request's, and its region is null or the one the request was
signed for. It then fires:
- with "count": N, for the next N matching requests;
- with "probability": p, when a seeded random.Random draws below p;
- with neither, for every matching request.
The first rule that fires wins.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

KINDS = {"throttle", "server-error", "slowdown", "reset", "latency"}


@dataclass
class FaultRule:
    service: str
    operation: str | None
    kind: str
    count: int | None = None
    probability: float | None = None
    status: int | None = None
    latency_ms: int = 0
    after_bytes: int | None = None
    region: str | None = None  # the credential scope's region; None = any

    @property
    def early(self) -> bool:
        """A reset that must fire before the whole body has been read."""
        return self.kind == "reset" and self.after_bytes is not None

    def matches(self, service: str, operation: str | None, region: str | None = None) -> bool:
        if self.service not in ("*", service):
            return False
        if self.region is not None and self.region != region:
            return False
        return self.operation is None or self.operation == operation

    def to_json(self) -> dict:
        return {
            "service": self.service, "operation": self.operation, "kind": self.kind,
            "count": self.count, "probability": self.probability, "status": self.status,
            "latencyMs": self.latency_ms, "afterBytes": self.after_bytes, "region": self.region,
        }


def parse_rule(raw: dict) -> FaultRule:
    if not isinstance(raw, dict):
        raise ValueError("each rule must be an object")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
    count = raw.get("count")
    probability = raw.get("probability")
    if count is not None and (not isinstance(count, int) or count < 0):
        raise ValueError("count must be a non-negative integer")
    if probability is not None and not (isinstance(probability, (int, float)) and 0 <= probability <= 1):
        raise ValueError("probability must be a number in [0, 1]")
    status = raw.get("status")
    if status is not None and not (isinstance(status, int) and 100 <= status <= 599):
        raise ValueError("status must be an HTTP status code")
    after_bytes = raw.get("afterBytes")
    if after_bytes is not None and (not isinstance(after_bytes, int) or after_bytes < 0):
        raise ValueError("afterBytes must be a non-negative integer")
    region = raw.get("region")
    if region is not None and (not isinstance(region, str) or not region):
        raise ValueError("region must be a region name or null")
    return FaultRule(
        region=region,
        service=str(raw.get("service") or "*"),
        operation=raw.get("operation"),
        kind=kind,
        count=count,
        probability=float(probability) if probability is not None else None,
        status=status,
        latency_ms=int(raw.get("latencyMs") or 0),
        after_bytes=after_bytes,
    )


class FaultTable:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random()

    def replace(self, body: dict) -> list[FaultRule]:
        rules = [parse_rule(r) for r in body.get("rules") or []]
        with self._lock:
            self._rules = rules
            self._rng = random.Random(body.get("seed"))
        return rules

    def clear(self) -> None:
        with self._lock:
            self._rules = []
            self._rng = random.Random()

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def take(self, service: str, operation: str | None, region: str | None = None, *,
             early_only: bool = False, include_early: bool = True) -> FaultRule | None:
        """The rule that fires for this request, consuming one of its counts.

        early_only: consider only resets with afterBytes (before the body is read).
        include_early: whether such resets may fire now (after the body was read).
        """
        with self._lock:
            for rule in self._rules:
                if early_only and not rule.early:
                    continue
                if not include_early and rule.early:
                    continue
                if not rule.matches(service, operation, region):
                    continue
                if rule.count is not None:
                    if rule.count <= 0:
                        continue
                    rule.count -= 1
                    return rule
                if rule.probability is not None:
                    if self._rng.random() < rule.probability:
                        return rule
                    continue
                return rule
        return None
