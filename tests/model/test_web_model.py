"""A model-based test of `deploy --web-function` (issue 38): a small state machine of its own (a web
function seeded alongside the alias's function, few examples) drives the binary against the twin's
Lambda Web Functions: staging deploys all at once, production canaries gated on the alarm (which
may fire before or during the bake), the endpoint's mode flipped between LatestRevision and Disabled
as someone else, a failing next build, someone else's weight change between runs and mid-bake, and
--endpoint-auto-deploy restore|disabled. It predicts each run with model_web.py and checks, after
every step, the endpoint against the model and the truth rules (model_web.check_*): what the document
says, what the endpoint serves, its mode, its history, the new revision's code and configuration, and
the LatestRevision trap (from the twin's request log, and from a watcher sampling the endpoint through
the control API, which counts no read).

Environment: MODEL_WEB_EXAMPLES (default 6), MODEL_WEB_STEPS (default 12), MODEL_SEED, MODEL_VERBOSE."""

import json
import os
import threading
import time
import urllib.parse

import botocore.config
import boto3
from hypothesis import HealthCheck, Phase, Verbosity, note, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

import model_state as ms
import model_web as mw
from model_harness import ACCESS_KEY, FLAVOURS, REGION, SECRETS, SECRET_KEY, Runner
from model_invariants import Run, check_document, check_exit_and_outcome, check_no_secrets
from model_state import BUCKET, History
from model_web import DISABLED, ENDPOINT, LATEST, WEB_FUNCTION, Endpoint, WebModel

EXAMPLES = int(os.environ.get("MODEL_WEB_EXAMPLES", "6"))
STEPS = int(os.environ.get("MODEL_WEB_STEPS", "12"))
SEED = int(os.environ.get("MODEL_SEED", "20261207"))
VERBOSE = os.environ.get("MODEL_VERBOSE") == "1"
INCLUDE_PENDING = os.environ.get("MODEL_INCLUDE_PENDING", "")


def pending(bug: str) -> bool:
    return ms.pending(bug, INCLUDE_PENDING)


# --- the checkers, each against an observation that breaks it -------------------------------------

def endpoint(weights, mode=DISABLED, description="", status="Successful") -> Endpoint:
    return Endpoint(dict(weights), mode, description, mw.parse_web_description(description), status,
                    frozenset(weights), frozenset())


def test_parse_web_description_reads_revision_ids():
    assert mw.parse_web_description("x [lambda-shift good=ab12,cd34 failed=ef56]") == History(
        ("ab12", "cd34"), ("ef56",))
    assert mw.parse_web_description("") == History()


def test_predict_web_deploy():
    model = WebModel(weights={"r2": 100}, mode=LATEST, code_of={"r1": -1, "r2": -2}, source=1)
    assert mw.predict_web_deploy(model, "canary").after.weights == {"NEW": 100}
    assert mw.predict_web_deploy(model, "staging", auto_deploy="disabled").after.mode == DISABLED
    failed = mw.predict_web_deploy(model.evolve(build_armed=True), "staging", auto_deploy="disabled")
    assert (failed.exit_code, failed.after.mode, failed.after.weights) == (1, LATEST, {"r2": 100})
    fired = mw.predict_web_deploy(model, "canary", "fire")
    assert (fired.exit_code, fired.after.weights, fired.after.history.failed) == (3, {"r2": 100}, ("NEW",))
    assert mw.predict_web_deploy(model.evolve(alarm="ALARM"), "canary").exit_code == 2
    assert mw.predict_web_deploy(model.evolve(weights={"r1": 50, "r2": 50}), "staging").exit_code == 2
    assert mw.predict_web_deploy(model.evolve(code_of={"r2": 1}), "staging").outcome == "skipped"
    assert mw.named(fired.after, "r3").history.failed == ("r3",)


def test_check_web_truth_reports_each_broken_rule():
    before = endpoint({"r1": 100}, LATEST, "[lambda-shift good=r1 failed=]")
    good = endpoint({"r2": 100}, LATEST, "[lambda-shift good=r2,r1 failed=]")
    ok = {"outcome": "deployed", "revision-id": "r2", "previous-revision-id": "r1"}
    assert not mw.check_web_truth(ok, 0, before, good, "r2", "restore", False)
    assert mw.check_web_truth({**ok, "revision-id": "r1"}, 0, before, good, "r2", "restore", False)
    assert mw.check_web_truth(ok, 0, before, endpoint({"r2": 100}, DISABLED, good.description), "r2", "restore",
                              False)  # mode not restored
    assert not mw.check_web_truth(ok, 0, before, endpoint({"r2": 100}, DISABLED, good.description), "r2", "restore",
                                  False, restore_refused_said=True)  # refused, and said
    assert mw.check_web_truth(ok, 0, before, good, "r2", "disabled", False)  # kept on though `disabled`
    assert not mw.check_web_truth(ok, 0, before, endpoint({"r2": 100}, DISABLED, good.description), "r2",
                                  "disabled", False)
    rolled = endpoint({"r1": 100}, LATEST, "[lambda-shift good=r1 failed=r2]")
    back = {"outcome": "rolled-back", "revision-id": "r1"}
    assert not mw.check_web_truth(back, 3, before, rolled, "r2", "restore", False)
    assert mw.check_web_truth(back, 3, before, endpoint({"r2": 100}, LATEST, rolled.description), "r2", "restore",
                              False)  # not what it served before
    assert mw.check_web_truth(back, 3, before, before, "r2", "restore", False)  # not recorded failed
    assert mw.check_web_truth(back, 3, before, endpoint({"r1": 90, "r2": 10}, LATEST, rolled.description), "r2",
                              "restore", False)  # split
    built = {"outcome": "failed"}
    assert not mw.check_web_truth(built, 1, before, before, "r2", "disabled", True)
    assert mw.check_web_truth(built, 1, before, endpoint({"r1": 100}, DISABLED, before.description), "r2",
                              "restore", True)
    assert mw.check_web_truth(built, 1, before, endpoint({"r1": 100}, LATEST, good.description), "r2", "restore",
                              True)  # recorded good


def test_check_new_revision_reports_other_code_or_configuration():
    document = {"s3-key": "k", "s3-version-id": "v"}
    record = {"s3Object": {"bucket": "b", "key": "k", "versionId": "v"}}
    config = {"buildConfig": {"codeConfig": {"s3Object": {"key": "old"}}, "runtimeConfig": {"runtime": "nodejs22.x"}},
              "serviceConfig": {"executionRoleArn": "role"}}
    same = {**config, "buildConfig": {**config["buildConfig"], "codeConfig": {"s3Object": {"key": "k"}}}}
    assert not mw.check_new_revision(document, record, "b", config, same)
    assert mw.check_new_revision({**document, "s3-version-id": "w"}, record, "b", config, same)
    other = {**same, "serviceConfig": {"executionRoleArn": "other"}}
    assert mw.check_new_revision(document, record, "b", config, other)


def test_check_trap_and_samples_report_the_new_revision_served_ungated():
    good = ["ListWebFunctionEndpoints", "UpdateWebFunctionEndpoint", "GetWebFunctionEndpoint",
            "GetWebFunctionEndpoint", "CreateWebFunctionRevision"]
    assert not mw.check_trap(good, LATEST, 1)
    assert mw.check_trap(good, LATEST, 2)  # not waited for
    assert mw.check_trap(["CreateWebFunctionRevision", "UpdateWebFunctionEndpoint"], LATEST, 1)
    assert not mw.check_trap(["CreateWebFunctionRevision"], DISABLED, 1)
    assert mw.check_samples([(LATEST, {"r1": 100}), (LATEST, {"r2": 100})], "r2", 0, True)
    assert not mw.check_samples([(DISABLED, {"r1": 50, "r2": 50}), (LATEST, {"r2": 100})], "r2", 0, True)
    assert mw.check_samples([(DISABLED, {"r2": 100}), (DISABLED, {"r1": 100})], "r2", 3, True)
    assert mw.check_settled("InProgress") and not mw.check_settled("Successful")


def test_check_endpoint_matches_reports_each_difference():
    model = WebModel(weights={"r2": 100}, mode=LATEST, history=History(("r2", "r1"), ("r3",)))
    found = endpoint({"r2": 100}, LATEST, "[lambda-shift good=r2,r1 failed=r3]")
    assert not mw.check_endpoint_matches(found, model)
    assert len(mw.check_endpoint_matches(endpoint({"r1": 100}, DISABLED, "[lambda-shift good=r2]"), model)) == 3
    assert mw.check_endpoint_matches(endpoint({"r2": 100}, LATEST, "[lambda-shift good=r2 failed=]"), model)
    assert not mw.check_endpoint_matches(endpoint({"r2": 100}, LATEST, "[lambda-shift good=r2 failed=]"), model,
                                         history_truncated=True)
    assert mw.check_endpoint_matches(endpoint({"r2": 100}, LATEST, "[lambda-shift good=r1 failed=]"), model,
                                     history_truncated=True)


# --- the twin's web function ------------------------------------------------------------------------

class WebTwin:
    """The web function's endpoint through the control API (no read counted) and through the API."""

    def __init__(self, twin):
        self.twin = twin
        session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                        region_name=REGION)
        self.web = session.client("lambda-web", endpoint_url=twin.endpoint,
                                  config=botocore.config.Config(retries={"max_attempts": 1}))

    def seed(self, mode: str) -> list:
        """model-web with two Active revisions (code in the model's bucket), endpoint live on the second."""
        answer = self.twin.control("/_twin/web-function", {
            "name": WEB_FUNCTION, "bucket": BUCKET, "revisions": 2,
            "endpoint": {"name": ENDPOINT, "autoDeploymentMode": mode}})
        self.behave(buildPolls=1, updatePolls=1)
        return [r["revisionId"] for r in answer["revisions"]]

    def behave(self, **knobs):
        return self.twin.control("/_twin/web-behaviour", knobs)

    def state(self) -> dict:
        return self.twin.control("/_twin/web-function?" + urllib.parse.urlencode({"name": WEB_FUNCTION}))

    def observe(self) -> Endpoint:
        """The endpoint once no update of it is in flight: read through the API (each read a poll, as any
        reader's) until its updateStatus settles."""
        for _ in range(50):
            if self.state()["endpoints"][ENDPOINT].get("updateStatus") != "InProgress":
                break
            self.web.get_web_function_endpoint(functionName=WEB_FUNCTION, endpointName=ENDPOINT)
        state = self.state()
        ep = state["endpoints"][ENDPOINT]
        revisions = state["revisions"]
        return Endpoint({w["revisionId"]: w["weight"] for w in ep.get("revisionWeights", [])},
                        ep["autoDeploymentMode"], ep.get("description", ""),
                        mw.parse_web_description(ep.get("description", "")), ep.get("updateStatus", ""),
                        frozenset(r["revisionId"] for r in revisions if r["state"] == "Active"),
                        frozenset(r["revisionId"] for r in revisions if r["state"] == "Failed"))

    def revision_config(self, revision: str) -> dict:
        answer = self.web.get_web_function_revision(functionName=WEB_FUNCTION, revisionId=revision)
        return {"buildConfig": answer.get("buildConfig"), "serviceConfig": answer.get("serviceConfig")}

    def set_endpoint(self, **changes):
        self.twin.control("/_twin/web-endpoint", {"function": WEB_FUNCTION, "endpoint": ENDPOINT, **changes})

    def sample(self):
        ep = self.state()["endpoints"][ENDPOINT]
        return ep["autoDeploymentMode"], {w["revisionId"]: w["weight"] for w in ep.get("revisionWeights", [])}, \
            ep.get("updateStatus")


class Watcher:
    """Samples the endpoint (mode, weights) every 20 ms while a run is in progress."""

    def __init__(self, web: WebTwin):
        self.web, self.samples, self.stop = web, [], threading.Event()
        self.thread = threading.Thread(target=self.watch, name="web-watcher", daemon=True)

    def watch(self):
        while not self.stop.is_set():
            try:
                self.samples.append(self.web.sample())
            except Exception:  # the twin answering slowly: the next sample
                pass
            time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=5)

    def wait(self, condition, process, timeout=30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.samples and condition(*self.samples[-1]):
                return True
            if process.poll() is not None:
                return False
            time.sleep(0.01)
        return False


# --- the state machine --------------------------------------------------------------------------

OPERATIONS = (
    ("staging:restore", 3), ("staging:disabled", 2), ("redeploy:restore", 1),
    ("canary:pass", 3), ("canary:fire", 2), ("canary:other", 2), ("canary:pass_disabled", 1),
    ("canary:restore_fails", 1),
    ("set_mode:LatestRevision", 2), ("set_mode:Disabled", 1), ("arm_build_failure:", 2),
    ("someone_else:whole", 1), ("someone_else:split", 1), ("someone_else:back", 1),
    ("set_alarm:ALARM", 1), ("set_alarm:OK", 3),
)


class Context:
    def __init__(self, twin, workdir, validator, tally):
        self.twin, self.workdir, self.validator, self.tally = twin, workdir, validator, tally
        self.web = WebTwin(twin)


class WebMachine(RuleBasedStateMachine):
    def __init__(self, context: Context):
        super().__init__()
        self.ctx, self.web = context, context.web
        self.model = WebModel()
        self.counted = True

    @initialize(flavour=st.sampled_from(FLAVOURS), mode=st.sampled_from((LATEST, DISABLED)))
    def fresh_twin(self, flavour, mode):
        self.ctx.tally.examples += 1
        self.ctx.twin.reset_and_seed()
        self.seeded = self.web.seed(mode)
        example = self.ctx.workdir / f"web-example-{self.ctx.tally.examples}"
        self.runner = Runner(self.ctx.twin, example, flavour)
        self.source = example / "src"
        self.source.mkdir(parents=True)
        self.model = WebModel(weights={self.seeded[1]: 100}, mode=mode,
                              code_of={self.seeded[0]: -1, self.seeded[1]: -2})
        self.write_build()
        self.counted = False
        note(f"a fresh twin: {WEB_FUNCTION} endpoint {ENDPOINT} on revision {self.seeded[1]} ({mode}); "
             f"commands run as {flavour}")

    @rule(data=st.data())
    def step(self, data):
        ops = [op for op, base in OPERATIONS for _ in range(self.weight(op, base))]
        op = data.draw(st.sampled_from(ops), label="op")
        pick = data.draw(st.integers(min_value=0, max_value=40), label="pick")
        kind, _, variant = op.partition(":")
        getattr(self, "do_" + kind)(variant, pick)

    def weight(self, op, base):
        kind, _, variant = op.partition(":")
        m = self.model
        if kind == "set_mode":
            return 0 if m.mode == variant else base
        if kind == "set_alarm":
            return 0 if m.alarm == variant else base
        if kind == "canary" and m.alarm == "ALARM":
            return 1 if variant == "pass" else 0
        if kind == "arm_build_failure":
            return 0 if m.build_armed else base
        if kind == "someone_else" and variant == "back":
            return base * 3 if m.split else 0
        if kind == "canary" and variant in ("fire", "other") and m.mode == LATEST and pending("W3"):
            return 0  # the mode restored without weights serves the new revision (W3)
        if kind in ("staging", "redeploy", "canary") and m.mode == LATEST and m.build_armed and pending("W3") \
                and m.served != list(m.code_of)[-1]:
            return 0  # the mode restored without weights serves the newest Active revision, not the one found (W3)
        if kind == "canary" and variant == "restore_fails":  # the restore never waited for (W2) goes unseen
            return base * 2 if m.mode == LATEST and not m.split and not pending("W2") else 0
        return base

    # helpers -------------------------------------------------------------------------------------

    def write_build(self):
        (self.source / "index.mjs").write_text(f"export const handler = async () => ({{ build: {self.model.source} }});\n")

    def new_build(self):
        self.model = self.model.evolve(source=self.model.source + 1)
        self.write_build()

    def args(self, shape, auto_deploy):
        return ["deploy", "--web-function", WEB_FUNCTION, "--bucket", BUCKET, "--source", str(self.source),
                "--key", f"web/build-{self.model.source}/package.zip", *shape,
                *(["--endpoint-auto-deploy", auto_deploy] if auto_deploy != "restore" else [])]

    def fail_on(self, problems, run=None):
        if not problems:
            return
        detail = "" if run is None else (f"\nrun: {self.runner.line(run.argv)} → exit {run.exit_code}\n"
                                          f"stdout: {run.stdout[:1500]}\nstderr (end): {run.stderr[-2000:]}")
        raise AssertionError("\n".join(problems) + detail + f"\nmodel: {self.model}")

    @invariant()
    def endpoint_as_modelled(self):
        found = self.web.observe()
        self.fail_on(mw.check_endpoint_matches(found, self.model, history_truncated=pending("W1")))
        if not self.counted:
            self.ctx.tally.steps += 1
        self.counted = False

    # deploys -------------------------------------------------------------------------------------

    def do_staging(self, auto_deploy, pick):
        self.new_build()
        self.deploy("staging", "pass", auto_deploy)

    def do_redeploy(self, auto_deploy, pick):
        self.deploy("staging", "pass", auto_deploy)

    def do_canary(self, event, pick):
        self.new_build()
        auto_deploy = "restore"
        if event == "pass_disabled":
            event, auto_deploy = "pass", "disabled"
        self.deploy("canary", event, auto_deploy)

    def deploy(self, kind, event, auto_deploy):
        model = self.model
        predicted_event = event
        expect = mw.predict_web_deploy(model, kind, predicted_event, auto_deploy)
        before = self.web.observe()
        polls = 1
        if event == "restore_fails":
            polls = 3  # the flip stays InProgress for three reads: time to arm the restore's failure
            self.web.behave(updatePolls=polls)
        # A change mid-bake (the alarm, someone else's weights) needs a bake it surely lands in.
        shape = mw.WEB_CANARY_LONG if event in ("other", "fire") else (
            mw.WEB_CANARY if kind == "canary" else mw.WEB_STAGING)
        self.ctx.twin.control("/_twin/requests/clear", {})
        old = model.served
        armed = None
        with Watcher(self.web) as watcher:
            started = self.runner.start(*self.args(shape, auto_deploy))
            if expect.exit_code != 2 and expect.outcome != "skipped" and not expect.build_fails:
                split = (lambda mode, weights, status: len(weights) == 2 and status == "Successful")
                if event == "fire" and watcher.wait(split, started.process):
                    self.ctx.twin.set_alarm("ALARM")
                    self.model = self.model.evolve(alarm="ALARM")
                    expect = mw.WebExpect(expect.exit_code, expect.outcome, expect.after.evolve(alarm="ALARM"),
                                          expect.why, expect.creates)
                    note("  the alarm set ALARM mid-bake")
                elif event == "other" and watcher.wait(split, started.process):
                    self.web.set_endpoint(weights=[{"revisionId": old, "weight": 100}])
                    note(f"  someone else put {ENDPOINT} back on {old} at 100 mid-bake")
                elif event == "restore_fails":
                    flipped = (lambda mode, weights, status: len(weights) == 1 and old not in weights
                               and mode == DISABLED)
                    if watcher.wait(flipped, started.process):
                        self.web.behave(failNextUpdate="model: the mode restore refused")
                        armed = True
                        note("  failNextUpdate armed while the flip settles (taken by the next endpoint update)")
            result = started.finish()
        if polls != 1:
            self.web.behave(updatePolls=1, failNextUpdate=None)
        requests = [r["operation"] for r in self.ctx.twin.control("/_twin/requests")
                    if r.get("service") == "lambda-web"]
        unsettled = mw.check_settled(self.web.sample()[2])
        after = self.web.observe()
        document = result.document or {}
        created = sorted((after.active | after.failed) - (before.active | before.failed))
        new = created[0] if len(created) == 1 else None
        note(f"{self.runner.line(result.argv)} → exit {result.exit_code} {document.get('outcome')} "
             f"revision-id {document.get('revision-id')}; expected {expect.exit_code} {expect.outcome} "
             f"({expect.why}){' [restore failure armed]' if armed else ''}")
        problems = check_document(result, self.ctx.validator) + check_no_secrets(result, SECRETS) \
            + check_exit_and_outcome(result, expect.exit_code, expect.outcome)
        if len(created) > 1:
            problems.append(f"the run created {len(created)} revisions: {created}")
        if expect.creates and new is None:
            problems.append("the run created no revision")
        if not expect.creates and created:
            problems.append(f"the run created revision(s) {created}, the model says none")
        if expect.build_fails and new is not None and new not in after.failed:
            problems.append(f"revision {new} is not Failed after a scripted build failure")
        problems += mw.check_web_truth(document, result.exit_code, before, after, new, auto_deploy,
                                       expect.build_fails,
                                       "could not be put back in LatestRevision mode" in result.stderr)
        if new is not None and not expect.build_fails and new in after.active:
            record = next(r for r in self.web.state()["revisions"] if r["revisionId"] == new)
            source = before.weights and next(iter(before.weights))
            problems += mw.check_new_revision(document, record, BUCKET, self.web.revision_config(source),
                                              self.web.revision_config(new))
        problems += mw.check_trap(requests, before.mode, polls)
        if not pending("W2"):  # while it is, observe() settles the update as the next reader would
            problems += unsettled
        problems += mw.check_samples([(m, w) for m, w, _ in watcher.samples], new, result.exit_code,
                                     kind == "canary")
        self.fail_on(problems, result)
        after_model = mw.named(expect.after, new)
        if new is not None and new in after.active:
            after_model = after_model.evolve(code_of={**after_model.code_of, new: self.model.source})
        if event == "other" and expect.exit_code != 2:  # a refused run saw no one else's change
            after_model = after_model.whole(old)
        self.model = after_model

    # what others do ---------------------------------------------------------------------------------

    def do_set_mode(self, mode, pick):
        self.web.set_endpoint(autoDeploymentMode=mode)
        note(f"someone else sets {ENDPOINT} to {mode}")
        self.model = self.model.evolve(mode=mode)

    def do_arm_build_failure(self, variant, pick):
        self.web.behave(failNextBuild=True)
        note("failNextBuild armed: the next revision created fails to build")
        self.model = self.model.evolve(build_armed=True)

    def do_someone_else(self, variant, pick):
        active = sorted(self.model.code_of, key=lambda r: (self.model.code_of[r], r))
        if variant == "whole" or variant == "back":
            choices = [r for r in active if r != self.model.served] or active
            revision = choices[pick % len(choices)]
            self.web.set_endpoint(weights=[{"revisionId": revision, "weight": 100}])
            note(f"someone else moves {ENDPOINT} to {revision} at 100")
            self.model = self.model.whole(revision)
        else:
            served = self.model.served or next(iter(self.model.weights))
            others = [r for r in active if r != served]
            other = others[pick % len(others)]
            weight = 10 + (pick % 8) * 10
            self.web.set_endpoint(weights=[{"revisionId": served, "weight": 100 - weight},
                                           {"revisionId": other, "weight": weight}])
            note(f"someone else splits {ENDPOINT}: {served} {100 - weight}, {other} {weight}")
            self.model = self.model.evolve(weights={served: 100 - weight, other: weight})

    def do_set_alarm(self, state, pick):
        self.ctx.twin.set_alarm(state)
        note(f"SetAlarmState {state}")
        self.model = self.model.evolve(alarm=state)


SETTINGS = settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
                    phases=(Phase.generate,), suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
                    verbosity=Verbosity.verbose if VERBOSE else Verbosity.normal)


def test_random_web_deploy_histories(twin, workdir, validator, tally):
    context = Context(twin, workdir, validator, tally)
    machine = seed(SEED)(lambda: WebMachine(context))
    run_state_machine_as_test(machine, settings=SETTINGS)
