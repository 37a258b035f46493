"""The model of one function's alias that the state machine (test_model.py) predicts each step
with: pure data and pure functions, no I/O, so every prediction can be read and tested alone.

It encodes the behaviour docs/PRODUCT.md and docs/DEPLOY.md promise (and the fixes of the known
bugs listed in KNOWN_BUGS, which the binary may not have yet): what each command's exit code and
outcome are, and what the alias (primary, weights, deploy history, detached rollout record) holds
afterwards. The deploy history follows Sources/Rollout/DeployHistory.swift: newest first, a
version in one list leaves the others as that file says, ten entries kept per list."""

import dataclasses
import re
from dataclasses import dataclass, field, replace
from typing import Optional

FUNCTION, ALIAS, BUCKET, ALARM = "model-fn", "live", "model-artifacts", "model-errors"

# The three deploy shapes the machine runs, with bakes of seconds (docs/DEPLOY.md short forms).
STAGING = ["--environment", "staging", "--strategy", "AllAtOnce"]
GRADUAL_BAKE = 2
GRADUAL = ["--environment", "production", "--strategy", f"canary:50%:{GRADUAL_BAKE}s", "--gate-interval", "1s",
           "--alarm", ALARM]
# Detached rollouts take two weighted steps; `advance` must name the same gate settings.
DETACHED_WEIGHTS = (0.25, 0.5)
DETACHED_BAKE = 2
DETACHED = ["--environment", "production", "--strategy", f"steps:25%@{DETACHED_BAKE}s,50%@{DETACHED_BAKE}s",
            "--gate-interval", "1s", "--alarm", ALARM]
# The same alarm but another strategy: gate settings that differ from the rollout's.
DETACHED_OTHER = ["--environment", "production", "--strategy", f"steps:25%@{DETACHED_BAKE}s,50%@3s",
                  "--gate-interval", "1s", "--alarm", ALARM]

# The canary judged from the function's own logs (docs/DEPLOY.md "Judged from the function's logs"):
# before a gradual deploy the twin is told how the stable version (the alias's primary) and the
# version the deploy will publish behave in the REPORT records each invocation writes
# (/_twin/lambda-behaviour), the deploy gets the limits, and traffic goes through the alias during
# the bake. `verdicts`: what the last step of `log-analysis` must say of each metric (only the
# metrics whose verdict is certain; with the bake ended at the first failure, another metric may
# still lack samples then). `callers`: whom the traffic invokes, the alias, or the new version by
# its number alone (so the stable version writes no report: nothing to compare it with).
@dataclass(frozen=True)
class LogCase:
    stable: dict
    new: dict
    flags: tuple
    verdicts: dict
    callers: str = "alias"


LOG_MIN_INVOCATIONS = 5  # per version: the traffic gives dozens a second
_STEADY = {"durationMs": 100, "jitterMs": 10, "memorySizeMb": 128, "maxMemoryUsedMb": 70}
_DURATION, _MEMORY = ("--max-duration-increase", "10"), ("--max-memory-use", "90")
LOG_CASES = {
    # 30% slower over the whole distribution: fails --max-duration-increase 10.
    "logs_slow": LogCase(_STEADY, {**_STEADY, "durationMs": 130, "jitterMs": 13}, _DURATION, {"duration": "fail"}),
    # As fast, within the memory: both metrics pass.
    "logs_equal": LogCase(_STEADY, _STEADY, _DURATION + _MEMORY, {"duration": "pass", "memory": "pass"}),
    # As fast, but an invocation uses 124 of 128 MB (96.9%): fails --max-memory-use 90.
    "logs_memory": LogCase(_STEADY, {**_STEADY, "maxMemoryUsedMb": 124}, _DURATION + _MEMORY, {"memory": "fail"}),
    # Only the new version is called: memory is judged on its own reports and passes, duration has
    # no stable sample and stays without a verdict up to --max-bake (the bake itself), then
    # --on-inconclusive rollback (the default) restores: never a pass over no samples.
    "logs_no_stable": LogCase(_STEADY, _STEADY, _DURATION + _MEMORY + ("--max-bake", f"{GRADUAL_BAKE}s"),
                              {"memory": "pass", "duration": "inconclusive"}, callers="new"),
}

# The bugs of this model's scenarios: those of the brief (its numbering), the ones the model found
# (S1 …), and a gap of the twin it found (T1). test_regressions.py holds each as one explicit test.
# While an id is in PENDING_FIXES the machine steers clear of the scenario that shows it (so the rest
# is still explored) and its test is xfail(strict=True): once the fix lands the unexpected pass
# fails the run, and removing the id removes the mark and the steering together.
# MODEL_INCLUDE_PENDING=S3,T1 (or all; scripts/hunt --bug ID, --all) explores them anyway.
KNOWN_BUGS = {
    "1": "an alarm that flaps to ALARM and back to OK within a bake must still fail the gate (exit 3)",
    "2": "advance with a wrong --function/--alias must be exit 2, not exit 0 nothing-to-do",
    "3": "advance before the step is due must roll back if an alarm is in ALARM",
    "4": "rollback --to-version N must record the version it leaves as rolled-back",
    "6": "SIGHUP must restore like SIGTERM (exit 4)",
    "9": "a version is recorded good only after the post-traffic command passed",
    "S1": "after promote onto a detached rollout's new version, an AllAtOnce deploy was refused with exit 2 "
          "'a detached rollout is in progress', though promote had ended it",
    "S2": "advance refused for gate settings other than the rollout's reported version = the record's old "
          "version, while the alias was split",
    "S3": "after a hand move onto a detached rollout's new version (which ends the rollout), an AllAtOnce "
          "deploy was refused with exit 2 'a detached rollout is in progress'",
    "S4": "a deploy that completed over a detached record a hand move left kept it: status still showed the "
          "rollout, and the next advance exited 1 saying someone moved the alias by hand to the deploy's own "
          "version",
    "S5": "cleanup and --keep-versions deleted the alias's rollback target (the last good version still "
          "published) when a newer good version had been deleted by hand: VersionsInUse protects "
          "DeployHistory.lastGood, which does not skip deleted versions",
    # A gap of the twin, not of lambda-shift: moto 5.2.1 numbers a new version len(versions) + 1.
    "T1": "the twin's PublishVersion reuses a version number after a version was deleted (Lambda never does)",
    # Found by the web function model (test_web_model.py, issue 38).
    "W1": "a web deploy's endpoint history keeps only this run's revision: the good= and failed= revisions of "
          "earlier runs (revision ids, not version numbers) are dropped when the description is rewritten",
    "W2": "a web deploy exits with its own mode-restore UpdateWebFunctionEndpoint still InProgress (never waited "
          "for): its report says LatestRevision is back before it settled, a refused restore goes unnoticed, and a "
          "deploy right after is refused with 409 ConflictException (exit 1)",
    "W3": "a web canary on an endpoint found in LatestRevision that does not complete puts the mode back with an "
          "update naming no weights, which routes the endpoint to the newest Active revision, the new one, at 100: "
          "after an alarm (exit 3, 'rolled back') the failed revision serves everything; after someone else put the "
          "weights back mid-bake (exit 1, 'left as they set it') their change is overridden; after a failed build (exit 1, "
          "'no traffic moved') an endpoint serving an older revision than the newest Active one is moved to it",
    # Found by the web model's detached rollouts and cleanup (test_web_model.py, its own regression tests).
    "W4": "`cleanup --web-function F --output json` (exit 0) prints a document without `function`, which "
          "schema/output.schema.json requires of every exit-0 cleanup document (it names the web function as "
          "`web-function` only)",
    "W5": "a web deploy over a detached record with L that someone else's change left (the endpoint whole, still "
          "Disabled for the rollout) drops the record and leaves the endpoint Disabled for good: advance, promote "
          "and rollback put LatestRevision back when they end such a record, a deploy that ends it does not (nor "
          "does `deploy --detach` carry the L into its own record)",
    "W6": "a detached rollout over a web revision whose id is decimal digits only and longer than 10 characters "
          "(the twin's ids are 12 hex digits: about one in 285) writes a record RolloutRecord.isVersion rejects (it "
          "reads an all-digit id as a Lambda version number, 10 digits at most): advance says nothing-to-do (exit 0) "
          "while the endpoint stays split and Disabled, status shows no rollout, and promote / rollback do not give "
          "back the LatestRevision its L owed",
}
PENDING_FIXES: frozenset[str] = frozenset()

KEEP = 10  # DeployHistory.keep: versions kept per list when the description is written


@dataclass(frozen=True)
class History:
    """The deploy history of the alias description, newest first (DeployHistory.swift)."""
    good: tuple = ()
    failed: tuple = ()
    rolled_back: tuple = ()

    def succeeded(self, version: str) -> "History":
        return History(_front(version, self.good), _without(version, self.failed),
                       _without(version, self.rolled_back))

    def failed_(self, version: str) -> "History":
        return History(_without(version, self.good), _front(version, self.failed),
                       _without(version, self.rolled_back))

    def rolled(self, version: str) -> "History":
        """An operator's rollback left `version`: not judged, so a good version stays good."""
        return History(self.good, self.failed, _front(version, self.rolled_back))

    def pinned(self, version: str) -> "History":
        """An operator pinned `version` (`rollback --to-version`): wanted now, no longer rolled back."""
        return History(self.good, self.failed, _without(version, self.rolled_back))

    def last_good(self, excluding: str, published: frozenset) -> Optional[str]:
        """The newest good version other than `excluding`, not failed or rolled back since, and still
        published (newer good ones that were deleted are skipped)."""
        return next((v for v in self.good if v != excluding and v not in self.failed
                     and v not in self.rolled_back and v in published), None)

    def stored(self) -> "History":
        """As the description keeps it: the newest ten of each list (DeployHistory.rendered)."""
        return History(self.good[:KEEP], self.failed[:KEEP], self.rolled_back[:KEEP])


def _front(version, versions):
    return (version,) + _without(version, versions)


def _without(version, versions):
    return tuple(v for v in versions if v != version)


@dataclass(frozen=True)
class Record:
    """A detached rollout's record (`rollout=NEW,OLD,STEP,STEPS,SINCE,DUE,…`); the model predicts
    the first four fields, the times are read from the alias."""
    new: str
    old: str
    step: int
    steps: int
    since: int = 0
    due: int = 0


def parse_description(description: str):
    """The history and the rollout record in an alias description, as DeployHistory.init reads
    them (the last `[lambda-shift ` bracket; unknown fields ignored)."""
    open_at = description.rfind("[lambda-shift ")
    close_at = description.find("]", open_at) if open_at >= 0 else -1
    if open_at < 0 or close_at < 0:
        return History(), None
    lists, record = {"good": (), "failed": (), "rolled-back": ()}, None
    for item in description[open_at + len("[lambda-shift "):close_at].split(" "):
        name, _, value = item.partition("=")
        if name == "rollout":
            parts = value.split(",")
            if len(parts) == 9 and all(re.fullmatch(r"-?\d+", p) for p in parts[2:7]):
                record = Record(parts[0], parts[1], int(parts[2]), int(parts[3]), int(parts[4]), int(parts[5]))
        elif name in lists:
            lists[name] = tuple(v for v in value.split(",") if v.isdigit())
    return History(lists["good"], lists["failed"], lists["rolled-back"]), record


@dataclass(frozen=True)
class Model:
    primary: str = "1"
    weights: dict = field(default_factory=dict)  # {version: weight}; never mutated in place
    history: History = History()
    record: Optional[Record] = None
    versions: frozenset = frozenset({"1"})
    next_version: int = 2  # Lambda never reuses a version number
    alarm: str = "OK"
    # Epoch milliseconds of every move of the alarm into ALARM (DescribeAlarmHistory's StateUpdates).
    alarm_fired: tuple = ()
    # Versions that passed every gate of the run that recorded them (promoting lambda-shift's own
    # detached rollout is the operator's verdict on it).
    passed: frozenset = frozenset()
    # Which build each version holds: the build directory's counter (-1: the seeded code).
    code_of: dict = field(default_factory=lambda: {"1": -1})
    source: int = 0  # the counter the build directory holds now
    # What else uses versions (issue 37): the qualifiers event source mappings name (versions, or
    # the alias), the versions provisioned concurrency covers, whether the function is durable
    # (versions published since are), and the versions durable executions still run on.
    mappings: frozenset = frozenset()
    provisioned: frozenset = frozenset()
    durable: bool = False
    durable_versions: frozenset = frozenset()
    running: frozenset = frozenset()

    def evolve(self, **changes) -> "Model":
        return replace(self, **changes)

    @property
    def split(self) -> bool:
        return bool(self.weights)

    def record_live(self) -> bool:
        """The record describes the alias as it is (DeployHistory.rollout + RolloutRecord.matches for
        the detached strategy): otherwise it is stale, left by a hand move that ended the rollout."""
        r = self.record
        return (r is not None and r.step < len(DETACHED_WEIGHTS) and self.primary == r.old
                and self.weights == {r.new: DETACHED_WEIGHTS[r.step]})

    def whole(self, version: str, history: Optional[History] = None, **changes) -> "Model":
        """The alias on `version` alone."""
        return self.evolve(primary=version, weights={}, history=history or self.history, **changes)

    def stale_record(self) -> bool:
        return self.record is not None and not self.record_live()

    def published(self) -> "Model":
        """A deploy published the next version, holding the build directory's code."""
        version = str(self.next_version)
        return self.evolve(versions=self.versions | {version}, next_version=self.next_version + 1,
                           code_of={**self.code_of, version: self.source},
                           durable_versions=self.durable_versions | ({version} if self.durable else set()))

    def alarm_set(self, state: str, at_ms: Optional[int]) -> "Model":
        if state == self.alarm:
            return self
        fired = self.alarm_fired + ((at_ms,) if state == "ALARM" else ())
        return self.evolve(alarm=state, alarm_fired=fired)

    def good_deleted(self) -> bool:
        """A version the history records good (not failed or rolled back since) was deleted: then the
        binary's rollback target in VersionsInUse is not rollback's (S5)."""
        return any(v not in self.versions for v in self.history.good
                   if v not in self.history.failed and v not in self.history.rolled_back)

    def deleted_any(self) -> bool:
        """A published version was deleted by hand."""
        return len(self.versions) < self.next_version - 1

    def fired_since(self, since_seconds: int) -> bool:
        """The alarm is in ALARM, or went into ALARM at or after `since` (DescribeAlarmHistory's
        StartDate is whole seconds, so the second `since` falls in counts)."""
        return self.alarm == "ALARM" or any(at >= since_seconds * 1000 for at in self.alarm_fired)


@dataclass(frozen=True)
class Expect:
    """A prediction: the command's exit code and outcome, the model after it (its history as the
    description stores it), and why."""
    exit_code: int
    outcome: str
    after: Model
    why: str
    # A deploy judged from the logs that reached its bake: {metric: verdict} of the last step.
    log_verdicts: Optional[dict] = None

    def __post_init__(self):
        object.__setattr__(self, "after", self.after.evolve(history=self.after.history.stored()))


def unchanged(model: Model, exit_code: int, outcome: str, why: str) -> Expect:
    return Expect(exit_code, outcome, model, why)


def pending(bug: str, included: str) -> bool:
    """Whether the machine steers clear of a known bug's scenario; `included`: the ids explored
    anyway, comma-separated, or `all`."""
    return bug in PENDING_FIXES and included != "all" and bug not in included.split(",")


# --- deploy ---------------------------------------------------------------------------------

def deploy_refusal(model: Model, kind: str) -> Optional[Expect]:
    """What a deploy of `kind` (staging, gradual, detached) is refused with before any change."""
    if model.split:
        return unchanged(model, 2, "failed", "the alias is mid-way through a shift")
    if kind != "staging" and model.alarm == "ALARM":
        return unchanged(model, 2, "failed", "the gate alarm is already in ALARM")
    return None


def predict_deploy(model: Model, kind: str, check: str = "none", event: str = "pass", drift_fails: bool = False,
                   keep: Optional[int] = None) -> Expect:
    """A deploy (predict_deploy_alone), then `--keep-versions keep`'s pruning when it deployed."""
    expect = predict_deploy_alone(model, kind, check, event, drift_fails)
    if keep is None or expect.outcome != "deployed":
        return expect
    return replace(expect, after=expect.after.evolve(versions=expect.after.versions - pruned(expect.after, keep)))


def predict_deploy_alone(model: Model, kind: str, check: str = "none", event: str = "pass",
                         drift_fails: bool = False) -> Expect:
    """A deploy. check: none | smoke_pass | smoke_fail | pre_false | post_true | post_false (hooks
    and smoke test); event (gradual only): pass | fire | flap | hand_back | promote_other | signal |
    rollback_fails, what happens during the bake, or logs_slow | logs_equal | logs_memory |
    logs_no_stable (LOG_CASES: the canary judged from the logs under traffic). The alarm's own moves
    are the caller's to apply."""
    refused = deploy_refusal(model, kind)
    if refused:
        return refused
    if model.code_of.get(model.primary) == model.source:
        return unchanged(model, 0, "skipped", "the alias already serves this code")
    after = model.published()
    new = str(model.next_version)
    # Past the preflight any record is one a hand move ended: a run that writes the history drops
    # it; a cancelled one, someone else's change and a failed restore write nothing.
    failed = after.evolve(history=after.history.failed_(new), record=None)
    if drift_fails and kind != "staging":
        return Expect(3, "rolled-back", failed, "--runtime-drift fail and the new version runs another runtime "
                                                "version than the stable one: no traffic moved, recorded failed")
    if check in ("smoke_fail", "pre_false"):
        return Expect(3, "rolled-back", failed, "a check before traffic failed: no traffic moved, the version "
                                                "recorded failed")
    if kind == "detached":
        return Expect(0, "in-progress",
                      after.evolve(weights={new: DETACHED_WEIGHTS[0]},
                                   record=Record(new, model.primary, 0, len(DETACHED_WEIGHTS))),
                      "the first weighted step, recorded on the alias")
    if check == "post_false":
        return Expect(3, "rolled-back", failed, "the post-traffic command failed: restored, recorded failed")
    if event == "fire":
        return Expect(3, "rolled-back", failed, "the alarm fired mid-bake")
    if event == "flap":
        return Expect(3, "rolled-back", failed, "the alarm went into ALARM and back within the bake")
    if event in LOG_CASES:
        case = LOG_CASES[event]
        if "fail" in case.verdicts.values():
            metric = next(m for m, v in case.verdicts.items() if v == "fail")
            return Expect(3, "rolled-back", failed, f"the log judge failed the canary on {metric}: restored, "
                                                    "recorded failed", case.verdicts)
        if "inconclusive" in case.verdicts.values():
            return Expect(3, "rolled-back", failed, "no verdict from the log judge at --max-bake: restored "
                                                    "(--on-inconclusive rollback), recorded failed", case.verdicts)
        good = after.whole(new, after.history.succeeded(new), passed=after.passed | {new}, record=None)
        return Expect(0, "deployed", good, "the log judge passed every metric: the new version serves, "
                                           "recorded good", case.verdicts)
    if event == "signal":
        return Expect(4, "cancelled", after, "a signal mid-bake: restored, nothing recorded")
    if event == "hand_back":
        return Expect(1, "failed", after, "someone put the alias back by hand mid-bake: left as they set it")
    if event == "rollback_fails":
        return Expect(5, "failed", after.evolve(weights={new: 0.5}),
                      "the alarm fired and the restore was refused: ROLLBACK FAILED, the alias split")
    good = after.whole(new, after.history.succeeded(new), passed=after.passed | {new}, record=None)
    return Expect(0, "deployed", good, "every gate passed: the new version serves, recorded good")


# --- advance ----------------------------------------------------------------------------------

def predict_advance(model: Model, due: bool) -> Expect:
    """One `advance` with the rollout's own settings; `due`: the step's bake has elapsed."""
    r = model.record
    if r is None:
        return unchanged(model, 0, "nothing-to-do", "no detached rollout on the alias")
    if not model.record_live():
        return Expect(1, "failed", model.evolve(record=None),
                      "the alias was moved by hand: the rollout ended, only the record removed")
    if model.fired_since(r.since):
        return Expect(3, "rolled-back", model.whole(r.old, model.history.failed_(r.new), record=None),
                      "the alarm is in ALARM or went into ALARM during the step (due or not)")
    if not due:
        return unchanged(model, 0, "waiting", "the step's bake has not elapsed")
    if r.step + 1 < r.steps:
        return Expect(0, "in-progress",
                      model.evolve(weights={r.new: DETACHED_WEIGHTS[r.step + 1]},
                                   record=replace(r, step=r.step + 1, since=0, due=0)),
                      "the step passed: the next weight")
    return Expect(0, "deployed",
                  model.whole(r.new, model.history.succeeded(r.new), record=None, passed=model.passed | {r.new}),
                  "the last step passed: the flip, recorded good")


def predict_advance_other_settings(model: Model) -> Expect:
    if model.record is None:
        return unchanged(model, 0, "nothing-to-do", "no detached rollout on the alias")
    return unchanged(model, 2, "failed", "gate settings other than the rollout's")


# --- operator commands --------------------------------------------------------------------------

def predict_promote(model: Model) -> Expect:
    """Good is a gate's verdict: promoting lambda-shift's own detached rollout records its version
    good (the operator's verdict on a gated rollout); a weight no rollout set (a failed restore's)
    stays unverified. Either way a detached record is closed."""
    if len(model.weights) != 1:
        return unchanged(model, 0, "nothing-to-do", "no shift in flight")
    (new,) = model.weights
    if model.record is not None and model.record.new == new:
        return Expect(0, "promoted",
                      model.whole(new, model.history.succeeded(new), passed=model.passed | {new}, record=None),
                      "the detached rollout's version serves alone, recorded good, the record closed")
    return Expect(0, "promoted", model.whole(new, record=None),
                  "the weighted version serves alone, not recorded good: no rollout of lambda-shift's gated it")


def predict_rollback(model: Model, to_version: Optional[str] = None) -> Expect:
    """`rollback`, plain or `--to-version` (RollbackChoice): every version it moves traffic away
    from is recorded rolled back, a pinned one is no longer, and a detached record is closed."""
    current = model.primary
    if to_version is not None:
        if to_version not in model.versions:
            return unchanged(model, 2, "failed", f"there is no version {to_version}")
        destination, why = to_version, "pinned as asked"
    elif model.split:
        destination, why = current, "undoing the shift"
    else:
        destination = model.history.last_good(excluding=current, published=model.versions)
        why = "the last good version still published"
        if destination is None:
            excluded = set(model.history.failed) | set(model.history.rolled_back)
            earlier = [int(v) for v in model.versions if int(v) < int(current) and v not in excluded]
            if not earlier:
                return unchanged(model, 2, "failed", "no earlier version is known to be good")
            destination, why = str(max(earlier)), "the newest earlier version not known bad"
    if destination == current and not model.split:
        return unchanged(model, 0, "nothing-to-do", "the alias already serves it")
    history = model.history
    for left in [current, *sorted(model.weights)]:
        if left != destination:
            history = history.rolled(left)
    if to_version is not None:
        history = history.pinned(destination)
    return Expect(0, "rolled-back", model.whole(destination, history, record=None),
                  f"{why}: version {destination}; the versions left recorded rolled back")


# --- versions in use, cleanup, --keep-versions (issue 37) ---------------------------------------------

ROUTES, TARGET = "alias routes to it", "the alias's rollback target"
MAPPING, PROVISIONED, DURABLE = "an event source mapping invokes it", "provisioned concurrency covers it", \
    "durable executions still run on it"
PREVIEW_BRANCH, PREVIEW_ALIAS = "model", "preview-model"  # cleanup --branch model removes preview-model


def in_use(model: Model) -> dict:
    """{version: [why]} of every published version something still uses (docs/DEPLOY.md
    "Housekeeping"; `cleanup --help`): the alias routes to it (either weight), it is the alias's
    rollback target (what `rollback` returns to: the last good version still published other than the
    one it serves), an event source mapping names it, provisioned concurrency covers it, a durable
    execution still runs on it. Nothing here may be deleted by `cleanup` or `--keep-versions`."""
    reasons = {}

    def keep(version, why):
        if version in model.versions:
            reasons.setdefault(version, []).append(why)
    for version in (model.primary, *model.weights):
        keep(version, ROUTES)
    target = model.history.last_good(excluding=model.primary, published=model.versions)
    if target is not None:
        keep(target, TARGET)
    for qualifier in model.mappings:
        for version in ((model.primary, *model.weights) if qualifier == ALIAS else (qualifier,)):
            keep(version, MAPPING)
    for version in model.provisioned:
        keep(version, PROVISIONED)
    for version in model.running:
        keep(version, DURABLE)
    return reasons


def pruned(model: Model, keep: int) -> frozenset:
    """The versions `--keep-versions keep` (or cleanup) deletes: beyond the newest `keep`, unused."""
    numbers = sorted(model.versions, key=int)
    older = numbers[:max(0, len(numbers) - keep)]
    return frozenset(v for v in older if v not in in_use(model))


def predict_cleanup(model: Model, keep: int, preview: Optional[str]) -> Expect:
    """`cleanup --branch model --keep-versions keep`; `preview`: the version the preview alias
    (made by hand just before) serves, or None when there is none: then nothing to clean, and no
    version goes (versions are pruned only after an alias was removed)."""
    if preview is None:
        return unchanged(model, 0, "nothing-to-do", "no preview alias of the branch")
    return Expect(0, "cleaned", model.evolve(versions=model.versions - pruned(model, keep)),
                  f"the preview alias removed, then every version beyond the newest {keep} nothing uses")


def as_dict(model: Model) -> dict:
    """The model for a failure message."""
    return {f.name: getattr(model, f.name) for f in dataclasses.fields(model)}
