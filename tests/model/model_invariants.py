"""The invariants the state machine checks after every step, each a plain function from
observations (a command's `Run`, the alias as `Observed`) to a list of violations (empty: it
holds). test_model.py unit-tests each against a hand-made observation that violates it, which is
how a checker is shown to fail when its rule is broken."""

import json
import re
from dataclasses import dataclass, field
from typing import Optional

from model_state import History, Model, Record

# Commands whose move of the alias is the tool's own choice: a plain `rollback`, `advance`, and
# the restore of a `deploy`. A pin (`rollback --to-version`) and `promote` are the operator's.
AUTOMATIC = ("deploy", "advance", "rollback")


@dataclass(frozen=True)
class Observed:
    """The alias as the twin holds it: primary, weights, description (parsed), and the
    function's published versions."""
    primary: str
    weights: dict
    description: str
    history: History
    record: Optional[Record]
    versions: frozenset  # published version numbers, $LATEST left out


@dataclass
class Run:
    """One run of the binary: its arguments, exit code, streams, and every file it wrote
    (GITHUB_OUTPUT, the step summary, GitLab's dotenv report, a hook's snapshot)."""
    argv: list
    exit_code: int
    stdout: str
    stderr: str
    files: dict = field(default_factory=dict)

    @property
    def command(self) -> str:
        return self.argv[0] if self.argv else ""

    @property
    def document(self) -> Optional[dict]:
        """The one JSON document of `--output json`, or None when stdout is not exactly one."""
        try:
            document = json.loads(self.stdout)
        except ValueError:
            return None
        return document if isinstance(document, dict) else None


# 1. The alias is split only while a run is in progress, a detached record says so, or the last
#    run ended with exit 5 and said so.
def check_split(alias: Observed, run_in_progress: bool, exit5_run: Optional[Run]) -> list:
    if not alias.weights or run_in_progress or "rollout=" in alias.description:
        return []
    if exit5_run is not None and exit5_run.exit_code == 5 and "ROLLBACK FAILED" in exit5_run.stdout + exit5_run.stderr:
        return []
    return [f"alias split {alias.primary} + {alias.weights} with no run in progress, no detached record "
            f"and no exit 5 that said so (description {alias.description!r})"]


# 2. Every version recorded good passed every gate of the run that recorded it.
def check_good_passed_gates(history: History, passed: frozenset) -> list:
    return [f"version {v} is recorded good but never passed every gate of a run (passed: {sorted(passed)})"
            for v in history.good if v not in passed]


# 3. No automatic choice moves traffic to a version recorded failed or rolled back.
def check_automatic_choice(command: str, pinned: bool, before: Observed, after: Observed) -> list:
    if command not in AUTOMATIC or pinned:
        return []
    served_before = {before.primary, *before.weights}
    marked = {*before.history.failed, *before.history.rolled_back, *after.history.failed, *after.history.rolled_back}
    moved_to = ({after.primary, *after.weights} - served_before) & marked
    return [f"{command} moved traffic to version {v}, recorded failed or rolled back "
            f"(history before {before.history}, after {after.history})" for v in sorted(moved_to)]


# 4. Exit codes and outcomes match the prediction; a missing resource is never exit 0.
def check_exit_and_outcome(run: Run, exit_code: int, outcome: str) -> list:
    found = run.document or {}
    problems = []
    if run.exit_code != exit_code:
        problems.append(f"exit {run.exit_code}, expected {exit_code}")
    if found.get("outcome") != outcome:
        problems.append(f"outcome {found.get('outcome')!r}, expected {outcome!r}")
    if found.get("exit-code") != run.exit_code:
        problems.append(f"the document says exit-code {found.get('exit-code')!r}, the process exited {run.exit_code}")
    return problems


def check_missing_never_zero(run: Run) -> list:
    return [f"{run.command} on a missing resource exited 0"] if run.exit_code == 0 else []


# 5. Every document validates against schema/output.schema.json; no secret reaches a stream or file.
def check_document(run: Run, validator) -> list:
    document = run.document
    if document is None:
        return [f"stdout is not one JSON document: {run.stdout[:200]!r}"]
    return [f"schema: {error.message} at {list(error.absolute_path)}" for error in validator.iter_errors(document)]


def check_no_secrets(run: Run, secrets: dict) -> list:
    """GitHub's `::add-mask::SECRET` is the one line that must carry a secret (the runner masks
    everything after it): it is left out of the scan."""
    stderr = "\n".join(line for line in run.stderr.splitlines() if not line.startswith("::add-mask::"))
    places = {"stdout": run.stdout, "stderr": stderr, **{f"file {name}": text for name, text in run.files.items()}}
    # As written, and as a JSON encoder that escapes "/" writes it.
    return [f"{what} ({secret!r}) in {where}" for what, secret in secrets.items()
            for where, text in places.items()
            if secret in text or secret.replace("/", "\\/") in text]


# 5b. A hook is told which AWS credentials it got, and got only those (issue 40): with the
#     default (`invoke`) and static keys, none at all; with `--hook-credentials deploy`, the
#     deploy's; never the CI's tokens (those the secrets scan finds in the environment it wrote).
def check_hook_environment(run: Run) -> list:
    problems = []
    deploy_asked = "--hook-credentials" in run.argv and run.argv[run.argv.index("--hook-credentials") + 1] == "deploy"
    for name, text in run.files.items():
        if not name.startswith("hook-env-"):
            continue
        variables = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
        told = variables.get("LAMBDA_SHIFT_HOOK_CREDENTIALS")
        has_keys = "AWS_ACCESS_KEY_ID" in variables
        expected = "deploy" if deploy_asked else "none"
        if told != expected or has_keys != deploy_asked:
            problems.append(f"{name}: the hook was told {told!r} and {'had' if has_keys else 'had no'} AWS keys; "
                            f"expected {expected!r}")
        for token in ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "GITHUB_TOKEN", "CI_JOB_TOKEN"):
            if token in variables:
                problems.append(f"{name}: the hook received {token}")
    return problems


# 6. The alias (version, weights, history, detached record) matches the model's prediction.
def check_alias_matches(alias: Observed, model: Model) -> list:
    problems = []
    if alias.primary != model.primary:
        problems.append(f"alias on version {alias.primary}, the model says {model.primary}")
    if set(alias.weights) != set(model.weights) or any(
            abs(alias.weights[v] - model.weights[v]) > 1e-9 for v in model.weights if v in alias.weights):
        problems.append(f"weights {alias.weights}, the model says {model.weights}")
    if alias.history != model.history:
        problems.append(f"history {alias.history}, the model says {model.history}")
    found, want = alias.record, model.record
    if (found is None) != (want is None):
        problems.append(f"detached record {found}, the model says {want}")
    elif found is not None:
        if (found.new, found.old, found.step, found.steps) != (want.new, want.old, want.step, want.steps):
            problems.append(f"detached record {found}, the model says {want}")
        if want.since and (found.since, found.due) != (want.since, want.due):
            problems.append(f"detached record's times {found.since}..{found.due} moved from {want.since}..{want.due}")
    if alias.versions != model.versions:
        problems.append(f"versions {sorted(alias.versions, key=int)}, the model says {sorted(model.versions, key=int)}")
    return problems


# 7. Truth in every report: the version a document says the alias serves is the one it serves.
def check_reported_alias(run: Run, alias: Observed) -> list:
    document = run.document or {}
    problems = []
    version = document.get("version")
    in_flight = document.get("outcome") in ("in-progress", "waiting")
    if run.command in ("deploy", "advance", "promote", "rollback") and version:
        if alias.weights and not (in_flight and version in alias.weights):
            problems.append(
                f"the document says version {version}; the alias is split {alias.primary} + {alias.weights}")
        elif not alias.weights and version != alias.primary:
            problems.append(f"the document says version {version}; the alias serves {alias.primary}")
    after = document.get("after")
    if isinstance(after, dict) and (after.get("version"), after.get("weights")) != (alias.primary, alias.weights):
        problems.append(f"the document says the alias is now {after}; it is {alias.primary} + {alias.weights}")
    if run.command == "status" and run.exit_code == 0:
        shown = document.get("alias") or {}
        if (shown.get("version"), shown.get("weights")) != (alias.primary, alias.weights):
            problems.append(f"status shows {shown}; the alias is {alias.primary} + {alias.weights}")
        history = document.get("history") or {}
        if (tuple(history.get("good", ())), tuple(history.get("failed", ())),
                tuple(history.get("rolled-back", ()))) != (alias.history.good, alias.history.failed,
                                                           alias.history.rolled_back):
            problems.append(f"status shows history {history}; the description holds {alias.history}")
        if (document.get("detached") is None) != (alias.record is None):
            problems.append(f"status shows detached {document.get('detached')}; the record is {alias.record}")
    return problems


# 8. The canary judged from the logs (`log-analysis`, one entry per weighted step) tells the truth:
#    a deployed run failed no metric and passed every metric of its last step (unless it was told
#    `--on-inconclusive proceed`: then a metric may still be inconclusive, never failed); no metric
#    passes over no samples (the new version's reports, and the stable one's for a comparison); a
#    duration judged (pass or fail) has both medians; a run rolled back by the judge names the
#    failing metric in its error, with the very medians the document holds for it.
COMPARED = ("duration", "init duration", "error rate increase")  # judged against the stable version
_MEDIANS = re.compile(r"(?P<metric>[a-z ]+): version (?P<version>\S+) median (?P<median>[0-9.]+) ms vs "
                      r"(?P<stable>[0-9.]+) ms on version (?P<stable_version>[^,\s]+),")


def _near(shown: str, value) -> bool:
    """A median as a sentence shows it (one decimal, CanaryLimits.milliseconds) against the document's."""
    try:
        return isinstance(value, (int, float)) and abs(float(shown) - value) <= 0.0501
    except ValueError:
        return False


def check_log_analysis(run: Run) -> list:
    document = run.document or {}
    steps = document.get("log-analysis")
    if steps is None:
        return []
    if not isinstance(steps, list) or not steps:
        return [f"log-analysis is {steps!r}: absent or a list of steps, never empty"]
    problems = []
    for step in steps:
        weight = step.get("weight")
        for m in step.get("metrics") or []:
            name, verdict = m.get("metric"), m.get("verdict")
            if verdict == "pass" and (m.get("invocations", 0) < 1 or (
                    name in COMPARED and m.get("stable-invocations", 0) < 1)):
                problems.append(f"log-analysis at {weight}: {name} passed over {m.get('invocations')} invocation(s) "
                                f"of version {m.get('version')} and {m.get('stable-invocations')} of the stable one")
            if name == "duration" and verdict in ("pass", "fail") and not (
                    isinstance(m.get("median"), (int, float)) and isinstance(m.get("stable-median"), (int, float))):
                problems.append(f"log-analysis at {weight}: duration {verdict} without both medians "
                                f"(median {m.get('median')!r}, stable-median {m.get('stable-median')!r})")
    outcome, error = document.get("outcome"), document.get("error") or ""
    last = steps[-1].get("metrics") or []
    if outcome == "deployed":
        proceed = "--on-inconclusive" in run.argv and run.argv[run.argv.index("--on-inconclusive") + 1:][:1] == [
            "proceed"]
        failed = [f"{m.get('metric')} at {step.get('weight')}" for step in steps for m in step.get("metrics") or []
                  if m.get("verdict") == "fail"]
        if failed:
            problems.append(f"deployed, but the log judge failed {', '.join(failed)}")
        unpassed = [f"{m.get('metric')} {m.get('verdict')}" for m in last
                    if m.get("verdict") != "pass" and not (proceed and m.get("verdict") == "inconclusive")]
        if unpassed:
            problems.append(f"deployed, but the last step's metrics are not all passed: {', '.join(unpassed)}")
        if not last:
            problems.append("deployed, but the last step of log-analysis judged no metric")
    if outcome == "rolled-back":
        for m in (m for m in last if m.get("verdict") == "fail"):
            name = m.get("metric")
            if f"{name}: " not in error:
                problems.append(f"rolled back on {name} by the log judge, but the error does not name it: {error!r}")
                continue
            if name == "duration":
                said = next((f for f in _MEDIANS.finditer(error) if f["metric"].endswith(name)), None)
                if said is None or not (said["version"] == m.get("version") and said["stable_version"] == m.get(
                        "stable-version") and _near(said["median"], m.get("median"))
                                         and _near(said["stable"], m.get("stable-median"))):
                    problems.append(f"the error's duration medians are not the document's (version "
                                    f"{m.get('version')} median {m.get('median')}, version {m.get('stable-version')} "
                                    f"{m.get('stable-median')}): {error!r}")
    return problems


def check_log_verdicts(run: Run, verdicts: dict) -> list:
    """The model's prediction of a deploy judged from the logs: each metric's verdict in the last
    step of `log-analysis`."""
    steps = (run.document or {}).get("log-analysis") or []
    last = {m.get("metric"): m.get("verdict") for m in (steps[-1].get("metrics") or [] if steps else [])}
    return [f"log-analysis: {metric} {last.get(metric, 'not judged')} in the last step, expected {verdict} "
            f"(last step: {last})" for metric, verdict in verdicts.items() if last.get(metric) != verdict]


# 9. Versions in use survive (issue 37): `cleanup` and `--keep-versions` never delete a version an
#    alias routes to, the alias's rollback target, one an event source mapping names, one provisioned
#    concurrency covers, or one a durable execution still runs on (`in_use`: {version: [why]},
#    taken before the run); they delete nothing among the newest N; a cleanup's document lists the
#    versions it deleted, exactly.
def check_versions_kept(in_use: dict, versions_after: frozenset) -> list:
    return [f"version {v} was deleted, though {' and '.join(why)}" for v, why in sorted(in_use.items())
            if v not in versions_after]


def check_pruned_within(versions_before: frozenset, versions_after: frozenset, keep: int) -> list:
    newest = sorted(versions_before, key=int)[-keep:] if keep > 0 else []
    return [f"version {v} was deleted, one of the newest {keep}" for v in newest if v not in versions_after]


def check_cleanup_versions(run: Run, versions_before: frozenset, versions_after: frozenset) -> list:
    document = run.document or {}
    gone = sorted(versions_before - versions_after, key=int)
    said = sorted(document.get("versions") or [], key=lambda v: int(v) if v.isdigit() else -1)
    return [] if said == gone else [f"the document says versions {said} were deleted; gone are {gone}"]


# 10. Every version a cleanup's document keeps, with why, is kept for a reason true of the world
#     after the run. `world`: {"aliases": {name: (primary, weights, History)}, "versions": published,
#     "mappings": [qualifier], "provisioned": [qualifier], "running": {version}}.
_ROUTES = re.compile(r"^alias (\S+) routes to it$")
_TARGET = re.compile(r"^alias (\S+)'s rollback target, its last good version$")


def _reaches(world: dict, qualifier, version: str) -> bool:
    """A mapping's or a configuration's qualifier (a version, or an alias) reaches `version`."""
    if qualifier == version:
        return True
    primary, weights, _ = world["aliases"].get(qualifier, (None, {}, None))
    return version == primary or version in weights


def check_kept_reasons(run: Run, world: dict) -> list:
    document = run.document or {}
    problems = []
    for entry in document.get("kept") or []:
        version, why = entry.get("version"), entry.get("why") or ""
        if version not in world["versions"]:
            problems.append(f"the document keeps version {version} ({why}), but it is gone")
            continue
        for reason in why.split("; "):
            routes, target = _ROUTES.match(reason), _TARGET.match(reason)
            if routes:
                true = _reaches(world, routes[1], version) and routes[1] in world["aliases"]
            elif target:
                primary, _, history = world["aliases"].get(target[1], (None, {}, History()))
                true = history is not None and history.last_good(primary, world["versions"]) == version
            elif reason == "an event source mapping invokes it":
                true = any(_reaches(world, q, version) for q in world["mappings"])
            elif reason == "provisioned concurrency covers it":
                true = any(_reaches(world, q, version) for q in world["provisioned"])
            elif reason == "durable executions still run on it":
                true = version in world["running"]
            else:
                problems.append(f"version {version} kept for a reason the model does not know: {reason!r}")
                continue
            if not true:
                problems.append(f"version {version} kept because {reason!r}, which is not so")
    for version in document.get("kept-running") or []:
        if version not in world["running"]:
            problems.append(f"kept-running lists version {version}, on which no durable execution runs")
    return problems


# 11. `cleanup --artifacts` (issue 37). `before`/`after`: the bucket's object versions
#     {(key, version id): {"modified", "sha"}}; `needed`: the CodeSha256 of every version (and
#     $LATEST) after the run; `foreign`: the object versions the model put under the prefix without
#     sidecars; `started`: epoch seconds when the run began; `older_than`: its --older-than in
#     seconds (None: the default hour). A dry run deletes nothing; nothing outside the prefix, nothing
#     foreign and nothing a version runs is deleted; what the document says was deleted is gone (or,
#     in a dry run, there) and nothing else went; a kept entry's why is true; a package still there
#     keeps both sidecars; `foreign` counts the object versions under the prefix that are neither a
#     package with both sidecars nor such a sidecar.
SIDECARS = (".sha256", ".base64sha256")


def artifact_kinds(objects, prefix: str) -> tuple:
    """(package keys, sidecar keys, foreign object versions) under `prefix`."""
    keys = {key for key, _ in objects if key.startswith(prefix)}
    packages = {k for k in keys if all(k + s in keys for s in SIDECARS)}
    sidecars = {k for k in keys if any(k.endswith(s) and k[:-len(s)] in keys for s in SIDECARS)}
    foreign = [(k, v) for k, v in objects if k.startswith(prefix) and k not in packages and k not in sidecars]
    return packages, sidecars, foreign


def check_artifacts(run: Run, before: dict, after: dict, needed: dict, foreign: set, started: float,
                    older_than) -> list:
    document = run.document or {}
    dry = "--dry-run" in run.argv
    prefix = document.get("prefix")
    if not isinstance(prefix, str):
        return [f"the cleanup --artifacts document has no prefix: {document}"]
    problems = []
    gone = set(before) - set(after)
    said = {(e.get("key"), e.get("version-id")) for e in document.get("deleted") or []}
    if dry and gone:
        problems.append(f"a dry run deleted {sorted(gone)}")
    for key, version_id in sorted(gone):
        where = f"{key} (version {version_id})"
        if not key.startswith(prefix):
            problems.append(f"deleted {where}, outside the prefix {prefix!r}")
        if (key, version_id) in foreign:
            problems.append(f"deleted {where}, an object lambda-shift did not write")
        runs = sorted(v for v, sha in needed.items() if sha == before[(key, version_id)]["sha"])
        if runs:
            problems.append(f"deleted {where}, the code of version {', '.join(runs)}")
        if not dry and (key, version_id) not in said:
            problems.append(f"deleted {where} without saying so")
    for key, version_id in sorted(said):
        if (key, version_id) not in before:
            problems.append(f"the document deletes {key} (version {version_id}), which was not there")
        elif not dry and (key, version_id) in after:
            problems.append(f"the document says {key} (version {version_id}) was deleted; it is still there")
    packages, _, foreign_found = artifact_kinds(before, prefix)
    if document.get("foreign") != len(foreign_found):
        problems.append(f"foreign {document.get('foreign')!r}, but {len(foreign_found)} object version(s) under "
                        f"{prefix!r} have no sidecars beside them")
    remaining = {key for key, _ in after}
    for key in sorted(packages & remaining):
        missing = [key + s for s in SIDECARS if key + s not in remaining]
        if missing:
            problems.append(f"package {key} is still there, but its sidecar(s) {missing} were deleted")
    allowed = 3600 if older_than is None else older_than
    for entry in document.get("kept") or []:
        key, version_id, why = entry.get("key"), entry.get("version-id"), entry.get("why") or ""
        found = before.get((key, version_id))
        if found is None:
            problems.append(f"the document keeps {key} (version {version_id}), which was not there")
            continue
        if why.startswith("the code of version "):
            versions = why[len("the code of version "):].split(", ")
            wrong = [v for v in versions if needed.get(v) != found["sha"]]
            if wrong:
                problems.append(f"{key} (version {version_id}) kept as {why!r}, but version(s) {wrong} run other "
                                f"code (or are gone)")
        elif why.startswith("referenced by version "):
            pass  # S3ObjectStorageMode REFERENCE: the model deploys copies only
        elif why in ("younger than --older-than", "uploaded within the last hour (a deploy may be under way)"):
            if found["modified"] < started - allowed - 1:
                problems.append(f"{key} (version {version_id}) kept as {why!r}, but it was uploaded "
                                f"{started - found['modified']:.0f}s before the run (--older-than {allowed}s)")
        else:
            problems.append(f"{key} (version {version_id}) kept for a reason the model does not know: {why!r}")
    return problems


# 12. `--runtime-drift` (issue 37): a gradual deploy that published a version has `runtime-drift`
#     iff the stable version's and the new one's RuntimeVersionConfig.RuntimeVersionArn differ, and
#     it names both as they are, with the decision the run was given (warn by default).
def check_runtime_drift(run: Run, stable: str, stable_arn, new_arn) -> list:
    document = run.document or {}
    new = document.get("published-version")
    drift = document.get("runtime-drift")
    if not new:
        return [] if drift is None else [f"runtime-drift {drift} from a deploy that published no version"]
    differ = stable_arn is not None and new_arn is not None and stable_arn != new_arn
    if not differ:
        return [] if drift is None else [
            f"runtime-drift {drift}, but versions {stable} and {new} both run {stable_arn}"]
    if drift is None:
        return [f"no runtime-drift, but version {new} runs {new_arn} and the stable version {stable} {stable_arn}"]
    flag = run.argv[run.argv.index("--runtime-drift") + 1] if "--runtime-drift" in run.argv else "warn"
    want = {"stable-version": stable, "stable-runtime-version": stable_arn, "version": new,
            "runtime-version": new_arn, "decision": flag}
    return [] if drift == want else [f"runtime-drift {drift}, expected {want}"]
