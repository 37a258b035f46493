"""Each bug of model_state.KNOWN_BUGS as one explicit scenario against the twin: those of the brief,
the ones the model test found (S1 …), and the twin's own gap (T1).

While a bug's id is in model_state.PENDING_FIXES its test is xfail(strict=True): it fails as the
bug is, and once the binary (or the twin) is fixed the unexpected pass fails the run, saying to
remove the id, which also lets the state machine explore the scenario again. Fixed, a test stays
as the regression test of its bug."""

import json
import signal
import time

import pytest

import model_state as ms
import model_web as mw
from model_harness import BINARY, Runner
from model_state import ALIAS, FUNCTION, KNOWN_BUGS, PENDING_FIXES


def known_bug(bug: str):
    return pytest.mark.xfail(bug in PENDING_FIXES, reason=f"bug {bug}: {KNOWN_BUGS[bug]}", strict=True)


class Builds:
    """Deploy arguments for new code each time: a build directory rewritten with a counter."""

    def __init__(self, directory):
        self.source, self.count = directory, 0
        directory.mkdir()

    def deploy(self, shape, *extra):
        self.count += 1
        (self.source / "index.py").write_text(f"def handler(event, context):\n    return {self.count}\n")
        return ["deploy", "--function", FUNCTION, "--bucket", ms.BUCKET, "--source", str(self.source),
                "--key", f"regressions/{self.count}/package.zip", *shape, *extra]


@pytest.fixture
def runner(twin, tmp_path):
    """A fresh twin (function, alias live on version 1, bucket, alarm OK) and a local runner."""
    twin.reset_and_seed()
    return Runner(twin, tmp_path, "local")


@pytest.fixture
def builds(tmp_path):
    return Builds(tmp_path / "src")


def served(twin):
    alias = twin.observe()
    return alias.primary, alias.weights, alias.history


def test_the_machines_scenarios_start_from_a_working_deploy(twin, runner, builds):
    """Not a bug: the baseline every scenario below departs from (a gradual deploy that passes)."""
    run = runner.run(*builds.deploy(ms.GRADUAL))
    assert (run.exit_code, run.document["outcome"]) == (0, "deployed"), run.stderr
    assert served(twin) == ("2", {}, ms.History(good=("2",)))


@known_bug("1")
def test_an_alarm_that_flaps_within_a_bake_fails_the_gate(twin, runner, builds):
    started = runner.start(*builds.deploy(ms.GRADUAL))
    assert twin.wait_split(started.process)
    twin.set_alarm("ALARM")
    time.sleep(0.1)
    twin.set_alarm("OK")
    run = started.finish()
    assert (run.exit_code, run.document["outcome"]) == (3, "rolled-back"), run.stdout
    assert served(twin) == ("1", {}, ms.History(failed=("2",)))


@known_bug("2")
@pytest.mark.parametrize("target", [["--function", "model-missing"], ["--function", FUNCTION, "--alias", "missing"]],
                         ids=["function", "alias"])
def test_advance_naming_a_missing_function_or_alias_is_exit_2(twin, runner, target):
    run = runner.run("advance", *target, *ms.DETACHED)
    assert (run.exit_code, run.document["outcome"]) == (2, "failed"), run.stdout


@known_bug("3")
def test_advance_before_the_step_is_due_rolls_back_on_an_alarm_in_alarm(twin, runner, builds):
    assert runner.run(*builds.deploy(ms.DETACHED), "--detach").exit_code == 0
    twin.set_alarm("ALARM")
    run = runner.run("advance", "--function", FUNCTION, *ms.DETACHED)
    assert (run.exit_code, run.document["outcome"]) == (3, "rolled-back"), run.stdout
    assert served(twin) == ("1", {}, ms.History(failed=("2",)))


@known_bug("4")
def test_rollback_to_a_version_records_the_version_it_leaves_as_rolled_back(twin, runner, builds):
    assert runner.run(*builds.deploy(ms.STAGING)).exit_code == 0
    run = runner.run("rollback", "--function", FUNCTION, "--to-version", "1")
    assert (run.exit_code, run.document["outcome"]) == (0, "rolled-back"), run.stdout
    assert served(twin) == ("1", {}, ms.History(good=("2",), rolled_back=("2",)))


@known_bug("6")
def test_sighup_mid_bake_restores_the_alias_like_sigterm(twin, runner, builds):
    started = runner.start(*builds.deploy(ms.GRADUAL))
    assert twin.wait_split(started.process)
    time.sleep(0.3)
    started.process.send_signal(signal.SIGHUP)
    run = started.finish()
    assert (run.exit_code, (run.document or {}).get("outcome")) == (4, "cancelled"), run.stderr[-500:]
    assert served(twin) == ("1", {}, ms.History())


@known_bug("9")
def test_a_version_is_recorded_good_only_after_its_post_traffic_command_passed(twin, runner, tmp_path, builds):
    snapshot = tmp_path / "during-hook.json"
    hook = f"{BINARY} status --function {FUNCTION} --output json > {snapshot}; exit 1"
    run = runner.run(*builds.deploy(ms.STAGING, "--hook-credentials", "deploy", "--post-traffic-command", hook))
    assert (run.exit_code, run.document["outcome"]) == (3, "rolled-back"), run.stdout
    during = json.loads(snapshot.read_text())["history"]
    assert "2" not in during["good"], f"version 2 was recorded good while its post-traffic command ran: {during}"
    assert served(twin) == ("1", {}, ms.History(failed=("2",)))


@known_bug("S1")
def test_a_deploy_after_promoting_a_detached_rollout_is_not_refused(twin, runner, builds):
    """Found while modelling detached rollouts: `deploy --detach` (version 2 at 25 %), `promote` (the
    alias on 2 alone, as the refusal itself advises: "end it with promote or rollback, then
    deploy"), then an AllAtOnce deploy was refused with exit 2 "A detached rollout of version 2 is
    in progress": the record promote left in the description matched the alias for a strategy with
    no weighted step (RolloutRecord.matches, checked by Preflight)."""
    assert runner.run(*builds.deploy(ms.DETACHED), "--detach").exit_code == 0
    assert runner.run("promote", "--function", FUNCTION).exit_code == 0
    run = runner.run(*builds.deploy(ms.STAGING))
    assert (run.exit_code, run.document["outcome"]) == (0, "deployed"), run.stdout
    assert served(twin)[0] == "3"


@known_bug("S2")
def test_an_advance_refused_for_other_settings_reports_no_version_of_a_split_alias(twin, runner, builds):
    """Found by the model test (shrunk to two steps): `deploy --detach` (version 1 at 75 %, 2 at 25 %),
    then `advance` with another strategy was refused (exit 2, right) with `"version": "1"` in its
    document, the record's old version, while the alias is split: the `version` output is the
    version the alias serves when the run ends (PRODUCT.md, "Truth in every report"), so a split
    alias has none (as a failed restore, exit 5, reports none)."""
    assert runner.run(*builds.deploy(ms.DETACHED), "--detach").exit_code == 0
    run = runner.run("advance", "--function", FUNCTION, *ms.DETACHED_OTHER)
    assert run.exit_code == 2, run.stdout
    assert run.document.get("version", "") == "", f"reports version {run.document['version']}; the alias is split"


@known_bug("S3")
def test_a_deploy_after_a_hand_move_onto_the_rollouts_version_is_not_refused(twin, runner, builds):
    """Found while modelling S1's neighbour: `deploy --detach` (version 2 at 25 %), then someone puts
    the alias on version 2 alone by hand (the console, Terraform), which ends the rollout
    (docs/DEPLOY.md: "a hand move ends the rollout"); an AllAtOnce deploy was then refused with exit 2
    "A detached rollout of version 2 is in progress on alias live (step 1 of 2, version 2)": the
    record left in the description matched the alias for a strategy with no weighted step
    (RolloutRecord.matches in Preflight), as in S1 after promote."""
    assert runner.run(*builds.deploy(ms.DETACHED), "--detach").exit_code == 0
    twin.move_alias("2")
    run = runner.run(*builds.deploy(ms.STAGING))
    assert (run.exit_code, run.document["outcome"]) == (0, "deployed"), run.stdout


@known_bug("S4")
def test_a_deploy_that_completes_closes_a_detached_record_a_hand_move_left(twin, runner, builds):
    """Found by the model test (scripts/hunt --bug S4): `deploy --detach` (version 2 at 25 %), a hand
    move back to version 1 (ending the rollout), then a deploy of version 3 that completed: the
    description still held the record, so `status` showed a detached rollout of version 2 due for a
    check, and the next `advance` exited 1 with "Someone moved alias live by hand (it serves version
    3)", the version lambda-shift itself had just deployed. A deploy whose post-traffic command passed
    closed it (RolloutEngine.recordSucceeded); one without kept it (the flip's history.succeeded)."""
    assert runner.run(*builds.deploy(ms.DETACHED), "--detach").exit_code == 0
    twin.move_alias("1")
    run = runner.run(*builds.deploy(ms.STAGING))
    assert (run.exit_code, run.document["outcome"]) == (0, "deployed"), run.stdout
    assert twin.observe().record is None, twin.observe().description
    after = runner.run("advance", "--function", FUNCTION, *ms.DETACHED)
    assert (after.exit_code, after.document["outcome"]) == (0, "nothing-to-do"), after.stdout


@known_bug("T1")
def test_the_twin_never_reuses_a_version_number(twin, runner, builds):
    """Found by the model test, in the twin: moto 5.2.1 numbers a new version len(versions) + 1, so
    after DeleteFunction of a version PublishVersion answers a number that exists (here a second
    version 4). Lambda never reuses a version number."""
    for _ in range(3):
        assert runner.run(*builds.deploy(ms.STAGING)).exit_code == 0
    twin.delete_version("2")
    assert runner.run(*builds.deploy(ms.STAGING)).exit_code == 0
    numbers = [v["Version"] for v in twin.lambda_.list_versions_by_function(FunctionName=FUNCTION)["Versions"]]
    assert numbers == ["$LATEST", "1", "3", "4", "5"], numbers
    assert twin.lambda_.get_alias(FunctionName=FUNCTION, Name=ALIAS)["FunctionVersion"] == "5"


@known_bug("S5")
@pytest.mark.parametrize("how", ["cleanup", "keep-versions"])
def test_cleanup_and_keep_versions_keep_the_rollback_target_when_a_newer_good_version_was_deleted(
        twin, runner, builds, how):
    """Found by the model test (issue 37): the alias on version 4, its history good=4,3,2, version 3
    deleted by hand. `rollback` returns to version 2 (the last good version still published,
    RollbackChoice), but VersionsInUse protects DeployHistory.lastGood(excluding: 4) = 3, the deleted
    one, so `cleanup --keep-versions 1` (after removing a preview alias) deletes version 2: the alias's
    rollback target, which docs/DEPLOY.md ("Housekeeping") says is never deleted; `rollback` then has
    no good version to return to. The same in `deploy --keep-versions 1` (the alias moved to 2 by hand,
    4 deleted, then version 5 deployed: good=5,4,3,2, target 3, pruned)."""
    for _ in range(3):
        assert runner.run(*builds.deploy(ms.STAGING)).exit_code == 0
    if how == "cleanup":
        twin.delete_version("3")  # good=4,3,2, the alias on 4: the rollback target is 2
        twin.create_preview_alias(ms.PREVIEW_ALIAS, "1")
        run = runner.run("cleanup", "--function", FUNCTION, "--branch", ms.PREVIEW_BRANCH, "--keep-versions", "1")
        target = "2"
    else:
        twin.move_alias("2")  # by hand: good=4,3,2 kept
        twin.delete_version("4")
        run = runner.run(*builds.deploy(ms.STAGING, "--keep-versions", "1"))  # version 5, good=5,4,3,2
        target = "3"
    assert run.exit_code == 0, run.stdout
    assert target in twin.observe().versions, f"version {target}, the rollback target, was deleted: {run.stdout}"


# --- Web functions (issue 38), found by test_web_model.py -------------------------------------------

class WebBuilds(Builds):
    """Deploy arguments of `deploy --web-function model-web` (seeded with two revisions, endpoint live on
    the second, in `mode`)."""

    def web(self, shape, *extra):
        args = self.deploy(shape, *extra)
        return ["deploy", "--web-function", mw.WEB_FUNCTION, *args[3:]]


@pytest.fixture
def web(twin, tmp_path):
    from test_web_model import WebTwin
    return WebTwin(twin)


def seed_web(web, mode):
    return web.seed(mode)


@known_bug("W1")
def test_a_web_deploy_keeps_the_endpoints_earlier_history(twin, runner, web, tmp_path):
    """Two staging deploys of a web function: after the second the description should read
    good=SECOND,FIRST (as an alias's does, version numbers aside); it reads good=SECOND. A canary that
    fails between them loses its failed= entry the same way."""
    seed_web(web, "Disabled")
    builds = WebBuilds(tmp_path / "web-src")
    first = runner.run(*builds.web(mw.WEB_STAGING))
    second = runner.run(*builds.web(mw.WEB_STAGING))
    assert (first.exit_code, second.exit_code) == (0, 0), second.stderr
    found = web.observe().history
    assert found.good == (second.document["revision-id"], first.document["revision-id"]), found


@known_bug("W2")
def test_a_web_deploy_waits_for_its_mode_restore_and_the_next_deploy_goes_through(twin, runner, web, tmp_path):
    """An endpoint in LatestRevision: a staging deploy sets it Disabled, moves it, then sends the update
    that puts LatestRevision back and exits 0 saying "endpoint live is back in LatestRevision mode" while
    that update is still InProgress (it never reads it again). A deploy started right after is refused:
    "UpdateWebFunctionEndpoint was refused: ConflictException: Endpoint live of web function model-web has
    an update in progress" (exit 1)."""
    seed_web(web, "LatestRevision")
    builds = WebBuilds(tmp_path / "web-src")
    first = runner.run(*builds.web(mw.WEB_STAGING))
    assert first.exit_code == 0, first.stderr
    assert web.sample()[2] != "InProgress", "the run exited with its mode-restore update still InProgress"
    second = runner.run(*builds.web(mw.WEB_STAGING))
    assert (second.exit_code, second.document["outcome"]) == (0, "deployed"), second.stdout


def start_split_canary(runner, web, tmp_path):
    """A web canary (a 3 s bake) started, once its 50/50 split has settled: the bake has begun."""
    started = runner.start(*WebBuilds(tmp_path / "web-src").web(mw.WEB_CANARY_LONG))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        mode, weights, status = web.sample()
        if len(weights) == 2 and status == "Successful":
            return started
        time.sleep(0.02)
    raise AssertionError(f"the canary never split the endpoint: {started.finish().stderr[-800:]}")


@known_bug("W3")
def test_a_web_canary_left_as_someone_else_set_it_does_not_then_serve_the_new_revision(twin, runner, web, tmp_path):
    """The endpoint in LatestRevision on revision R: a canary sets it Disabled, builds revision N and
    splits 50/50; someone else puts it back on R at 100 mid-bake; the run exits 1 ("left as they set it"),
    then restores LatestRevision with an update naming no weights, which routes the endpoint to the
    newest Active revision: N, ungated, at 100, over the other writer's R."""
    revisions = seed_web(web, "LatestRevision")
    started = start_split_canary(runner, web, tmp_path)
    web.set_endpoint(weights=[{"revisionId": revisions[1], "weight": 100}])
    run = started.finish()
    assert run.exit_code == 1, run.stdout
    assert web.observe().weights == {revisions[1]: 100}, f"serves {web.observe().weights}: {run.stderr[-800:]}"


@known_bug("W3")
def test_a_web_canary_rolled_back_on_an_alarm_keeps_serving_the_revision_found(twin, runner, web, tmp_path):
    """The endpoint in LatestRevision on revision R: a canary (canary:50%:1s, --alarm) sets it Disabled,
    builds N, splits 50/50; the alarm fires; the run restores R at 100 and exits 3 saying "rolled back to
    version R" (revision-id R), then puts LatestRevision back with no weights: the endpoint serves the
    failed revision N at 100."""
    revisions = seed_web(web, "LatestRevision")
    started = start_split_canary(runner, web, tmp_path)
    twin.set_alarm("ALARM")
    run = started.finish()
    assert (run.exit_code, run.document["revision-id"]) == (3, revisions[1]), run.stdout
    found = web.observe()
    assert (found.weights, found.mode) == ({revisions[1]: 100}, "LatestRevision"), found


@known_bug("W3")
def test_a_web_build_that_fails_leaves_the_endpoint_on_the_revision_found(twin, runner, web, tmp_path):
    """The endpoint in LatestRevision on revision 1 of 2 (someone moved it there): the next build fails;
    the run exits 1 ("no traffic moved, and endpoint live's LatestRevision mode was restored"), but the mode
    restore names no weights and routes the endpoint to revision 2, the newest Active one."""
    revisions = seed_web(web, "LatestRevision")
    web.set_endpoint(weights=[{"revisionId": revisions[0], "weight": 100}])
    web.behave(failNextBuild=True)
    run = runner.run(*WebBuilds(tmp_path / "web-src").web(mw.WEB_STAGING))
    assert run.exit_code == 1, run.stdout
    found = web.observe()
    assert (found.weights, found.mode) == ({revisions[0]: 100}, "LatestRevision"), found

