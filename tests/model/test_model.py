"""A model-based test of lambda-shift: Hypothesis drives the real binary against the local AWS twin
through random operator histories (deploys all at once, gradual and detached; gradual ones judged
from the function's logs under traffic; advance, promote, rollback, status; alarms firing and
flapping mid-bake; signals mid-bake; hand moves of the alias;
versions deleted by hand; hooks and smoke tests that fail; a restore the twin refuses), predicts
each command's exit code, outcome and the alias it leaves with the model of model_state.py, and
checks the invariants of model_invariants.py after every step.

The invariant checkers are unit-tested first, each against a hand-made observation that breaks
it. Environment: MODEL_MAX_EXAMPLES, MODEL_STEPS (steps per example), MODEL_SEED, MODEL_SHRINK=1
(shrink a failure to a minimal history; scripts/hunt sets it), MODEL_INCLUDE_PENDING=ID,… or all
(also the scenarios of those bugs still being fixed, model_state.PENDING_FIXES), MODEL_VERBOSE=1,
LAMBDA_SHIFT_BIN."""

import json
import os
import shlex
import signal
import time
from dataclasses import dataclass, replace

from hypothesis import HealthCheck, Phase, Verbosity, note, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

import model_state as ms
from model_harness import BINARY, FLAVOURS, SECRETS, Runner
from model_invariants import Observed, Run, artifact_kinds, check_alias_matches, check_artifacts, \
    check_automatic_choice, check_cleanup_versions, check_document, check_exit_and_outcome, \
    check_good_passed_gates, check_hook_environment, check_kept_reasons, check_log_analysis, check_log_verdicts, \
    check_missing_never_zero, check_no_secrets, check_pruned_within, check_reported_alias, check_runtime_drift, \
    check_split, check_versions_kept
from model_state import ALIAS, BUCKET, FUNCTION, History, Model, Record, parse_description

MAX_EXAMPLES = int(os.environ.get("MODEL_MAX_EXAMPLES", "16"))
STEPS = int(os.environ.get("MODEL_STEPS", "25"))
SEED = int(os.environ.get("MODEL_SEED", "20261207"))
SHRINK = os.environ.get("MODEL_SHRINK") == "1"
INCLUDE_PENDING = os.environ.get("MODEL_INCLUDE_PENDING", "")
VERBOSE = os.environ.get("MODEL_VERBOSE") == "1"  # print every step as it runs (with pytest -s)


def pending(bug: str) -> bool:
    return ms.pending(bug, INCLUDE_PENDING)


# --- the checkers, each against an observation that breaks it -------------------------------------

def alias(primary="2", weights=None, description="", versions=("1", "2", "3")) -> Observed:
    history, record = parse_description(description)
    return Observed(primary, weights or {}, description, history, record, frozenset(versions))


DEPLOYED = '{"command":"deploy","outcome":"deployed","exit-code":0,"skipped":false}'


def run(argv=("deploy",), exit_code=0, document=DEPLOYED, stderr="", files=None) -> Run:
    return Run(list(argv), exit_code, document, stderr, files or {})


def test_parse_description_reads_history_and_record_as_deploy_history_does():
    history, record = parse_description(
        "kept by terraform [old] [lambda-shift good=5,3 failed=4 rolled-back=2 "
        "rollout=6,5,1,2,100,102,98,a,c88306efd41e309d14]")
    assert history == History(("5", "3"), ("4",), ("2",))
    assert record == Record("6", "5", 1, 2, 100, 102)
    assert parse_description("no record here") == (History(), None)


def test_model_history_moves_versions_between_lists_as_deploy_history_does():
    history = History(good=("3", "2"), failed=("4",), rolled_back=("2",))
    assert history.succeeded("4") == History(("4", "3", "2"), (), ("2",))
    assert history.failed_("3") == History(("2",), ("3", "4"), ("2",))
    assert history.rolled("3") == History(("3", "2"), ("4",), ("3", "2"))
    assert history.last_good(excluding="3", published=frozenset({"2", "3"})) is None  # 2 was rolled back
    assert History(good=("5", "4", "3")).last_good(excluding="5", published=frozenset({"3", "5"})) == "3"
    assert History(good=tuple(str(v) for v in range(20, 10, -1))).succeeded("21").stored().good[-1] == "12"


def test_model_rollback_records_every_version_it_leaves_skips_deleted_ones_and_unmarks_a_pin():
    split = Model(primary="2", weights={"3": 0.5}, versions=frozenset({"1", "2", "3"}),
                  history=History(good=("2",)), record=Record("3", "2", 1, 2, 100, 102))
    pinned = ms.predict_rollback(split, "1").after
    assert (pinned.primary, pinned.weights, pinned.record, pinned.history.rolled_back) == ("1", {}, None, ("3", "2"))
    back = Model(primary="3", versions=frozenset({"1", "2", "3"}), history=History(good=("3",), rolled_back=("1",)))
    assert ms.predict_rollback(back, "1").after.history.rolled_back == ("3",)
    deleted = Model(primary="4", versions=frozenset({"1", "2", "4"}), history=History(good=("4", "3", "2")))
    assert ms.predict_rollback(deleted).after.primary == "2"
    assert ms.predict_rollback(back, "9").exit_code == 2


def test_check_split_reports_a_split_nobody_explains():
    split = alias(weights={"3": 0.5})
    assert check_split(split, run_in_progress=False, exit5_run=None)
    assert not check_split(split, run_in_progress=True, exit5_run=None)
    assert not check_split(alias(weights={"3": 0.5}, description="[lambda-shift good= failed= "
                                 "rollout=3,2,0,2,1,3,1,a,00]"), run_in_progress=False, exit5_run=None)
    assert not check_split(split, False, run(exit_code=5, stderr="error: ROLLBACK FAILED: restore it by hand"))
    assert check_split(split, False, run(exit_code=5, stderr="error: something else"))
    assert not check_split(alias(), run_in_progress=False, exit5_run=None)


def test_check_good_passed_gates_reports_a_good_version_that_never_passed():
    assert check_good_passed_gates(History(good=("3", "2")), frozenset({"2"})) == [
        "version 3 is recorded good but never passed every gate of a run (passed: ['2'])"]
    assert not check_good_passed_gates(History(good=("3",)), frozenset({"3"}))


def test_check_automatic_choice_reports_traffic_moved_to_a_failed_or_rolled_back_version():
    before = alias("4", description="[lambda-shift good=4,2 failed=3 rolled-back=2]")
    assert check_automatic_choice("rollback", False, before, alias("3"))
    assert check_automatic_choice("advance", False, before, alias("4", weights={"2": 0.25}))
    assert not check_automatic_choice("rollback", True, before, alias("3"))  # --to-version: a pin
    assert not check_automatic_choice("promote", False, before, alias("3"))
    assert not check_automatic_choice("deploy", False, before, alias("4"))  # a restore to what served


def test_check_exit_and_outcome_reports_a_wrong_exit_code_or_outcome():
    assert check_exit_and_outcome(run(), 3, "deployed") == ["exit 0, expected 3"]
    assert check_exit_and_outcome(run(), 0, "rolled-back") == ["outcome 'deployed', expected 'rolled-back'"]
    lying = run(exit_code=1)
    assert "the document says exit-code 0, the process exited 1" in check_exit_and_outcome(lying, 1, "deployed")
    assert not check_exit_and_outcome(run(), 0, "deployed")


def test_check_missing_never_zero_reports_exit_0_on_a_missing_resource():
    assert check_missing_never_zero(run(("advance",)))
    assert not check_missing_never_zero(run(("advance",), exit_code=2))


def test_check_document_reports_no_document_or_one_off_the_schema(validator):
    assert check_document(run(document="outcome=deployed\n"), validator)
    assert check_document(run(document='{"command":"deploy","outcome":"failed","exit-code":2,"skipped":false}'),
                          validator)  # no error sentence
    assert check_document(run(document=run().stdout + "\n{}"), validator)
    assert not check_document(run(), validator)


def test_check_no_secrets_reports_a_secret_in_a_stream_or_file():
    secret = SECRETS["AWS secret key"]
    assert check_no_secrets(run(stderr=f"key {secret}"), SECRETS)
    assert check_no_secrets(run(files={"output": '"twin\\/Secret+Key\\/EXAMPLE0001"'}), SECRETS)
    assert check_no_secrets(run(document=f'{{"error":"{SECRETS["GITHUB_TOKEN"]}"}}'), SECRETS)
    assert not check_no_secrets(run(stderr=f"::add-mask::{secret}\nlog line"), SECRETS)


def test_check_alias_matches_reports_every_difference_from_the_model():
    model = Model(primary="2", history=History(good=("2",)), versions=frozenset({"1", "2", "3"}),
                  record=Record("3", "2", 0, 2, 100, 102))
    found = alias("3", {"4": 0.5}, "[lambda-shift good=3 failed= rollout=3,2,1,2,100,102,100,a,00]", ("1", "2"))
    problems = check_alias_matches(found, model)
    assert [p.split(" ")[0] for p in problems] == ["alias", "weights", "history", "detached", "versions"]
    same = alias("2", {}, "[lambda-shift good=2 failed= rollout=3,2,0,2,100,102,100,a,00]")
    assert not check_alias_matches(same, model)
    assert check_alias_matches(same, replace(model, record=Record("3", "2", 0, 2, 101, 103)))


def test_check_reported_alias_reports_a_document_that_names_another_version():
    assert check_reported_alias(run(document='{"version":"3"}'), alias("2"))
    assert check_reported_alias(run(document='{"version":"3"}'), alias("2", {"3": 0.5}))
    in_flight = run(document='{"version":"3","outcome":"in-progress"}')
    assert not check_reported_alias(in_flight, alias("2", {"3": 0.5}))
    assert check_reported_alias(run(("rollback",), document='{"after":{"version":"3","weights":{}}}'), alias("2"))
    status = run(("status",), document='{"alias":{"version":"2","weights":{}},"detached":null,'
                                      '"history":{"good":["2"],"failed":[],"rolled-back":[]}}')
    assert check_reported_alias(status, alias("2", description="[lambda-shift good=3 failed=]"))
    assert not check_reported_alias(status, alias("2", description="[lambda-shift good=2 failed=]"))


def metric(name="duration", verdict="pass", **changes) -> dict:
    """One metric of a `log-analysis` step (a duration with both medians)."""
    base = {"metric": name, "verdict": verdict, "detail": f"{name}: …", "version": "3", "stable-version": "2",
            "invocations": 40, "stable-invocations": 38}
    if name == "duration":
        base.update({"median": 129.81, "stable-median": 101.535})
    return {**base, **changes}


def judged(outcome="deployed", metrics=None, error=None, steps=None) -> str:
    """A deploy's document with a `log-analysis`: `steps`, or one 50% step of `metrics` (default a
    passed duration)."""
    document = {"command": "deploy", "outcome": outcome, "exit-code": 0 if outcome == "deployed" else 3,
                "skipped": False, "log-analysis": steps if steps is not None else [
                    {"weight": "50%", "metrics": [metric()] if metrics is None else metrics}]}
    if error is not None:
        document["error"] = error
    return json.dumps(document)


SLOW = ("A health gate failed (logs: from the logs of /aws/lambda/model-fn: duration: version 3 median 129.8 ms vs "
        "101.5 ms on version 2, +27.1% (at 95% confidence at least +24.1%), allowed +10% (seen 1s into a 2s bake)): "
        "alias live was rolled back to version 2.")


def test_check_log_analysis_reports_a_deployed_run_the_log_judge_did_not_pass():
    assert not check_log_analysis(run(document=judged()))
    assert not check_log_analysis(run())  # no log judge asked for: nothing to say
    failed = judged(metrics=[metric(), metric("memory", "fail")])
    assert check_log_analysis(run(document=failed)) == [
        "deployed, but the log judge failed memory at 50%",
        "deployed, but the last step's metrics are not all passed: memory fail"]
    earlier = judged(steps=[{"weight": "25%", "metrics": [metric(verdict="fail")]},
                            {"weight": "50%", "metrics": [metric()]}])
    assert check_log_analysis(run(document=earlier)) == ["deployed, but the log judge failed duration at 25%"]
    unsure = judged(metrics=[metric(), metric("memory", "inconclusive")])
    assert check_log_analysis(run(document=unsure)) == [
        "deployed, but the last step's metrics are not all passed: memory inconclusive"]
    assert not check_log_analysis(run(("deploy", "--on-inconclusive", "proceed"), document=unsure))
    assert check_log_analysis(run(document=judged(metrics=[])))
    assert check_log_analysis(run(document=judged(steps=[])))


def test_check_log_analysis_reports_a_pass_over_no_samples_or_without_medians():
    assert check_log_analysis(run(document=judged(metrics=[metric(invocations=0)]))) == [
        "log-analysis at 50%: duration passed over 0 invocation(s) of version 3 and 38 of the stable one"]
    assert check_log_analysis(run(document=judged(metrics=[metric(**{"stable-invocations": 0})])))
    assert check_log_analysis(run(document=judged(metrics=[metric("memory", invocations=0)])))
    assert not check_log_analysis(run(document=judged(metrics=[metric("memory", **{"stable-invocations": 0})])))
    no_median = metric()
    del no_median["stable-median"]
    assert check_log_analysis(run(document=judged(metrics=[no_median]))) == [
        "log-analysis at 50%: duration pass without both medians (median 129.81, stable-median None)"]
    unsure = metric(verdict="inconclusive", invocations=0)
    del unsure["median"], unsure["stable-median"]
    assert not check_log_analysis(run(document=judged("rolled-back", [unsure], error="No verdict from the gates")))


def test_check_log_analysis_reports_a_rollback_whose_error_hides_the_failing_metric_or_its_medians():
    slow = [metric(verdict="fail")]
    assert not check_log_analysis(run(exit_code=3, document=judged("rolled-back", slow, SLOW)))
    hidden = "A health gate failed (logs): alias live was rolled back to version 2."
    assert check_log_analysis(run(exit_code=3, document=judged("rolled-back", slow, hidden))) == [
        f"rolled back on duration by the log judge, but the error does not name it: {hidden!r}"]
    other = [metric(verdict="fail", median=140.0)]
    assert check_log_analysis(run(exit_code=3, document=judged("rolled-back", other, SLOW)))
    swapped = SLOW.replace("on version 2", "on version 1")
    assert check_log_analysis(run(exit_code=3, document=judged("rolled-back", slow, swapped)))
    memory = [metric("memory", "fail")]
    assert check_log_analysis(run(exit_code=3, document=judged("rolled-back", memory, SLOW)))
    assert not check_log_analysis(run(exit_code=3, document=judged(
        "rolled-back", memory, "A health gate failed (logs: memory: an invocation of version 3 used 124 of 128 MB")))


def test_check_log_verdicts_reports_a_verdict_the_model_did_not_predict():
    both = judged(metrics=[metric(), metric("memory")])
    assert not check_log_verdicts(run(document=both), {"duration": "pass", "memory": "pass"})
    assert check_log_verdicts(run(document=both), {"duration": "fail"}) == [
        "log-analysis: duration pass in the last step, expected fail (last step: "
        "{'duration': 'pass', 'memory': 'pass'})"]
    assert check_log_verdicts(run(document=judged()), {"memory": "pass"})  # not judged at all
    assert check_log_verdicts(run(), {"duration": "pass"})  # no log-analysis


# --- the state machine --------------------------------------------------------------------------

# (operation `KIND:VARIANT`, weight): what a step may do and how often, before `weight()` adjusts
# it to the state (nothing that cannot apply, more of what a state makes interesting).
OPERATIONS = (
    ("deploy_staging:none", 2), ("deploy_staging:smoke_pass", 1), ("deploy_staging:smoke_fail", 1),
    ("deploy_staging:pre_false", 1), ("deploy_staging:post_true", 1), ("deploy_staging:post_false", 1),
    ("deploy_staging:redeploy", 1),
    ("deploy_gradual:pass", 2), ("deploy_gradual:fire", 2), ("deploy_gradual:flap", 2),
    ("deploy_gradual:hand_back", 1), ("deploy_gradual:promote_other", 1), ("deploy_gradual:post_true", 1),
    ("deploy_gradual:post_false", 1), ("deploy_gradual:rollback_fails", 1),
    ("deploy_gradual:logs_slow", 1), ("deploy_gradual:logs_equal", 1), ("deploy_gradual:logs_memory", 1),
    ("deploy_gradual:logs_no_stable", 1),
    ("deploy_signalled:SIGTERM", 1), ("deploy_signalled:SIGINT", 1), ("deploy_signalled:SIGHUP", 1),
    ("deploy_detached:", 3), ("deploy_detached:fire", 2), ("advance:early", 2), ("advance:due", 3),
    ("advance_other_settings:", 1),
    ("promote:", 1), ("rollback:", 2), ("rollback_to_version:", 2), ("status:", 1), ("missing_target:", 2),
    ("move_alias_by_hand:", 2), ("delete_version_by_hand:", 1), ("set_alarm:ALARM", 1), ("set_alarm:OK", 3),
    # Issue 37: what else uses versions, cleanup and --keep-versions, cleanup --artifacts, runtime drift.
    ("deploy_staging:keep", 2), ("cleanup:", 3), ("cleanup:absent", 1),
    ("attach_mapping:version", 1), ("attach_mapping:alias", 1), ("provision:", 1), ("make_durable:", 1),
    ("run_durable:RUNNING", 1), ("run_durable:SUCCEEDED", 1),
    ("cleanup_artifacts:", 2), ("cleanup_artifacts:dry", 1), ("cleanup_artifacts:default_age", 1),
    ("put_foreign:", 1),
    ("set_runtime_version:", 2), ("deploy_gradual:drift_warn", 1), ("deploy_gradual:drift_fail", 2),
)
# Runtime versions $LATEST may be moved to (None: the twin's default for python3.12).
RUNTIMES = (None, "arn:aws:lambda:us-east-1::runtime:" + "a1" * 32, "arn:aws:lambda:us-east-1::runtime:" + "b2" * 32)
# cleanup --artifacts reads the deploys' keys (model/build-N/package.zip) through this template.
ARTIFACT_KEY, ARTIFACT_PREFIX = "model/{version}/package.zip", "model/"
GATED = ("deploy_gradual", "deploy_signalled", "deploy_detached")
MISSING = (("status", "function"), ("status", "alias"), ("promote", "function"), ("promote", "alias"),
           ("rollback", "function"), ("rollback", "alias"), ("advance", "function"), ("advance", "alias"),
           ("deploy", "function"), ("deploy", "bucket"))
SMOKE = ["--smoke-payload", '{"probe": 1}']


@dataclass
class Context:
    """What every example of the machine shares: the session's twin and files."""
    twin: object
    workdir: object
    validator: object
    tally: object


class LambdaShiftMachine(RuleBasedStateMachine):
    """One rule, `step`, draws an operation from OPERATIONS with weights that follow the state (so
    a small budget is not spent on examples that never deploy, as Hypothesis's per-example
    switching of rules on and off would); each `do_KIND` method runs one and judges it."""

    def __init__(self, context: Context):
        super().__init__()
        self.ctx, self.twin = context, context.twin
        self.model = Model()
        self.exit5_run = None  # the run that left the alias split with exit 5, while it is split
        self.counted = True  # the next invariant check follows the set-up, not a step
        self.steps = 0  # steps of this example

    @initialize(flavour=st.sampled_from(FLAVOURS))
    def fresh_twin(self, flavour):
        self.ctx.tally.examples += 1
        self.twin.reset_and_seed()
        example = self.ctx.workdir / f"example-{self.ctx.tally.examples}"
        self.runner = Runner(self.twin, example, flavour)
        self.source = example / "src"
        self.source.mkdir(parents=True)
        self.foreign = set()  # object versions put by hand under the artifact prefix
        self.write_build()
        self.counted = False
        note(f"a fresh twin: {FUNCTION} alias {ALIAS} on version 1; commands run as {flavour}")

    @rule(data=st.data())
    def step(self, data):
        """One operation, drawn with the weights of this state; `pick` chooses where it needs a
        choice (a version, a missing target)."""
        op = data.draw(st.sampled_from([op for op, base in OPERATIONS for _ in range(self.weight(op, base))]),
                       label="op")
        pick = data.draw(st.integers(min_value=0, max_value=40), label="pick")
        kind, _, variant = op.partition(":")
        self.steps += 1
        # Provisioned concurrency is the twin's to tell (a deploy moves a served version's along with
        # the traffic, WarmCapacity): the model takes it before each step.
        self.model = self.model.evolve(provisioned=frozenset(q for q in self.twin.provisioned_qualifiers()
                                                             if q.isdigit()))
        getattr(self, "do_" + kind)(variant, pick)

    def weight(self, op: str, base: int) -> int:
        model = self.model
        kind, _, variant = op.partition(":")
        over_stale = kind in ("deploy_staging", "deploy_gradual", "deploy_signalled") and model.stale_record()
        if over_stale and (pending("S3") or pending("S4")):
            return 0  # a deploy over the record a hand move left: refused (S3) or keeping it (S4)
        if kind.startswith("deploy_") and pending("T1") and model.deleted_any():
            return 0  # it would publish a version number the twin hands out twice
        if over_stale:
            return base * 2
        if kind in GATED and model.alarm == "ALARM":
            return 1 if variant in ("pass", "") else 0  # refused before any change: seen now and then
        if kind == "set_alarm":
            return base if variant != model.alarm else 0
        if kind == "advance":
            return base * 2 if model.record else (1 if variant == "due" else 0)
        if kind in ("promote", "rollback"):
            return base * 3 if model.split else base
        if kind == "move_alias_by_hand":  # most telling while a detached rollout is under way
            return (base * 3 if model.record_live() else base) if len(model.versions) > 1 or model.split else 0
        if pending("S5") and model.good_deleted() and (
                (kind == "cleanup" and variant != "absent") or op == "deploy_staging:keep"):
            return 0  # it would prune the rollback target (S5)
        if kind == "make_durable":
            return 0 if model.durable else base
        if kind == "run_durable":
            return base * 2 if model.durable_versions else 0
        if kind == "provision":
            return base if self.unserved() else 0
        if kind == "attach_mapping" and len(model.mappings) >= 4:
            return 0
        if kind == "deploy_gradual" and variant.startswith("drift") and model.alarm == "ALARM":
            return 0
        if kind == "delete_version_by_hand":
            # While T1 is open no deploy follows a deletion: the example's second half only.
            late = not pending("T1") or self.steps >= STEPS // 2
            return base if self.deletable() and late else 0
        return base

    # The helpers -------------------------------------------------------------------------------

    def deletable(self):
        """Versions a hand may delete: not served, and nothing else uses them (Lambda refuses to delete
        a version provisioned concurrency covers; a mapping or execution would be left dangling)."""
        used = set(self.model.mappings) | self.model.running | set(self.twin.provisioned_qualifiers())
        return sorted(self.model.versions - {self.model.primary} - set(self.model.weights) - used, key=int)

    def unserved(self):
        return sorted(self.model.versions - {self.model.primary} - set(self.model.weights), key=int)

    def write_build(self):
        (self.source / "index.py").write_text(
            f"def handler(event, context):\n    return {{'build': {self.model.source}}}\n")

    def new_build(self):
        """Each deploy ships new code (a redeploy reuses the directory as it is)."""
        self.model = self.model.evolve(source=self.model.source + 1)
        self.write_build()

    def deploy_args(self, shape, function=FUNCTION, bucket=BUCKET):
        return ["deploy", "--function", function, "--bucket", bucket, "--source", str(self.source),
                "--key", f"model/build-{self.model.source}/package.zip", *shape]

    def check_args(self, check, expect, files):
        """Flags for a smoke test or a traffic hook; a post-traffic command first snapshots the
        alias with `status` (the state mid-run, judged in judge_snapshot), which needs the deploy's
        own credentials (--hook-credentials deploy: the harness's keys are static)."""
        if check == "smoke_pass":
            return SMOKE
        if check == "smoke_fail":
            if expect.after.next_version > self.model.next_version:  # only a version that will be published
                self.twin.fail_invocations(str(self.model.next_version))
            return SMOKE
        # Every hook first writes its environment (the deploy's own secret key left out where it
        # was asked for): the secrets scan then covers what a hook receives, and
        # check_hook_environment what it was told it got.
        def keep_environment(name):
            return f"env | grep -v '^AWS_SECRET_ACCESS_KEY=' > {shlex.quote(str(files / name))}; "
        if check == "pre_false":
            return ["--pre-traffic-command", keep_environment("hook-env-pre.txt") + "false"]
        if check in ("post_true", "post_false"):
            snapshot = shlex.quote(str(files / "hook-status.json"))
            return ["--hook-credentials", "deploy",
                    "--post-traffic-command", keep_environment("hook-env-post.txt")
                    + f"{shlex.quote(BINARY)} status --function {FUNCTION} --output json "
                      f"> {snapshot}; exit {0 if check == 'post_true' else 1}"]
        return []

    def settle_alarm_window(self):
        """A bake's gates read the alarm history from the second the bake began: wait for a new
        second after the last move into ALARM, so that only this step's own moves are in it."""
        if self.model.alarm_fired:
            start = self.model.alarm_fired[-1] // 1000 + 1
            if time.time() < start:
                time.sleep(start - time.time() + 0.02)

    def fail_on(self, problems, run=None):
        if not problems:
            return
        detail = "" if run is None else (f"\nrun: {self.runner.line(run.argv)} → exit {run.exit_code}\n"
                                          f"stdout: {run.stdout[:1500]}\nstderr (end): {run.stderr[-1500:]}")
        raise AssertionError("\n".join(problems) + detail + f"\nmodel: {ms.as_dict(self.model)}")

    def judge(self, run: Run, expect: ms.Expect, before: Observed, *, pinned=False, missing=False):
        """The checks of one command's run (the alias-wide ones follow in the invariant)."""
        document = run.document or {}
        note(f"{self.runner.line(run.argv)} → exit {run.exit_code} {document.get('outcome')}; "
             f"expected {expect.exit_code} {expect.outcome} ({expect.why})")
        after = self.twin.observe()
        self.fail_on(check_document(run, self.ctx.validator) + check_no_secrets(run, SECRETS)
                     + check_hook_environment(run)
                     + check_exit_and_outcome(run, expect.exit_code, expect.outcome)
                     + (check_missing_never_zero(run) if missing else [])
                     + check_reported_alias(run, after)
                     + check_automatic_choice(run.command, pinned, before, after)
                     + check_log_analysis(run)
                     + (check_log_verdicts(run, expect.log_verdicts) if expect.log_verdicts else []), run)
        self.model = expect.after
        if run.exit_code == 5:
            self.exit5_run = run

    def judge_concurrent(self, run: Run, exit_code: int, outcome: str):
        """A command run while a deploy bakes: its own result only."""
        note(f"  meanwhile {self.runner.line(run.argv)} → exit {run.exit_code}")
        self.fail_on(check_document(run, self.ctx.validator) + check_no_secrets(run, SECRETS)
                     + check_exit_and_outcome(run, exit_code, outcome), run)

    def judge_snapshot(self, run: Run, passed_before: frozenset):
        """The `status` a post-traffic command took mid-run: a valid document, and no version
        recorded good before its post-traffic command passed (bug 9)."""
        text = run.files.get("hook-status.json")
        if text is None:
            return
        snapshot = Run(["status"], 0, text, "")
        history = (snapshot.document or {}).get("history") or {}
        problems = check_document(snapshot, self.ctx.validator) + check_good_passed_gates(
            History(tuple(history.get("good", ()))), passed_before)
        self.fail_on([f"during the post-traffic command: {p}" for p in problems], run)

    @staticmethod
    def with_alarm_moves(expect: ms.Expect, moves) -> ms.Expect:
        """The alarm moves this step made (state, epoch ms), applied to the model after it."""
        after = expect.after
        for state, at in moves:
            after = after.alarm_set(state, at)
        return replace(expect, after=after)

    def sync_record_times(self, found: Observed):
        """A new step's times are the binary's to choose: the model takes them from the alias once
        the rest of the record matches, and checks the bake they span."""
        want, got = self.model.record, found.record
        if want is None or want.since or got is None or (got.new, got.old, got.step) != (want.new, want.old, want.step):
            return
        self.fail_on([] if got.due - got.since == ms.DETACHED_BAKE else
                     [f"detached record bakes {got.due - got.since}s, the strategy says {ms.DETACHED_BAKE}s"])
        self.model = self.model.evolve(record=replace(want, since=got.since, due=got.due))

    @invariant()
    def alias_as_modelled(self):
        found = self.twin.observe()
        if not found.weights:
            self.exit5_run = None
        self.fail_on(check_alias_matches(found, self.model) + check_split(found, False, self.exit5_run)
                     + check_good_passed_gates(found.history, self.model.passed))
        self.sync_record_times(found)
        if not self.counted:
            self.ctx.tally.steps += 1
        self.counted = False

    # Deploys -----------------------------------------------------------------------------------

    def do_deploy_staging(self, check, pick):
        """AllAtOnce to staging, maybe with a smoke test or a hook; `redeploy` ships the build
        directory as it is (skipped when the alias serves it); `keep`: with --keep-versions 1-3
        (pruning after success)."""
        keep = None
        if check == "redeploy":
            check = "none"
        else:
            self.new_build()
        if check == "keep":
            check, keep = "none", 1 + pick % 3  # at least 1: --keep-versions 0 is exit 2
        expect = ms.predict_deploy(self.model, "staging", check, keep=keep)
        files = self.runner.files_dir()
        before, passed = self.twin.observe(), self.model.passed
        extra = ["--keep-versions", str(keep)] if keep is not None else []
        result = self.runner.run(*self.deploy_args(ms.STAGING), *self.check_args(check, expect, files), *extra,
                                 files=files)
        unpruned = ms.predict_deploy(self.model, "staging", check).after
        self.judge(result, expect, before)
        if keep is not None and expect.outcome == "deployed":
            # In use once the deploy moved the alias: the model's after-state before any pruning.
            self.check_versions_in_use(result, unpruned, keep)
        self.judge_snapshot(result, passed)

    def in_use_now(self, model: Model) -> dict:
        """ms.in_use with the provisioned concurrency the twin holds now (the model only puts it on
        versions; a deploy moves a served version's along with the traffic: WarmCapacity)."""
        return ms.in_use(model.evolve(provisioned=frozenset(q for q in self.twin.provisioned_qualifiers()
                                                            if q.isdigit())))

    def check_versions_in_use(self, run: Run, model: Model, keep: int):
        """After a cleanup or a --keep-versions deploy: nothing in use, nothing among the newest
        `keep` was deleted (`model`: the state the run pruned from)."""
        found = self.twin.observe().versions
        self.fail_on(check_versions_kept(self.in_use_now(model), found)
                     + check_pruned_within(model.versions, found, keep), run)

    def do_deploy_gradual(self, event, pick):
        """canary:50%:2s to production gated on the alarm; during the bake: nothing, the alarm
        fires (or flaps), someone puts the alias back by hand or promotes it from another shell,
        or the alarm fires while the twin refuses every UpdateAlias (the restore fails); `logs_*`:
        judged from the function's logs instead (deploy_judged_by_logs)."""
        self.new_build()
        if event in ms.LOG_CASES:
            return self.deploy_judged_by_logs(event)
        check = event if event.startswith("post_") else "none"
        drift_flag = ["--runtime-drift", event[len("drift_"):]] if event.startswith("drift_") else []
        # The stable version's runtime version and the one the new version will be published with.
        stable_arn, latest_arn = self.twin.runtime_version(self.model.primary), self.twin.runtime_version()
        drift_fails = event == "drift_fail" and stable_arn != latest_arn
        expect = ms.predict_deploy(self.model, "gradual", check, "pass" if check != "none" or drift_flag else event,
                                   drift_fails=drift_fails)
        self.settle_alarm_window()
        files = self.runner.files_dir()
        before, passed = self.twin.observe(), self.model.passed
        started = self.runner.start(*self.deploy_args(ms.GRADUAL), *self.check_args(check, expect, files),
                                    *drift_flag, files=files)
        moves = []
        if expect.exit_code != 2 and event in ("fire", "flap", "hand_back", "promote_other", "rollback_fails") \
                and self.twin.wait_split(started.process):
            if event == "fire":
                moves.append(("ALARM", self.twin.set_alarm("ALARM")))
            elif event == "flap":
                moves.append(("ALARM", self.twin.set_alarm("ALARM")))
                time.sleep(0.1)
                moves.append(("OK", self.twin.set_alarm("OK")))
            elif event == "hand_back":
                self.twin.move_alias(before.primary)
            elif event == "promote_other":
                self.judge_concurrent(self.runner.run("promote", "--function", FUNCTION), 0, "promoted")
            else:
                self.twin.refuse_alias_updates(True)
                try:
                    moves.append(("ALARM", self.twin.set_alarm("ALARM")))
                    started.process.wait(timeout=60)
                finally:
                    self.twin.refuse_alias_updates(False)
        result = started.finish()
        self.judge_drift(result, before.primary)
        self.judge(result, self.with_alarm_moves(expect, moves), before)
        self.judge_snapshot(result, passed)

    def judge_drift(self, run: Run, stable: str):
        """A gradual deploy's runtime-drift against both versions' RuntimeVersionArn as Lambda
        answers them now (each version keeps the runtime version it was published with)."""
        new = (run.document or {}).get("published-version")
        if not new:
            return self.fail_on(check_runtime_drift(run, stable, None, None), run)
        self.fail_on(check_runtime_drift(run, stable, self.twin.runtime_version(stable),
                                         self.twin.runtime_version(new)), run)

    def deploy_judged_by_logs(self, name):
        """canary:50%:2s judged from the function's logs (model_state.LOG_CASES): the alias's
        version and the one this deploy will publish behave as the case says in the REPORT records
        the twin's Invoke writes, and callers invoke the alias throughout the run, so that both
        versions write reports during the bake (dozens a second, past --min-invocations at the
        first gate check); or, for `logs_no_stable`, the new version by its number alone."""
        case = ms.LOG_CASES[name]
        expect = ms.predict_deploy(self.model, "gradual", event=name)
        new = str(self.model.next_version)
        self.twin.behave(self.model.primary, case.stable)
        self.twin.behave(new, case.new)
        self.settle_alarm_window()
        before = self.twin.observe()
        callers = ALIAS if case.callers == "alias" else new
        # One call first, so the log group exists when the deploy looks for it (a group that does
        # not exist yet leaves duration to the p99 metric).
        self.twin.invoker.invoke(FunctionName=FUNCTION, Qualifier=ALIAS, Payload=b"{}")
        with self.twin.traffic(callers) as traffic:
            result = self.runner.run(*self.deploy_args(ms.GRADUAL), *case.flags,
                                     "--min-invocations", str(ms.LOG_MIN_INVOCATIONS))
        note(f"  traffic to {callers} during the run: {traffic['calls']} invocations ({traffic['errors']} refused)")
        self.judge(result, expect, before)

    def do_deploy_signalled(self, name, pick):
        """A gradual deploy that gets a signal mid-bake (CI cancelling the job)."""
        self.new_build()
        expect = ms.predict_deploy(self.model, "gradual", event="signal")
        self.settle_alarm_window()
        before = self.twin.observe()
        started = self.runner.start(*self.deploy_args(ms.GRADUAL))
        if expect.exit_code != 2 and self.twin.wait_split(started.process):
            time.sleep(0.3)
            started.process.send_signal(getattr(signal, name))
            note(f"  {name} sent mid-bake")
        self.judge(started.finish(), expect, before)

    def do_deploy_detached(self, event, pick):
        """steps:25%@2s,50%@2s with --detach: the first step, then `advance` runs; `fire`: the alarm
        goes into ALARM while that step bakes (the next `advance` must roll back, due or not)."""
        self.new_build()
        expect = ms.predict_deploy(self.model, "detached")
        before = self.twin.observe()
        result = self.runner.run(*self.deploy_args(ms.DETACHED), "--detach")
        self.judge_drift(result, before.primary)
        self.judge(result, expect, before)
        if event == "fire" and expect.exit_code == 0:
            self.do_set_alarm("ALARM", pick)

    # Operator commands -----------------------------------------------------------------------------

    def do_advance(self, when, pick):
        """`advance` with the rollout's settings, before its step is due when there is time enough
        to tell (else once it is due)."""
        model, due = self.model, True
        if model.record_live():
            if when == "early" and time.time() < model.record.due - 0.5:
                due = False
            else:
                time.sleep(max(0.0, model.record.due + 0.3 - time.time()))
        expect = ms.predict_advance(model, due)
        before = self.twin.observe()
        self.judge(self.runner.run("advance", "--function", FUNCTION, *ms.DETACHED), expect, before)

    def do_advance_other_settings(self, variant, pick):
        expect = ms.predict_advance_other_settings(self.model)
        before = self.twin.observe()
        self.judge(self.runner.run("advance", "--function", FUNCTION, *ms.DETACHED_OTHER), expect, before)

    def do_promote(self, variant, pick):
        before = self.twin.observe()
        self.judge(self.runner.run("promote", "--function", FUNCTION), ms.predict_promote(self.model), before)

    def do_rollback(self, variant, pick):
        before = self.twin.observe()
        self.judge(self.runner.run("rollback", "--function", FUNCTION), ms.predict_rollback(self.model), before)

    def do_rollback_to_version(self, variant, pick):
        """`rollback --to-version N`: any number up to one never published (deleted ones too), on a
        split alias too."""
        version = str(pick % self.model.next_version + 1)
        before = self.twin.observe()
        self.judge(self.runner.run("rollback", "--function", FUNCTION, "--to-version", version),
                   ms.predict_rollback(self.model, version), before, pinned=True)

    def do_status(self, variant, pick):
        before = self.twin.observe()
        self.judge(self.runner.run("status", "--function", FUNCTION),
                   ms.unchanged(self.model, 0, "ok", "status reads only"), before)

    def do_missing_target(self, variant, pick):
        """A command naming a function, alias or bucket that does not exist: exit 2, nothing changed."""
        command, missing = MISSING[pick % len(MISSING)]
        if command == "deploy":
            self.new_build()
            argv = self.deploy_args(ms.STAGING, **{missing: "model-missing"})
        else:
            names = ["--function", "model-missing"] if missing == "function" else \
                ["--function", FUNCTION, "--alias", "missing"]
            argv = [command, *names, *(ms.DETACHED if command == "advance" else [])]
        before = self.twin.observe()
        self.judge(self.runner.run(*argv), ms.unchanged(self.model, 2, "failed", f"no such {missing}"), before,
                   missing=True)

    # What operators and the weather do by hand --------------------------------------------------------

    def do_move_alias_by_hand(self, variant, pick):
        choices = sorted((v for v in self.model.versions if v != self.model.primary or self.model.split), key=int)
        version = choices[pick % len(choices)]
        self.twin.move_alias(version)
        note(f"UpdateAlias by hand: {ALIAS} → version {version} alone")
        self.model = self.model.whole(version)

    def do_delete_version_by_hand(self, variant, pick):
        choices = self.deletable()
        version = choices[pick % len(choices)]
        self.twin.delete_version(version)
        note(f"DeleteFunction by hand: version {version}")
        self.model = self.model.evolve(versions=self.model.versions - {version})

    # Issue 37: what else uses versions; cleanup; cleanup --artifacts; runtime versions -----------------

    def do_attach_mapping(self, variant, pick):
        """An SQS event source mapping naming a version (any published one) or the alias."""
        qualifier = ALIAS if variant == "alias" else sorted(self.model.versions, key=int)[pick % len(
            self.model.versions)]
        self.twin.create_event_source_mapping(qualifier)
        note(f"CreateEventSourceMapping: SQS → {FUNCTION}:{qualifier}")
        self.model = self.model.evolve(mappings=self.model.mappings | {qualifier})

    def do_provision(self, variant, pick):
        """Provisioned concurrency on a version the alias does not serve (on a served one, a deploy
        moves it along with the traffic: another surface)."""
        choices = [v for v in self.unserved() if v not in self.twin.provisioned_qualifiers()]
        if not choices:
            return
        version = choices[pick % len(choices)]
        self.twin.provision(version)
        note(f"PutProvisionedConcurrencyConfig on version {version}")

    def do_make_durable(self, variant, pick):
        self.twin.make_durable()
        note("the function made durable: versions published from now on are")
        self.model = self.model.evolve(durable=True)

    def do_run_durable(self, status, pick):
        """A durable execution on a durable version: still RUNNING (the version is in use), or one
        already SUCCEEDED (it uses nothing)."""
        choices = sorted(self.model.durable_versions & self.model.versions, key=int)
        if not choices:
            return
        version = choices[pick % len(choices)]
        self.twin.start_durable_executions(version, status)
        note(f"a durable execution {status} on version {version}")
        if status == "RUNNING":
            self.model = self.model.evolve(running=self.model.running | {version})

    def world(self) -> dict:
        """What check_kept_reasons compares a cleanup's `kept` with."""
        found = self.twin.observe()
        return {"aliases": {ALIAS: (found.primary, found.weights, found.history)}, "versions": found.versions,
                "mappings": self.twin.event_source_qualifiers(), "provisioned": self.twin.provisioned_qualifiers(),
                "running": set(self.model.running)}

    def do_cleanup(self, variant, pick):
        """`cleanup --branch model --keep-versions N`: first a preview alias made by hand on any version
        (`absent`: none, so there is nothing to clean)."""
        keep = pick % 4
        preview = None
        if variant != "absent":
            preview = sorted(self.model.versions, key=int)[pick // 4 % len(self.model.versions)]
            self.twin.create_preview_alias(ms.PREVIEW_ALIAS, preview)
            note(f"CreateAlias by hand: {ms.PREVIEW_ALIAS} → version {preview}")
        expect = ms.predict_cleanup(self.model, keep, preview)
        before = self.twin.observe()
        in_use = self.in_use_now(self.model)
        result = self.runner.run("cleanup", "--function", FUNCTION, "--branch", ms.PREVIEW_BRANCH,
                                 "--keep-versions", str(keep))
        found = self.twin.observe().versions
        leftover = [a for a in self.twin.alias_names() if a != ALIAS]
        self.fail_on(check_versions_kept(in_use, found) + check_pruned_within(before.versions, found, keep)
                     + check_cleanup_versions(result, before.versions, found) + check_kept_reasons(result, self.world())
                     + ([f"aliases {leftover} remain after cleanup"] if leftover and result.exit_code == 0 else []),
                     result)
        self.judge(result, expect, before)

    def do_put_foreign(self, variant, pick):
        """Objects lambda-shift did not write, under the prefix cleanup --artifacts reads: one without
        sidecars, or one with only its .sha256 (not both: still not lambda-shift's)."""
        n = len(self.foreign)
        if pick % 2:
            made = [self.twin.put_object(f"{ARTIFACT_PREFIX}foreign/notes-{n}.txt", b"not a package %d" % n)]
        else:
            key = f"{ARTIFACT_PREFIX}half/package-{n}.zip"
            made = [self.twin.put_object(key, b"half %d" % n), self.twin.put_object(key + ".sha256", b"00")]
        note(f"PutObject by hand: {[k for k, _ in made]}")
        self.foreign |= set(made)

    def do_cleanup_artifacts(self, variant, pick):
        """`cleanup --artifacts --older-than 0s` (`dry`: with --dry-run; `default_age`: without
        --older-than, so every package of this example is within the hour and kept)."""
        older = [] if variant == "default_age" else ["--older-than", "0s"]
        dry = ["--dry-run"] if variant == "dry" else []
        objects = self.twin.object_versions()
        started = time.time()
        result = self.runner.run("cleanup", "--function", FUNCTION, "--artifacts", "--bucket", BUCKET, "--key",
                                 ARTIFACT_KEY, *older, *dry)
        after = self.twin.object_versions()
        needed = self.twin.code_sha256s()
        document = result.document or {}
        note(f"{self.runner.line(result.argv)} → exit {result.exit_code} {document.get('outcome')}: deleted "
             f"{len(document.get('deleted') or [])}, kept {len(document.get('kept') or [])}, foreign "
             f"{document.get('foreign')}")
        _, _, foreign = artifact_kinds(objects, ARTIFACT_PREFIX)
        self.fail_on(check_document(result, self.ctx.validator) + check_no_secrets(result, SECRETS)
                     + ([f"exit {result.exit_code}, expected 0"] if result.exit_code else [])
                     + ([] if document.get("prefix") == ARTIFACT_PREFIX else
                        [f"prefix {document.get('prefix')!r}, expected {ARTIFACT_PREFIX!r}"])
                     + check_artifacts(result, objects, after, needed, self.foreign, started,
                                       None if variant == "default_age" else 0), result)
        if variant == "default_age" and document.get("deleted"):
            self.fail_on([f"without --older-than, deleted {document['deleted']}: every package was uploaded "
                          "within the hour"], result)

    def do_set_runtime_version(self, variant, pick):
        arn = RUNTIMES[pick % len(RUNTIMES)]
        self.twin.set_runtime_version(arn)
        note(f"$LATEST's runtime version → {arn or 'the default'}")

    def do_set_alarm(self, state, pick):
        at = self.twin.set_alarm(state)
        note(f"SetAlarmState {state}")
        self.model = self.model.alarm_set(state, at)


SETTINGS = settings(
    max_examples=MAX_EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
    phases=(Phase.generate, Phase.shrink) if SHRINK else (Phase.generate,),
    suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
    verbosity=Verbosity.verbose if VERBOSE else Verbosity.normal)


def test_random_operator_histories(twin, workdir, validator, tally):
    context = Context(twin, workdir, validator, tally)
    machine = seed(SEED)(lambda: LambdaShiftMachine(context))
    run_state_machine_as_test(machine, settings=SETTINGS)


def test_model_in_use_and_pruning_keep_what_anything_uses():
    model = Model(primary="6", weights={"7": 0.5}, versions=frozenset({"1", "2", "3", "4", "5", "6", "7"}),
                  history=History(good=("6", "5", "4"), failed=(), rolled_back=("5",)),
                  mappings=frozenset({"2", ALIAS}), provisioned=frozenset({"3"}), running=frozenset({"1"}))
    used = ms.in_use(model)
    assert used == {"6": [ms.ROUTES, ms.MAPPING], "7": [ms.ROUTES, ms.MAPPING], "4": [ms.TARGET],
                    "2": [ms.MAPPING], "3": [ms.PROVISIONED], "1": [ms.DURABLE]}
    assert ms.pruned(model, 1) == {"5"}
    deleted = model.evolve(versions=model.versions - {"4"}, history=History(good=("6", "4", "2")))
    assert ms.in_use(deleted)["2"] == [ms.TARGET, ms.MAPPING] and deleted.good_deleted()
    assert ms.predict_cleanup(model, 1, None).after.versions == model.versions


def test_check_versions_kept_and_pruned_within_report_a_version_deleted_in_use_or_among_the_newest():
    assert check_versions_kept({"3": ["an event source mapping invokes it"]}, frozenset({"4"})) == [
        "version 3 was deleted, though an event source mapping invokes it"]
    assert not check_versions_kept({"3": ["x"]}, frozenset({"3"}))
    assert check_pruned_within(frozenset({"1", "2", "3"}), frozenset({"1", "3"}), 2) == [
        "version 2 was deleted, one of the newest 2"]
    assert not check_pruned_within(frozenset({"1", "2", "3"}), frozenset({"2", "3"}), 2)
    said = run(("cleanup",), document='{"versions":["1"]}')
    assert check_cleanup_versions(said, frozenset({"1", "2", "3"}), frozenset({"3"}))
    assert not check_cleanup_versions(said, frozenset({"1", "3"}), frozenset({"3"}))


def test_check_kept_reasons_reports_a_why_that_is_not_so():
    world = {"aliases": {ALIAS: ("5", {}, History(good=("5", "3")))}, "versions": frozenset({"2", "3", "5"}),
             "mappings": ["2"], "provisioned": [], "running": set()}

    def kept(version, why, running=()):
        return run(("cleanup",), document=json.dumps({"kept": [{"version": version, "why": why}],
                                                       "kept-running": list(running)}))
    assert not check_kept_reasons(kept("2", "an event source mapping invokes it"), world)
    assert not check_kept_reasons(kept("3", f"alias {ALIAS}'s rollback target, its last good version"), world)
    assert not check_kept_reasons(kept("5", f"alias {ALIAS} routes to it"), world)
    assert check_kept_reasons(kept("3", "an event source mapping invokes it"), world)
    assert check_kept_reasons(kept("2", "provisioned concurrency covers it; alias live routes to it"), world)
    assert check_kept_reasons(kept("2", "durable executions still run on it", ["2"]), world)
    assert check_kept_reasons(kept("4", "an event source mapping invokes it"), world)  # gone
    assert check_kept_reasons(kept("2", "it looked useful"), world)


def test_check_artifacts_reports_what_a_cleanup_must_not_delete_or_say():
    package = "model/b/package.zip"
    before = {(package, "p1"): {"modified": 0, "sha": "S1"}, (package, "p2"): {"modified": 0, "sha": "S2"},
              (package + ".sha256", "s1"): {"modified": 0, "sha": "x"},
              (package + ".base64sha256", "b1"): {"modified": 0, "sha": "y"},
              ("model/notes.txt", "f1"): {"modified": 0, "sha": "z"}, ("other/k", "o1"): {"modified": 0, "sha": "w"}}

    def cleaned(deleted, kept=(), foreign=1, dry=False):
        document = {"prefix": "model/", "foreign": foreign, "kept": list(kept),
                    "deleted": [{"key": k, "version-id": v} for k, v in deleted]}
        return run(("cleanup", "--artifacts") + (("--dry-run",) if dry else ()), document=json.dumps(document))
    ok = cleaned([(package, "p2")], [{"key": package, "version-id": "p1", "why": "the code of version 3"}])
    after = {k: v for k, v in before.items() if k != (package, "p2")}
    assert not check_artifacts(ok, before, after, {"3": "S1"}, {("model/notes.txt", "f1")}, 100, 0)
    assert check_artifacts(ok, before, after, {"3": "S2"}, set(), 100, 0)  # deleted what version 3 runs
    assert check_artifacts(cleaned([(package, "p2")], dry=True), before, after, {}, set(), 100, 0)
    assert check_artifacts(cleaned([]), before, after, {}, set(), 100, 0)  # deleted without saying so
    assert check_artifacts(cleaned([(package, "p2")], foreign=0), before, after, {}, set(), 100, 0)
    no_sidecar = {k: v for k, v in after.items() if k[0] != package + ".sha256"}
    assert check_artifacts(cleaned([(package, "p2"), (package + ".sha256", "s1")]), before, no_sidecar, {},
                           set(), 100, 0)
    gone_foreign = {k: v for k, v in after.items() if k[0] != "model/notes.txt"}
    assert check_artifacts(cleaned([(package, "p2"), ("model/notes.txt", "f1")]), before, gone_foreign, {},
                           {("model/notes.txt", "f1")}, 100, 0)
    young = cleaned([(package, "p2")], [{"key": package, "version-id": "p1", "why": "younger than --older-than"}])
    assert check_artifacts(young, before, after, {}, set(), 100, 0)  # uploaded 100 s before: not younger than 0 s


def test_check_runtime_drift_reports_drift_said_or_left_unsaid():
    a, b = "arn:aws:lambda:us-east-1::runtime:" + "a" * 64, "arn:aws:lambda:us-east-1::runtime:" + "b" * 64
    drift = {"stable-version": "2", "stable-runtime-version": a, "version": "3", "runtime-version": b,
             "decision": "warn"}
    said = run(document=json.dumps({"published-version": "3", "runtime-drift": drift}))
    assert not check_runtime_drift(said, "2", a, b)
    assert check_runtime_drift(said, "2", a, a)
    assert check_runtime_drift(run(document='{"published-version": "3"}'), "2", a, b)
    assert not check_runtime_drift(run(document='{"published-version": "3"}'), "2", a, a)
    failing = run(("deploy", "--runtime-drift", "fail"), document=said.stdout)
    assert check_runtime_drift(failing, "2", a, b) == [f"runtime-drift {drift}, expected {{**drift, 'decision': 'fail'}}"
                                                       .replace("{**drift, 'decision': 'fail'}",
                                                                str({**drift, "decision": "fail"}))]


def test_check_hook_environment_reports_what_a_hook_should_not_have():
    def run(argv, text):
        return Run(argv, 0, "", "", {"hook-env-pre.txt": text})
    assert not check_hook_environment(run(["deploy"], "PATH=/bin\nLAMBDA_SHIFT_HOOK_CREDENTIALS=none\n"))
    assert check_hook_environment(run(["deploy"], "LAMBDA_SHIFT_HOOK_CREDENTIALS=none\nAWS_ACCESS_KEY_ID=AKID\n"))
    assert check_hook_environment(run(["deploy"], "LAMBDA_SHIFT_HOOK_CREDENTIALS=none\nCI_JOB_TOKEN=x\n"))
    assert not check_hook_environment(run(["deploy", "--hook-credentials", "deploy"],
                                          "LAMBDA_SHIFT_HOOK_CREDENTIALS=deploy\nAWS_ACCESS_KEY_ID=AKID\n"))
