"""The model of a Lambda web function's endpoint (issue 38, docs/DEPLOY.md "Web Functions") that
test_web_model.py's state machine predicts each step with, and the invariants it checks after every
step: pure data and pure functions, no I/O (as model_state.py / model_invariants.py are for the alias).

The endpoint stands in for the alias and a revision for a version: integer weights, the deploy history
in the endpoint's description (`[lambda-shift good=… failed=…]`, revision ids), and its
autoDeploymentMode (LatestRevision serves every new Active revision at once: the trap).

Detached rollouts (`deploy --detach`, then `advance`) keep their record in the same description
(`rollout=NEW,OLD,STEP,STEPS,SINCE,DUE,STARTED,GATES,SETTINGS[,L]`, L: the endpoint was found in
LatestRevision and gets it back when the rollout ends); `cleanup --web-function` deletes the revisions
beyond the newest N that no endpoint routes to or keeps as its rollback target."""

import re
from dataclasses import dataclass, field, replace
from typing import Optional

from model_state import ALARM, KEEP, History

WEB_FUNCTION, ENDPOINT = "model-web", "live"
LATEST, DISABLED = "LatestRevision", "Disabled"
WEB_STAGING = ["--environment", "staging"]
WEB_BAKE = 1
WEB_CANARY = ["--branch", "main", "--strategy", f"canary:50%:{WEB_BAKE}s", "--alarm", ALARM]
# Someone else's change mid-bake needs time to land inside the bake: a longer one for that variant.
WEB_CANARY_LONG = ["--branch", "main", "--strategy", "canary:50%:3s", "--alarm", ALARM]
# A detached rollout: one weighted step (50%, a 2 s bake), then the flip; `advance` names the same settings.
WEB_DETACH_BAKE = 2
WEB_DETACHED = ["--branch", "main", "--strategy", f"linear:50%:{WEB_DETACH_BAKE}s", "--alarm", ALARM]
DETACHED_WEIGHT = 50
DESCRIPTION_LIMIT = 256  # DeployHistory.limit (the endpoint's description carries no text of its own here)
# cleanup's reasons to keep a revision beyond the newest N (VersionsInUse's words).
ROUTES, TARGET = "routes to it", "rollback target"


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
class WebRecord:
    """A detached rollout's record on the endpoint. The model predicts new, old, step, steps and the L
    field; since and due (epoch seconds) and the field's width are read from the endpoint after the
    deploy that wrote it, then held to it."""
    new: str
    old: str
    restores: bool  # the L field: LatestRevision comes back when the rollout ends
    step: int = 0
    steps: int = 1
    since: int = 0
    due: int = 0
    width: int = 0  # characters of `rollout=…`: the room it takes in the description


def _bracket(description: str) -> Optional[str]:
    open_at = (description or "").rfind("[lambda-shift ")
    close_at = description.find("]", open_at) if open_at >= 0 else -1
    return None if open_at < 0 or close_at < 0 else description[open_at + len("[lambda-shift "):close_at]


def parse_web_record(description: str) -> Optional[WebRecord]:
    """The rollout record in an endpoint description (RolloutRecord.init: nine fields, or ten ending L)."""
    inside = _bracket(description)
    for item in (inside or "").split(" "):
        name, _, value = item.partition("=")
        if name != "rollout":
            continue
        parts = value.split(",")
        if (len(parts) == 9 or (len(parts) == 10 and parts[9] == "L")) and all(
                re.fullmatch(r"-?\d+", p) for p in parts[2:7]):
            return WebRecord(parts[0], parts[1], len(parts) == 10, int(parts[2]), int(parts[3]), int(parts[4]),
                             int(parts[5]), len(item))
    return None


def fit(history: History, record_width: int = 0) -> History:
    """The history as DeployHistory.rendered stores it: the newest ten of each list, fewer when the bracket
    (with a rollout record of `record_width` characters) would pass the description's 256."""
    for keep in range(KEEP, -1, -1):
        fields = [f"good={','.join(history.good[:keep])}", f"failed={','.join(history.failed[:keep])}"]
        if history.rolled_back:
            fields.append(f"rolled-back={','.join(history.rolled_back[:keep])}")
        width = len("[lambda-shift ") + len(" ".join(fields)) + (record_width + 1 if record_width else 0) + 1
        if width <= DESCRIPTION_LIMIT or keep == 0:
            return History(history.good[:keep], history.failed[:keep], history.rolled_back[:keep])
    return history


def unreadable_in_record(revision: str) -> bool:
    """A revision id RolloutRecord.isVersion rejects: decimal digits only, longer than a Lambda version
    number's 10 (W6)."""
    return revision.isdigit() and len(revision) > 10


def primary_of(weights: dict) -> Optional[str]:
    """The revision an endpoint reads as the alias's primary (WebEndpointAliases.alias): the larger weight,
    the first listed on a tie."""
    return max(weights, key=lambda r: weights[r], default=None) if weights else None


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
    order: tuple = ()  # every revision id, in the order they were made

    @property
    def record(self) -> Optional[WebRecord]:
        return parse_web_record(self.description)


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
    record: Optional[WebRecord] = None  # a detached rollout's record in the description
    revisions: tuple = ()  # every revision id (Active or Failed), in the order they were made
    # Epoch milliseconds of every move of the alarm into ALARM (DescribeAlarmHistory's StateUpdates).
    alarm_fired: tuple = ()

    def evolve(self, **changes) -> "WebModel":
        return replace(self, **changes)

    @property
    def primary(self) -> Optional[str]:
        return primary_of(self.weights)

    def record_live(self) -> bool:
        """The record describes the endpoint as it is (RolloutRecord.matches at its one weighted step: the
        old revision primary, the new one alone weighted 50): otherwise someone else's change ended it."""
        r = self.record
        return (r is not None and self.weights == {r.old: DETACHED_WEIGHT, r.new: DETACHED_WEIGHT}
                and self.primary == r.old)

    def fired_since(self, since_seconds: int) -> bool:
        """The alarm is in ALARM, or went into ALARM at or after `since` (DescribeAlarmHistory's StartDate
        is whole seconds, so the second `since` falls in counts)."""
        return self.alarm == "ALARM" or any(at >= since_seconds * 1000 for at in self.alarm_fired)

    def alarm_set(self, state: str, at_ms: Optional[int]) -> "WebModel":
        if state == self.alarm:
            return self
        return self.evolve(alarm=state, alarm_fired=self.alarm_fired + ((at_ms,) if state == "ALARM" and at_ms else ()))

    def ended(self, **changes) -> "WebModel":
        """A detached rollout ended by this run: the record gone, LatestRevision back when it had L."""
        mode = LATEST if self.record is not None and self.record.restores else self.mode
        return self.evolve(record=None, mode=mode, restore_refused=False, **changes)

    def rollback_target(self) -> Optional[str]:
        """What `rollback` returns to from a whole endpoint: the newest good revision other than the primary,
        not failed or rolled back since, that still exists."""
        return self.history.last_good(excluding=self.primary, published=frozenset(self.revisions))

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
        record = self.after.record
        object.__setattr__(self, "after", self.after.evolve(history=fit(self.after.history,
                                                                         record.width if record else 0)))


def mode_after(found: str, auto_deploy: str) -> str:
    """The mode a run that got past its checks leaves: LatestRevision comes back with `restore`."""
    return DISABLED if found == LATEST and auto_deploy == "disabled" else found


def predict_web_deploy(model: WebModel, kind: str, event: str = "pass", auto_deploy: str = "restore") -> WebExpect:
    """A web deploy. kind: staging (AllAtOnce) | canary (canary:50% gated on the alarm) | detach (`--detach`,
    linear:50%: the first step, recorded); event (canary): pass | fire (the alarm goes into ALARM mid-bake) |
    other (someone else puts the endpoint back on the revision it served, mid-bake). The new revision's id is
    the binary's: `NEW` stands for it. A record someone else's change left on a whole endpoint (the rollout
    over) is dropped by a run that writes the history; one that writes nothing keeps it."""
    if model.split:
        return WebExpect(2, "failed", model, "the endpoint is split between two revisions: mid-shift")
    if kind in ("canary", "detach") and model.alarm == "ALARM":
        return WebExpect(2, "failed", model, "the gate alarm is already in ALARM")
    # A record with L that someone else's change ended, on an endpoint still Disabled for it: the run owes
    # it LatestRevision as if it had found it so (W5), whether it writes the history (and drops the record) or
    # not (skipped, a failed build, someone else's change mid-bake: the record stays).
    owed = model.mode == DISABLED and model.record is not None and model.record.restores
    found = LATEST if owed else model.mode
    if model.code_of.get(model.served) == model.source:
        if owed and auto_deploy != "disabled":
            return WebExpect(0, "skipped", model.evolve(mode=LATEST, restore_refused=False),
                             "the endpoint already serves this code; the LatestRevision a record with L owed put back")
        return WebExpect(0, "skipped", model, "the endpoint already serves this code")
    revisions = model.revisions + ("NEW",)
    if model.build_armed:
        # The mode goes back with the weights found named in the same update: nothing else changes.
        # A failed build updates the endpoint only when it had to set Disabled (and put it back).
        return WebExpect(1, "failed", model.evolve(
            build_armed=False, restore_refused=model.restore_refused and found != LATEST, revisions=revisions,
            mode=found), "the revision failed to build: nothing else changed, the mode put back", True, True)
    model = model.evolve(restore_refused=False, revisions=revisions)
    mode = mode_after(found, auto_deploy)
    if kind == "detach":
        record = WebRecord("NEW", model.served, found == LATEST and auto_deploy != "disabled")
        return WebExpect(0, "in-progress", model.evolve(
            weights={model.served: DETACHED_WEIGHT, "NEW": DETACHED_WEIGHT}, mode=DISABLED if model.mode == LATEST
            else model.mode, record=record),
            "the first step: 50/50, recorded (L when the mode was LatestRevision and comes back), Disabled meanwhile",
            True)
    # The mode comes back with the weights the run leaves (the found ones after a rollback, someone
    # else's after their change): LatestRevision never moves traffic by itself.
    stays = mode
    if kind == "canary" and event == "fire":
        return WebExpect(3, "rolled-back", model.evolve(mode=stays, history=model.history.failed_("NEW"),
                                                        record=None),
                         "the alarm fired mid-bake: the weights found restored, recorded failed", True)
    if kind == "canary" and event == "other":  # writes nothing: a record someone else's change left stays
        return WebExpect(1, "failed", model.evolve(mode=stays),
                         "someone else put the endpoint back mid-bake: left as they set it", True)
    if kind == "canary" and event == "restore_fails":
        return WebExpect(0, "deployed", model.whole("NEW", mode=DISABLED, history=model.history.succeeded("NEW"),
                                                    restore_refused=True, record=None),
                         "the new revision serves at 100; the mode restore was refused: Disabled, said", True)
    return WebExpect(0, "deployed", model.whole("NEW", mode=mode, history=model.history.succeeded("NEW"), record=None),
                     "the new revision serves at 100, recorded good", True)


def predict_web_advance(model: WebModel, due: bool) -> WebExpect:
    """One `advance` with the rollout's own settings; `due`: the step's bake has elapsed (the binary's
    clock at or past the record's due second)."""
    r = model.record
    if r is None:
        return WebExpect(0, "nothing-to-do", model, "no detached rollout on the endpoint")
    if not model.record_live():
        return WebExpect(1, "failed", model.ended(),
                         "someone else changed the endpoint: the rollout ended, only the record removed (and the mode "
                         "back if it had L), the weights as they set them")
    if model.fired_since(r.since):
        return WebExpect(3, "rolled-back", model.ended(weights={r.old: 100}, history=model.history.failed_(r.new)),
                         "the alarm is in ALARM or went into ALARM since the step began: the old revision at 100, "
                         "the new one recorded failed")
    if not due:
        return WebExpect(0, "waiting", model, "the step's bake has not elapsed: nothing changed")
    return WebExpect(0, "deployed", model.ended(weights={r.new: 100}, history=model.history.succeeded(r.new)),
                     "the bake elapsed, the gate passed: the flip, recorded good")


def predict_web_end(model: WebModel, command: str) -> WebExpect:
    """`promote` or `rollback` of a split endpoint (the alias view: the primary is the larger weight, the
    first listed on a tie). Either closes a record (a live one or one someone else's change left), and a
    record with L brings LatestRevision back with the weights the command leaves."""
    primary = model.primary
    others = sorted(r for r in model.weights if r != primary)
    if len(others) != 1:
        return WebExpect(0, "nothing-to-do", model, "no shift in flight")
    (other,) = others
    if command == "rollback":
        history = model.history.rolled(other)
        return WebExpect(0, "rolled-back", model.ended(weights={primary: 100}, history=history),
                         "undoing the shift: the primary at 100, the weighted revision recorded rolled back")
    if other.isdigit() and primary.isdigit() and int(other) < int(primary):
        return WebExpect(2, "failed", model, "the weighted revision reads as an older version number: --force needed")
    gated = model.record is not None and model.record.new == other
    history = model.history.succeeded(other) if gated else model.history
    return WebExpect(0, "promoted", model.ended(weights={other: 100}, history=history),
                     "the weighted revision at 100" + (", recorded good (the detached rollout's own)" if gated else
                                                       ", not recorded good (no rollout of lambda-shift's gated it)"))


def predict_web_cleanup(model: WebModel, keep: int, dry_run: bool):
    """`cleanup --web-function` (VersionPruner over the endpoint): (expect, deleted, kept {revision: [why]}).
    Beyond the newest `keep` revisions in creation order, those the endpoint routes to (either weight) or
    keeps as its rollback target are kept; the rest deleted (none with --dry-run)."""
    older = model.revisions[:max(0, len(model.revisions) - keep)]
    used = {}
    for revision in model.weights:
        used.setdefault(revision, []).append(ROUTES)
    target = model.rollback_target()
    if target is not None:
        used.setdefault(target, []).append(TARGET)
    doomed = tuple(r for r in older if r not in used)
    kept = {r: used[r] for r in older if r in used}
    if not doomed:
        return WebExpect(0, "nothing-to-do", model, "nothing beyond the newest N is unused"), doomed, kept
    if dry_run:
        return WebExpect(0, "ok", model, "--dry-run: listed, nothing deleted"), doomed, kept
    after = model.evolve(revisions=tuple(r for r in model.revisions if r not in doomed),
                         code_of={r: c for r, c in model.code_of.items() if r not in doomed})
    return WebExpect(0, "cleaned", after, "the unused revisions beyond the newest N deleted"), doomed, kept


def named(model: WebModel, new: Optional[str]) -> WebModel:
    """The prediction with `NEW` replaced by the revision id the run created."""
    if new is None:
        return model
    sub = (lambda r: new if r == "NEW" else r)
    history = History(tuple(map(sub, model.history.good)), tuple(map(sub, model.history.failed)),
                      tuple(map(sub, model.history.rolled_back)))
    record = model.record and replace(model.record, new=sub(model.record.new), old=sub(model.record.old))
    return model.evolve(weights={sub(r): w for r, w in model.weights.items()}, history=history, record=record,
                        revisions=tuple(map(sub, model.revisions)))


# --- the invariants (each a list of violations) -------------------------------------------------

def check_endpoint_matches(found: Endpoint, model: WebModel, history_truncated: bool = False) -> list:
    """The endpoint as the model predicts it. `history_truncated` (only while bug W1 is pending: each run
    rewrites the history from nothing): each list found must be a prefix of the model's, the rest is what
    W1 drops (the truth rules of each run still check its own revision at the front of its list)."""
    problems = []
    if sum(found.weights.values()) != 100 or not 1 <= len(found.weights) <= 2:
        problems.append(f"endpoint weights {found.weights}: not one or two revisions adding up to 100")
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
    if found.weights == model.weights and primary_of(found.weights) != model.primary:
        problems.append(f"the endpoint lists its weights {found.weights}: its primary reads as "
                        f"{primary_of(found.weights)}, the model says {model.primary}")
    record, want = found.record, model.record
    if (record is None) != (want is None) or ("rollout=" in found.description) != (want is not None):
        problems.append(f"detached record {record} (description {found.description!r}), the model says {want}")
    elif record is not None:
        if (record.new, record.old, record.step, record.steps, record.restores) != (
                want.new, want.old, want.step, want.steps, want.restores):
            problems.append(f"detached record {record}, the model says {want}")
        if want.since and (record.since, record.due) != (want.since, want.due):
            problems.append(f"detached record's times {record.since}..{record.due} moved from {want.since}..{want.due}")
    if found.order and model.revisions and found.order != model.revisions:
        problems.append(f"revisions {list(found.order)}, the model says {list(model.revisions)}")
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
    # A record with L that someone else's change ended, on an endpoint still Disabled for it, is a
    # LatestRevision found for any run past the checks (W5).
    owed = before.mode == DISABLED and before.record is not None and before.record.restores and exit_code != 2
    found = LATEST if owed else before.mode
    if exit_code == 1 and build_failed and (after.weights, after.mode) != (before.weights, found):
        problems.append(f"exit 1 from a failed build, but the endpoint went from {before.weights} {found} "
                        f"to {after.weights} {after.mode}")
    detached = exit_code == 0 and outcome == "in-progress"
    if len(before.weights) == 1 and len(after.weights) > 1 and not detached:
        problems.append(f"the run left the endpoint split: {after.weights}")
    # The mode: as found with `restore` (and after a failed build), Disabled with `disabled` when it was
    # LatestRevision; Disabled also when the restore was refused and the run said so. A LatestRevision owed
    # (above): a skipped run gives it back unless told `disabled`.
    if detached:  # Disabled while the rollout runs; its record (L) brings LatestRevision back at the end
        want = DISABLED
    elif new is not None and exit_code != 2:
        want = DISABLED if found == LATEST and auto_deploy == "disabled" and not build_failed else found
    elif owed and exit_code == 0 and outcome == "skipped":
        want = DISABLED if auto_deploy == "disabled" else LATEST
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


# --- detached rollouts and cleanup: their truth rules ------------------------------------------------

def check_detached_start(document: dict, before: Endpoint, after: Endpoint, new: Optional[str],
                         auto_deploy: str) -> list:
    """`deploy --detach` that answered in-progress: the endpoint split between the revision it served and
    the new one at the first step's weight (50/50, the old one listed first: the primary), Disabled if it
    was in LatestRevision, and the description carrying `rollout=NEW,OLD,` that ends in `,L]` exactly when
    the mode was LatestRevision and --endpoint-auto-deploy is not `disabled`; the document names the new
    revision, the old one, step 1/1 and weight 50."""
    problems = []
    old = primary_of(before.weights)
    if new is None:
        return ["deploy --detach answered in-progress, but created no revision"]
    if after.weights != {old: DETACHED_WEIGHT, new: DETACHED_WEIGHT} or primary_of(after.weights) != old:
        problems.append(f"in-progress, but the endpoint serves {after.weights}: not {old} and {new} at 50 each, "
                        f"{old} first")
    if before.mode == LATEST and after.mode != DISABLED:
        problems.append(f"in-progress from LatestRevision, but the endpoint is in {after.mode} mode")
    # A record with L that someone else's change left is a LatestRevision found (W5).
    found_latest = before.mode == LATEST or (before.record is not None and before.record.restores)
    restores = found_latest and auto_deploy != "disabled"
    if f"rollout={new},{old}," not in after.description:
        problems.append(f"the description {after.description!r} carries no rollout={new},{old},…")
    if after.description.endswith(",L]") != restores:
        problems.append(f"the description {after.description!r} {'ends' if not restores else 'does not end'} in "
                        f",L] (mode before {before.mode}, --endpoint-auto-deploy {auto_deploy})")
    if (document.get("revision-id"), document.get("previous-revision-id")) != (new, old):
        problems.append(f"the document names revision {document.get('revision-id')} (previous "
                        f"{document.get('previous-revision-id')}); the rollout is {new} over {old}")
    if (document.get("step"), document.get("weight")) != ("1/1", "50"):
        problems.append(f"the document says step {document.get('step')} weight {document.get('weight')}, not 1/1 50")
    return problems


def check_web_advance(document: dict, exit_code: int, before: Endpoint, after: Endpoint, mutating: list) -> list:
    """The truth of one `advance` (or of `promote` / `rollback` when `document` is theirs), from the record
    the endpoint held before it: waiting and nothing-to-do change nothing and send no mutating request;
    deployed leaves the new revision at 100, recorded good; rolled-back (exit 3) the old one at 100, the new
    one recorded failed; exit 1 (someone else's change ended it) the weights as found; every ending removes
    the record, and one with L puts LatestRevision back with the very weights it left (no ending may leave
    the mode as the record found it, nor let LatestRevision route elsewhere)."""
    problems = []
    record = before.record
    outcome = document.get("outcome")
    if outcome in ("waiting", "nothing-to-do"):
        if mutating:
            problems.append(f"{outcome}, but the run sent {mutating}")
        if (after.weights, after.mode, after.description) != (before.weights, before.mode, before.description):
            problems.append(f"{outcome}, but the endpoint went from {before.weights} {before.mode} "
                            f"{before.description!r} to {after.weights} {after.mode} {after.description!r}")
        if outcome == "nothing-to-do" and record is not None:
            problems.append(f"nothing-to-do, though the endpoint carries a rollout record {record}")
        return problems
    if record is None:
        return [f"{outcome} exit {exit_code} with no rollout record on the endpoint"] if exit_code != 2 else []
    if "rollout=" in after.description:
        problems.append(f"{outcome} exit {exit_code}, but the record is still there: {after.description!r}")
    if exit_code == 0 and outcome == "deployed":
        if after.weights != {record.new: 100}:
            problems.append(f"deployed, but the endpoint serves {after.weights}, not {record.new} at 100")
        if after.history.good[:1] != (record.new,):
            problems.append(f"deployed, but {record.new} is not the newest good ({after.history.good})")
        if document.get("revision-id") != record.new:
            problems.append(f"deployed revision-id {document.get('revision-id')}, the rollout's is {record.new}")
    elif exit_code == 3:
        if after.weights != {record.old: 100}:
            problems.append(f"rolled back, but the endpoint serves {after.weights}, not {record.old} at 100")
        if after.history.failed[:1] != (record.new,):
            problems.append(f"rolled back, but {record.new} is not the newest failed ({after.history.failed})")
        if record.new in after.history.good:
            problems.append(f"rolled back, but {record.new} is recorded good")
    elif exit_code == 1:
        if after.weights != before.weights:
            problems.append(f"someone else's change: the endpoint went from {before.weights} (as they set it) to "
                            f"{after.weights}")
        if after.history != before.history:
            problems.append(f"someone else's change, yet the history moved from {before.history} to {after.history}")
    if record.restores and after.mode != LATEST:
        problems.append(f"the rollout ended ({outcome}, exit {exit_code}) and its record had L, but the endpoint "
                        f"is in {after.mode} mode")
    if not record.restores and after.mode != before.mode:
        problems.append(f"the rollout ended without L, but the mode went from {before.mode} to {after.mode}")
    return problems


def check_web_end(document: dict, before: Endpoint, after: Endpoint) -> list:
    """`promote` / `rollback` of a split endpoint: the document's `after` is the endpoint as it is (the alias
    view: version the primary, weights the other ones as fractions), the record closed, and a record with
    L puts LatestRevision back with the weights the command left."""
    problems = []
    shown = document.get("after")
    primary = primary_of(after.weights)
    if isinstance(shown, dict):
        others = {r: w / 100 for r, w in after.weights.items() if r != primary}
        if (shown.get("version"), shown.get("weights")) != (primary, others):
            problems.append(f"the document says the endpoint is now {shown}; it serves {after.weights}")
    record = before.record
    if "rollout=" in after.description:
        problems.append(f"{document.get('outcome')}, but the record is still there: {after.description!r}")
    if record is not None and record.restores and after.mode != LATEST:
        problems.append(f"{document.get('command')} ended a rollout whose record had L, but the endpoint is in "
                        f"{after.mode} mode")
    if len(after.weights) != 1:
        problems.append(f"{document.get('command')} left the endpoint split: {after.weights}")
    return problems


def check_cleanup(document: dict, exit_code: int, before: Endpoint, after: Endpoint, keep: int, dry_run: bool,
                  mutating: list) -> list:
    """`cleanup --web-function`, from what the endpoint and the revisions were: it never deletes a revision
    the endpoint routes to (either weight) or its rollback target (the newest good revision other than the
    primary, not failed or rolled back since, that still exists); `revisions` lists exactly those deleted
    (with --dry-run, those it would delete, none deleted and no mutating request); none of the newest `keep`
    goes; `kept` names each revision beyond them that stayed, with why (routes to it / rollback target)."""
    problems = []
    listed = tuple(document.get("revisions") or ())
    gone = tuple(r for r in before.order if r not in after.order)
    if exit_code != 0:
        return [f"cleanup exit {exit_code}"]
    if dry_run:
        if gone or mutating:
            problems.append(f"--dry-run, but revisions {list(gone)} were deleted / requests {mutating} sent")
    elif listed != gone:
        problems.append(f"the document lists {list(listed)} deleted; the revisions deleted are {list(gone)}")
    history = before.history
    primary = primary_of(before.weights)
    target = history.last_good(excluding=primary, published=frozenset(before.order))
    for revision in listed:
        if revision in before.weights:
            problems.append(f"cleanup {'would delete' if dry_run else 'deleted'} {revision}, which the endpoint routes "
                            f"to ({before.weights})")
        if revision == target:
            problems.append(f"cleanup {'would delete' if dry_run else 'deleted'} {revision}, the endpoint's rollback "
                            f"target (history {history})")
    newest = before.order[max(0, len(before.order) - keep):]
    if set(listed) & set(newest):
        problems.append(f"cleanup lists {sorted(set(listed) & set(newest))}, among the newest {keep}")
    older = before.order[:max(0, len(before.order) - keep)]
    kept = {entry.get("revision"): entry.get("why", "") for entry in document.get("kept") or ()}
    want = [r for r in older if r not in listed]
    if sorted(kept) != sorted(want):
        problems.append(f"kept names {sorted(kept)}; the revisions beyond the newest {keep} that stayed are {want}")
    for revision, why in kept.items():
        reasons = ([ROUTES] if revision in before.weights else []) + ([TARGET] if revision == target else [])
        if not reasons or any(reason not in why for reason in reasons):
            problems.append(f"kept {revision} because {why!r}; it should be kept because {reasons or 'nothing'}")
    return problems
