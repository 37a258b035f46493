"""The model of a Lambda web function's endpoint (issue 38, docs/DEPLOY.md "Web Functions") that
test_web_model.py's state machine predicts each step with, and the invariants it checks after every
step: pure data and pure functions, no I/O (as model_state.py / model_invariants.py are for the alias).

The endpoint stands in for the alias and a revision for a version: integer weights, the deploy history
in the endpoint's description (`[lambda-shift good=… failed=…]`, revision ids), and its
autoDeploymentMode (LatestRevision serves every new Active revision at once: the trap)."""

from dataclasses import dataclass, field, replace
from typing import Optional

from model_state import ALARM, History

WEB_FUNCTION, ENDPOINT = "model-web", "live"
LATEST, DISABLED = "LatestRevision", "Disabled"
WEB_STAGING = ["--environment", "staging"]
WEB_BAKE = 1
WEB_CANARY = ["--branch", "main", "--strategy", f"canary:50%:{WEB_BAKE}s", "--alarm", ALARM]
# Someone else's change mid-bake needs time to land inside the bake: a longer one for that variant.
WEB_CANARY_LONG = ["--branch", "main", "--strategy", "canary:50%:3s", "--alarm", ALARM]


def parse_web_description(description: str) -> History:
    """The history in an endpoint description: the last `[lambda-shift ` bracket, revision ids."""
    open_at = (description or "").rfind("[lambda-shift ")
    close_at = description.find("]", open_at) if open_at >= 0 else -1
    if open_at < 0 or close_at < 0:
        return History()
    lists = {"good": (), "failed": (), "rolled-back": ()}
    for item in description[open_at + len("[lambda-shift "):close_at].split(" "):
        name, _, value = item.partition("=")
        if name in lists:
            lists[name] = tuple(v for v in value.split(",") if v)
    return History(lists["good"], lists["failed"], lists["rolled-back"])


@dataclass(frozen=True)
class Endpoint:
    """The endpoint as the twin holds it once its updates settled, and the function's revisions."""
    weights: dict  # {revision id: integer weight}
    mode: str
    description: str
    history: History
    update_status: str
    active: frozenset  # Active revision ids
    failed: frozenset  # Failed revision ids


@dataclass(frozen=True)
class WebModel:
    weights: dict = field(default_factory=dict)  # {revision: weight}, never mutated in place
    mode: str = DISABLED
    history: History = History()
    # Which build each Active revision holds: the build directory's counter (negative: seeded code).
    code_of: dict = field(default_factory=dict)
    source: int = 0
    alarm: str = "OK"
    build_armed: bool = False  # /_twin/web-behaviour failNextBuild set, not yet taken
    # The run's last endpoint update (the mode restore) was refused: updateStatus Failed is expected
    # until the next run updates the endpoint.
    restore_refused: bool = False

    def evolve(self, **changes) -> "WebModel":
        return replace(self, **changes)

    @property
    def split(self) -> bool:
        return len(self.weights) > 1

    @property
    def served(self) -> Optional[str]:
        return None if self.split else next(iter(self.weights))

    def whole(self, revision: str, **changes) -> "WebModel":
        return self.evolve(weights={revision: 100}, **changes)


@dataclass(frozen=True)
class WebExpect:
    exit_code: int
    outcome: str
    after: WebModel
    why: str
    creates: bool = False  # the run creates a revision (Active unless the build fails)
    build_fails: bool = False

    def __post_init__(self):
        object.__setattr__(self, "after", self.after.evolve(history=self.after.history.stored()))


def mode_after(found: str, auto_deploy: str) -> str:
    """The mode a run that got past its checks leaves: LatestRevision comes back with `restore`."""
    return DISABLED if found == LATEST and auto_deploy == "disabled" else found


def predict_web_deploy(model: WebModel, kind: str, event: str = "pass", auto_deploy: str = "restore") -> WebExpect:
    """A web deploy. kind: staging (AllAtOnce) | canary (canary:50% gated on the alarm); event (canary):
    pass | fire (the alarm goes into ALARM mid-bake) | other (someone else puts the endpoint back on the
    revision it served, mid-bake). The new revision's id is the binary's: `NEW` stands for it."""
    if model.split:
        return WebExpect(2, "failed", model, "the endpoint is split between two revisions: mid-shift")
    if kind == "canary" and model.alarm == "ALARM":
        return WebExpect(2, "failed", model, "the gate alarm is already in ALARM")
    if model.code_of.get(model.served) == model.source:
        return WebExpect(0, "skipped", model, "the endpoint already serves this code")
    if model.build_armed:
        # The mode goes back with the weights found named in the same update: nothing else changes.
        # A failed build updates the endpoint only when it had to set Disabled (and put it back).
        return WebExpect(1, "failed", model.evolve(
            build_armed=False, restore_refused=model.restore_refused and model.mode != LATEST),
            "the revision failed to build: nothing else changed, the mode put back", True, True)
    model = model.evolve(restore_refused=False)
    mode = mode_after(model.mode, auto_deploy)
    # The mode comes back with the weights the run leaves (the found ones after a rollback, someone
    # else's after their change): LatestRevision never moves traffic by itself.
    stays = mode
    if kind == "canary" and event == "fire":
        return WebExpect(3, "rolled-back", model.evolve(mode=stays, history=model.history.failed_("NEW")),
                         "the alarm fired mid-bake: the weights found restored, recorded failed", True)
    if kind == "canary" and event == "other":
        return WebExpect(1, "failed", model.evolve(mode=stays),
                         "someone else put the endpoint back mid-bake: left as they set it", True)
    if kind == "canary" and event == "restore_fails":
        return WebExpect(0, "deployed", model.whole("NEW", mode=DISABLED, history=model.history.succeeded("NEW"),
                                                    restore_refused=True),
                         "the new revision serves at 100; the mode restore was refused: Disabled, said", True)
    return WebExpect(0, "deployed", model.whole("NEW", mode=mode, history=model.history.succeeded("NEW")),
                     "the new revision serves at 100, recorded good", True)


def named(model: WebModel, new: Optional[str]) -> WebModel:
    """The prediction with `NEW` replaced by the revision id the run created."""
    if new is None:
        return model
    sub = (lambda r: new if r == "NEW" else r)
    history = History(tuple(map(sub, model.history.good)), tuple(map(sub, model.history.failed)),
                      tuple(map(sub, model.history.rolled_back)))
    return model.evolve(weights={sub(r): w for r, w in model.weights.items()}, history=history)


# --- the invariants (each a list of violations) -------------------------------------------------

def check_endpoint_matches(found: Endpoint, model: WebModel, history_truncated: bool = False) -> list:
    """The endpoint as the model predicts it. `history_truncated` (only while bug W1 is pending: each run
    rewrites the history from nothing): each list found must be a prefix of the model's, the rest is what
    W1 drops (the truth rules of each run still check its own revision at the front of its list)."""
    problems = []
    if found.weights != model.weights:
        problems.append(f"endpoint weights {found.weights}, the model says {model.weights}")
    if found.mode != model.mode:
        problems.append(f"endpoint mode {found.mode}, the model says {model.mode}")
    if history_truncated:
        if any(f != m[:len(f)] for f, m in ((found.history.good, model.history.good),
                                             (found.history.failed, model.history.failed),
                                             (found.history.rolled_back, model.history.rolled_back))):
            problems.append(f"endpoint history {found.history} is not a prefix of the model's {model.history}")
    elif found.history != model.history:
        problems.append(f"endpoint history {found.history}, the model says {model.history}")
    if found.update_status == "Failed" and not model.restore_refused:
        problems.append(f"the endpoint's last update failed (description {found.description!r})")
    return problems


def check_web_truth(document: dict, exit_code: int, before: Endpoint, after: Endpoint, new: Optional[str],
                    auto_deploy: str, build_failed: bool, restore_refused_said: bool = False) -> list:
    """The truth rules of a web deploy, whatever the model predicted:
    exit 0 leaves the endpoint serving the document's revision-id at 100; exit 3 leaves it serving
    exactly what it served before; exit 1 from a failed build leaves weights and mode as found; no run
    splits an endpoint that was whole; the mode after a run is the mode before it with `restore`
    (Disabled with `disabled` when it was LatestRevision; as found when refused or skipped); the history
    lists the new revision good only after an exit-0 run that moved traffic, failed after exit 3; the
    document's revision-id is what the endpoint serves at the end, previous-revision-id what it served
    before."""
    problems = []
    rid = document.get("revision-id")
    outcome = document.get("outcome")
    if exit_code == 0 and outcome in ("deployed", "skipped"):
        if after.weights != {rid: 100}:
            problems.append(f"exit 0 ({outcome}) with revision-id {rid!r}, but the endpoint serves {after.weights}")
    if exit_code == 3 and after.weights != before.weights:
        problems.append(f"exit 3, but the endpoint serves {after.weights}, not {before.weights} as before the run")
    if exit_code == 1 and build_failed and (after.weights, after.mode) != (before.weights, before.mode):
        problems.append(f"exit 1 from a failed build, but the endpoint went from {before.weights} {before.mode} "
                        f"to {after.weights} {after.mode}")
    if len(before.weights) == 1 and len(after.weights) > 1:
        problems.append(f"the run left the endpoint split: {after.weights}")
    # The mode: as found with `restore` (and after a failed build), Disabled with `disabled` when it was
    # LatestRevision; Disabled also when the restore was refused and the run said so.
    if new is not None and exit_code != 2:
        want = DISABLED if before.mode == LATEST and auto_deploy == "disabled" and not build_failed else before.mode
    else:
        want = before.mode
    if after.mode != want and not (restore_refused_said and after.mode == DISABLED):
        problems.append(f"mode {after.mode} after the run (exit {exit_code}, --endpoint-auto-deploy {auto_deploy}), "
                        f"found {before.mode}: expected {want}")
    if new is not None:
        if new in after.history.good and not (exit_code == 0 and outcome == "deployed"):
            problems.append(f"revision {new} recorded good after exit {exit_code} {outcome}")
        if exit_code == 0 and outcome == "deployed" and new not in after.history.good[:1]:
            problems.append(f"exit 0 deployed, but revision {new} is not the newest good ({after.history.good})")
        if exit_code == 3 and new not in after.history.failed[:1]:
            problems.append(f"exit 3, but revision {new} is not the newest failed ({after.history.failed})")
    elif after.history != before.history:
        problems.append(f"no revision created, yet the history moved from {before.history} to {after.history}")
    if rid is not None and len(after.weights) == 1 and rid not in after.weights and exit_code in (0, 3):
        problems.append(f"the document says revision-id {rid}; the endpoint serves {after.weights}")
    prev = document.get("previous-revision-id")
    if prev is not None and len(before.weights) == 1 and prev not in before.weights:
        problems.append(f"previous-revision-id {prev}; before the run the endpoint served {before.weights}")
    if exit_code == 0 and outcome == "deployed" and rid != new:
        problems.append(f"deployed revision-id {rid!r}, but the revision the run created is {new!r}")
    return problems


def check_settled(update_status: str) -> list:
    """A run ends with its endpoint updates settled: one still InProgress may yet fail (and the run said
    what it asked for as done), and the next deploy's update would be refused with 409 (bug W2)."""
    return [] if update_status != "InProgress" else [
        "the run exited with its own endpoint update still InProgress (never waited for)"]


def check_new_revision(document: dict, record: dict, bucket: str, source_config: Optional[dict],
                       new_config: Optional[dict]) -> list:
    """The new revision's code is the object the document names (s3-key / s3-version-id), and it copies
    the served revision's buildConfig and serviceConfig with only codeConfig.s3Object changed."""
    problems = []
    s3 = record.get("s3Object") or {}
    want = {"bucket": bucket, "key": document.get("s3-key"), "versionId": document.get("s3-version-id")}
    if s3 != want:
        problems.append(f"the new revision's s3Object {s3}, the document names {want}")
    if source_config is not None and new_config is not None:
        def without_code(config):
            build = {k: v for k, v in (config.get("buildConfig") or {}).items() if k != "codeConfig"}
            code = {k: v for k, v in ((config.get("buildConfig") or {}).get("codeConfig") or {}).items()
                    if k != "s3Object"}
            return build, code, config.get("serviceConfig")
        if without_code(source_config) != without_code(new_config):
            problems.append(f"the new revision's configuration {without_code(new_config)} is not the served "
                            f"revision's {without_code(source_config)} (only codeConfig.s3Object may change)")
    return problems


def check_trap(operations: list, found_mode: str, update_polls: int) -> list:
    """The LatestRevision trap, from the twin's lambda-web request log (`operations`: each entry's
    operation, in order): with the endpoint found in LatestRevision, an UpdateWebFunctionEndpoint (the
    Disable) precedes CreateWebFunctionRevision, and the endpoint was read more than `update_polls`
    times between them (the twin answers InProgress to the first `update_polls` reads: only a later one
    can have seen the update settle, so the revision was not created while the endpoint might still be
    in LatestRevision)."""
    if found_mode != LATEST or "CreateWebFunctionRevision" not in operations:
        return []
    created = operations.index("CreateWebFunctionRevision")
    updates = [i for i, op in enumerate(operations[:created]) if op == "UpdateWebFunctionEndpoint"]
    if not updates:
        return [f"the endpoint was in LatestRevision, but CreateWebFunctionRevision came before any "
                f"UpdateWebFunctionEndpoint: {operations}"]
    reads = [op for op in operations[updates[-1] + 1:created]
             if op in ("GetWebFunctionEndpoint", "ListWebFunctionEndpoints")]
    if len(reads) <= update_polls:
        return [f"CreateWebFunctionRevision after {len(reads)} read(s) of the endpoint since the Disable update; "
                f"the twin answers InProgress to the first {update_polls}: {operations}"]
    return []


def check_samples(samples: list, new: Optional[str], exit_code: int, canary: bool) -> list:
    """What a watcher saw during the run (each sample: (mode, weights)): the new revision never served at
    100 by a run that did not pass, nor in a canary before its split (the gates' step)."""
    if new is None:
        return []
    problems = []
    split_seen = False
    for mode, weights in samples:
        if len(weights) > 1 and new in weights:
            split_seen = True
        if weights == {new: 100}:
            if exit_code != 0:
                problems.append(f"during the run the endpoint served the new revision {new} at 100 (mode {mode}), "
                                f"and the run ended exit {exit_code}")
                break
            if canary and not split_seen:
                problems.append(f"during the canary the endpoint served the new revision {new} at 100 (mode {mode}) "
                                "before any split: before the gates passed")
                break
    return problems
