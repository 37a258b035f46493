"""The examples give each environment its own AWS role, and each role's trust holds it to that
environment: examples/terraform's trust policies (read from their jsonencode blocks) against the
subjects GitHub gives a job, then every example that deploys (GitHub, GitLab, CodeBuild) against
those roles. A role shared by previews, staging and production would hand production's rights to
a pull request's own copy of the workflow; so would dependencies installed, or tests run, in a
job that holds a deploy role; and so would previews on staging's function, since Lambda authorizes
CreateAlias, UpdateAlias and DeleteAlias on the function whatever alias they name (a role that may
create pr-42 may move `live`). Checked here: production's role trusts only the production
environment's jobs of one workflow on main, staging's only the staging environment's of one
workflow on develop (or main and develop), the preview role only pull requests (and
preview.yml's sweep on main); no trust has a wildcard; the preview role's policy is what
`iam-policy --preview` prints for a function of its own, name-searcher-preview, which Terraform
creates with no `live` alias and a runtime role of its own, and whose S3 prefix is none of the
others'; every job with a token names the role of its environment or trigger, and a preview job
the preview function only; no such job installs or tests anything, nor does a hook; the package
a deploy job ships comes from a job without a token."""

import json
import os
import pathlib
import re
import shlex
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
REPOSITORY = "octo/app"
ACCOUNT = "123456789012"
PROVIDER = "token.actions.githubusercontent.com"
ROLE_NAMES = {"production": "name-searcher-production-deploy", "staging": "name-searcher-staging-deploy",
              "preview": "name-searcher-preview-deploy"}
ROLES = {kind: f"arn:aws:iam::{ACCOUNT}:role/{name}" for kind, name in ROLE_NAMES.items()}
FUNCTIONS = {kind: f"name-searcher-{kind}" for kind in ("production", "staging", "preview")}
BUCKET = "my-lambda-artifacts"
# What names staging's or production's function (the template included): never in a preview job.
NOT_PREVIEWS = re.compile(r"name-searcher-(production|staging|\{environment\})")
WORKFLOW_REF = re.compile(rf"{REPOSITORY}/\.github/workflows/([\w.-]+\.ya?ml)@(refs/heads/[\w.-]+)")
# What installs a project's dependencies, builds it or runs its tests: never in a job (or hook)
# that holds a deploy role.
INSTALLS_OR_TESTS = re.compile(
    r"\b(pip3?\s+install|python3?\s+-m\s+(pip|pytest|unittest|tox|nox)|pytest|tox|nox|npm\s+(ci|install|test|run)|npx"
    r"|yarn|pnpm|poetry\s+(install|run)|pipenv|uv\s+(pip|sync|run)|bundle\s+(install|exec)|make|go\s+(test|build|run)"
    r"|cargo\s+(test|build|run)|mvn|gradle|docker\s+build)\b")


# --- A small reader for the HCL the examples write: blocks, attributes, jsonencode objects. ---

TOKEN = re.compile(r'''\s*(?:(?P<comment>(\#|//)[^\n]*)|(?P<string>"(?:[^"\\]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?)\b
                      |(?P<word>[A-Za-z_][\w.-]*)|(?P<punct>[{}\[\]()=,:.]))''', re.X)


def tokens(text):
    """HCL's tokens, newlines dropped (the values here never need them), comments skipped."""
    position, out = 0, []
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        match = TOKEN.match(text, position)
        assert match and match.end() > position, f"cannot read HCL at: {text[position:position + 40]!r}"
        position = match.end()
        if match.group("comment") is None:
            kind = next(name for name in ("string", "number", "word", "punct") if match.group(name) is not None)
            out.append((kind, match.group(kind)))
    return out


class Reference(str):
    """A bare HCL expression (data.x.y.arn, aws_iam_role.production.id): kept as its text."""


def value(stream):
    kind, text = stream.pop(0)
    if kind == "string":
        return json.loads(text)
    if kind == "number":
        return float(text)
    if kind == "word":
        if stream and stream[0] == ("punct", "("):
            # A function call: jsonencode(x) and toset(x) read as x; others as their text.
            stream.pop(0)
            arguments = []
            while stream[0] != ("punct", ")"):
                if stream[0] == ("punct", ","):
                    stream.pop(0)
                    continue
                arguments.append(value(stream))
            stream.pop(0)
            if text in ("jsonencode", "toset", "tolist") and len(arguments) == 1:
                return arguments[0]
            return Reference(f"{text}({', '.join(map(str, arguments))})")
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        while stream and stream[0] in (("punct", "["), ("punct", ".")):
            # An index or an attribute after one: aws_iam_role.runtime[each.key].arn
            if stream.pop(0) == ("punct", "["):
                index = value(stream)
                assert stream.pop(0) == ("punct", "]"), text
                text += f"[{index}]"
            else:
                attribute_kind, attribute = stream.pop(0)
                assert attribute_kind == "word", text
                text += "." + attribute
        return Reference(text)
    if text == "{":
        out = {}
        while stream[0] != ("punct", "}"):
            if stream[0] == ("punct", ","):
                stream.pop(0)
                continue
            key_kind, key = stream.pop(0)
            key = json.loads(key) if key_kind == "string" else key
            assert stream.pop(0)[1] in ("=", ":"), key
            assert key not in out, f"{key} given twice"
            out[key] = value(stream)
        stream.pop(0)
        return out
    if text == "[":
        out = []
        while stream[0] != ("punct", "]"):
            if stream[0] == ("punct", ","):
                stream.pop(0)
                continue
            out.append(value(stream))
        stream.pop(0)
        return out
    raise AssertionError(f"unexpected {text!r}")


def blocks(path, kind, type_=None):
    """{name: attributes} of each `kind "type_" "name" { ... }` block of a Terraform file, or of
    each `kind "name" { ... }` without a type_ (nested blocks are left out: the attributes checked
    here are top-level ones)."""
    stream = tokens(path.read_text())
    found = {}
    for i, token in enumerate(stream):
        if token != ("word", kind) or (type_ is not None and stream[i + 1] != ("string", f'"{type_}"')):
            continue
        start = i + 1 if type_ is None else i + 2
        if stream[start][0] == "string" and stream[start + 1] == ("punct", "{"):
            name = json.loads(stream[start][1])
            body, depth, j = [], 1, start + 2
            while depth:
                body.append(stream[j])
                depth += {"{": 1, "}": -1}.get(stream[j][1], 0) if stream[j][0] == "punct" else 0
                j += 1
            attributes, rest = {}, body[:-1]
            while rest:
                if len(rest) > 1 and rest[0][0] == "word" and rest[1] == ("punct", "="):
                    key = rest[0][1]
                    rest = rest[2:]
                    attributes[key] = value(rest)
                elif rest[0][0] == "word" and len(rest) > 1 and rest[1] == ("punct", "{"):
                    rest = rest[1:]
                    value(rest)   # a nested block: read past it
                else:
                    rest.pop(0)
            found[name] = attributes
    return found


# --- The Terraform roles. ---

TERRAFORM = EXAMPLES / "terraform" / "main.tf"


def github_roles():
    """{terraform name: (role name, [statement, ...])} of every role GitHub's OIDC provider may assume."""
    roles = {}
    for name, attributes in blocks(TERRAFORM, "resource", "aws_iam_role").items():
        policy = attributes["assume_role_policy"]
        statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
        federated = [s for s in statements if "Federated" in s.get("Principal", {})]
        if federated:
            assert federated == statements, f"{name}: a role for GitHub trusts nothing else"
            roles[name] = (attributes["name"], statements)
    return roles


def conditions(role, statement):
    """The statement's conditions as {claim: value}, after checking that it is GitHub's provider,
    AssumeRoleWithWebIdentity, only StringEquals (no StringLike, no ForAllValues: which match
    patterns, or nothing), single values with no wildcard, and the audience of the official action."""
    assert statement["Effect"] == "Allow" and statement["Action"] == "sts:AssumeRoleWithWebIdentity", role
    assert statement["Principal"] == {"Federated": "data.aws_iam_openid_connect_provider.github.arn"}, role
    assert set(statement["Condition"]) == {"StringEquals"}, f"{role}: {set(statement['Condition'])}"
    claims = {}
    for key, wanted in statement["Condition"]["StringEquals"].items():
        assert key.startswith(PROVIDER + ":"), f"{role}: {key}"
        assert isinstance(wanted, str), f"{role}: {key} is one value, not {wanted!r}"
        assert "*" not in wanted and "?" not in wanted, f"{role}: {key} = {wanted!r} is a pattern"
        claims[key.removeprefix(PROVIDER + ":")] = wanted
    assert set(claims) <= {"aud", "sub", "job_workflow_ref"}, f"{role}: {set(claims)}"
    assert claims.get("aud") == "sts.amazonaws.com", role
    assert "sub" in claims, f"{role}: a statement without a subject trusts every repository"
    return claims


def pinned_workflow(role, claims, branches):
    """The workflow file a trust pins with job_workflow_ref, checked to be this repository's, on one
    of `branches`, and one of the examples."""
    match = WORKFLOW_REF.fullmatch(claims.get("job_workflow_ref", ""))
    assert match, f"{role}: job_workflow_ref must pin one workflow file and branch: {claims}"
    assert match.group(2) in {f"refs/heads/{branch}" for branch in branches}, f"{role}: {claims['job_workflow_ref']}"
    assert (EXAMPLES / "github" / match.group(1)).exists(), f"{role}: no examples/github/{match.group(1)}"
    return match.group(1)


def test_each_environment_has_its_own_role_and_policy():
    roles = github_roles()
    assert {name: role for name, (role, _) in roles.items()} == ROLE_NAMES, roles
    attachments = blocks(TERRAFORM, "resource", "aws_iam_role_policy")
    documents = {}
    for kind in ROLE_NAMES:
        mine = [a for a in attachments.values() if a["role"] == f"aws_iam_role.{kind}.id"]
        assert len(mine) == 1, f"{kind}: one policy of its own, not {len(mine)}"
        documents[kind] = mine[0]["policy"]
    assert len(set(documents.values())) == len(documents), f"the roles share a policy: {documents}"


def test_production_trusts_only_the_production_environment_of_one_workflow_on_main():
    _, statements = github_roles()["production"]
    assert len(statements) == 1, statements
    claims = conditions("production", statements[0])
    assert claims["sub"] == f"repo:{REPOSITORY}:environment:production", claims
    workflow = pinned_workflow("production", claims, ["main"])
    assert "production" in environments(workflow), f"{workflow} has no production job to trust"


def test_staging_trusts_only_the_staging_environment_of_one_workflow_on_develop():
    _, statements = github_roles()["staging"]
    assert len(statements) == 1, statements
    claims = conditions("staging", statements[0])
    assert claims["sub"] == f"repo:{REPOSITORY}:environment:staging", claims
    workflow = pinned_workflow("staging", claims, ["develop"])
    assert "staging" in environments(workflow), f"{workflow} has no staging job to trust"


def test_the_preview_role_trusts_only_pull_requests_and_the_preview_sweep_on_main():
    """A pull request's job gets repo:OWNER/REPO:pull_request; preview.yml's sweep runs on a delete
    event, which GitHub runs from the default branch: trusted there for preview.yml only."""
    _, statements = github_roles()["preview"]
    subjects = []
    for statement in statements:
        claims = conditions("preview", statement)
        subjects.append(claims["sub"])
        if claims["sub"] == f"repo:{REPOSITORY}:pull_request":
            continue
        assert claims["sub"] == f"repo:{REPOSITORY}:ref:refs/heads/main", claims
        assert pinned_workflow("preview", claims, ["main"]) == "preview.yml", claims
    assert f"repo:{REPOSITORY}:pull_request" in subjects, subjects


def for_each(attributes):
    """The keys of a resource's for_each (a toset of strings), or [None] for a single resource."""
    keys = attributes.get("for_each")
    if keys is None:
        return [None]
    assert isinstance(keys, list) and all(isinstance(key, str) for key in keys), keys
    return keys


def expand(template, key):
    """An attribute of one instance of a for_each resource: each.key filled in."""
    template = str(template)
    return template if key is None else template.replace("${each.key}", key).replace("[each.key]", f"[{key}]")


def instances(kind):
    """{address: (terraform name, key, attributes)} of every instance of a resource type:
    aws_lambda_function.searcher[preview], aws_iam_role.preview, ..."""
    out = {}
    for name, attributes in blocks(TERRAFORM, "resource", kind).items():
        for key in for_each(attributes):
            out[f"{kind}.{name}" + ("" if key is None else f"[{key}]")] = (name, key, attributes)
    return out


def test_previews_get_a_function_of_their_own_with_no_live_alias_and_their_own_runtime_role():
    """Terraform creates name-searcher-preview beside staging's and production's functions. It has
    no alias of Terraform's (lambda-shift makes one per pull request), and its code, a pull
    request's, runs with a runtime role no other function uses."""
    functions = {address: expand(attributes["function_name"], key)
                 for address, (_, key, attributes) in instances("aws_lambda_function").items()}
    assert sorted(functions.values()) == sorted(FUNCTIONS.values()), functions
    runtime_roles = {f"{address}.arn": expand(attributes["name"], key)
                     for address, (_, key, attributes) in instances("aws_iam_role").items()
                     if "lambda.amazonaws.com" in json.dumps(attributes["assume_role_policy"])}
    runs_with = {}
    for address, (_, key, attributes) in instances("aws_lambda_function").items():
        role = expand(attributes["role"], key)
        assert role in runtime_roles, f"{address}: {role} is not a runtime role here: {runtime_roles}"
        runs_with[functions[address]] = runtime_roles[role]
    preview_runtime = runs_with[FUNCTIONS["preview"]]
    assert [f for f, role in runs_with.items() if role == preview_runtime] == [FUNCTIONS["preview"]], \
        f"the preview function shares its runtime role: {runs_with}"
    aliased = {}
    for address, (_, key, attributes) in instances("aws_lambda_alias").items():
        target = expand(attributes["function_name"], key)
        reference = re.fullmatch(r"(aws_lambda_function\.\w+(?:\[[\w-]+\])?)\.function_name", target)
        function = functions[reference.group(1)] if reference else target
        aliased.setdefault(function, []).append(expand(attributes["name"], key))
    assert aliased == {FUNCTIONS["production"]: ["live"], FUNCTIONS["staging"]: ["live"]}, aliased


def policy_commands():
    """Each `lambda-shift iam-policy` command main.tf's comments give, as its arguments (a command
    goes on over comment lines that end in a backslash)."""
    commands, current = [], None
    for line in TERRAFORM.read_text().splitlines():
        text = line.strip()
        if not text.startswith("#"):
            current = None
            continue
        text = text.lstrip("#").strip()
        if current is None and text.startswith("lambda-shift iam-policy "):
            current = []
            commands.append(current)
        if current is not None:
            current.append(text.removesuffix("\\").strip())
            if not text.endswith("\\"):
                current = None
    return [shlex.split(" ".join(parts)) for parts in commands]


def options(arguments):
    """{--flag: value} of a command's arguments after `lambda-shift iam-policy` (a flag with no
    value, --preview, is True); a flag given twice is refused here."""
    assert arguments[:2] == ["lambda-shift", "iam-policy"], arguments
    out, rest = {}, arguments[2:]
    while rest:
        flag = rest.pop(0)
        assert flag.startswith("--") and flag not in out, arguments
        out[flag] = rest.pop(0) if rest and not rest[0].startswith("--") else True
    return out


def iam_policy_commands():
    """{function: its command's options}: one command per function, and only the preview function's
    has --preview."""
    by_function = {}
    for arguments in policy_commands():
        found = options(arguments)
        assert found.get("--function") not in by_function, f"two commands for {found.get('--function')}"
        by_function[found.get("--function")] = found
    assert set(by_function) == set(FUNCTIONS.values()), f"one iam-policy command per function: {by_function}"
    assert [f for f, found in by_function.items() if "--preview" in found] == [FUNCTIONS["preview"]], by_function
    return by_function


def test_the_preview_roles_policy_is_iam_policy_for_the_preview_function_only():
    """The preview role's policy is `iam-policy --preview --function name-searcher-preview`: no
    environment, and no argument naming staging's or production's function. With the default key
    template ({repository}/{function}/{version}/package.zip: no --key) and --repository, each
    role's S3 prefix is REPOSITORY/FUNCTION/: the preview role can write nothing where staging's
    or production's deploys read."""
    by_function = iam_policy_commands()
    preview = by_function[FUNCTIONS["preview"]]
    assert preview["--preview-alias"] == "pr-{pr}" and preview["--bucket"] == BUCKET, preview
    assert "--environment" not in preview, preview
    assert not NOT_PREVIEWS.search(" ".join(map(str, preview.values()))), preview
    for function, found in by_function.items():
        assert "--key" not in found, f"{function}: a key template of its own may drop {{function}}"
        assert found["--repository"] == REPOSITORY and found["--account-id"] == ACCOUNT, found
    attachment = blocks(TERRAFORM, "resource", "aws_iam_role_policy")["preview"]
    assert attachment["role"] == "aws_iam_role.preview.id", attachment


BINARY = pathlib.Path(os.environ.get("LAMBDA_SHIFT_BIN") or ROOT / ".build" / "debug" / "lambda-shift")


def printed_resources(found):
    arguments = [str(BINARY), "iam-policy"]
    for flag, given in found.items():
        arguments += [flag] if given is True else [flag, given]
    result = subprocess.run(arguments, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return re.findall(r'"(arn:aws:[^"]+)"', result.stdout), result.stderr


@pytest.mark.skipif(not BINARY.exists(), reason=f"no lambda-shift binary at {BINARY} (swift build, or LAMBDA_SHIFT_BIN)")
def test_what_the_preview_command_prints_reaches_the_preview_function_and_its_prefix_only():
    """Run as written in main.tf's comments: every ARN the preview role's policy names is the
    preview function's (or its versions' and aliases'), its own S3 prefix, the bucket (to list) or
    the code signing configurations (to read); and no S3 object prefix of one role starts another's."""
    by_function = iam_policy_commands()
    resources, stderr = printed_resources(by_function[FUNCTIONS["preview"]])
    function = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{FUNCTIONS['preview']}"
    prefix = f"arn:aws:s3:::{BUCKET}/{REPOSITORY}/{FUNCTIONS['preview']}/*"
    allowed = {function, function + ":*", prefix, f"arn:aws:s3:::{BUCKET}",
               f"arn:aws:lambda:eu-west-1:{ACCOUNT}:code-signing-config:*"}
    assert resources and set(resources) <= allowed, set(resources) - allowed
    assert prefix in resources and "a function of their own" in stderr, stderr
    prefixes = {}
    for name, found in by_function.items():
        objects = [arn for arn in printed_resources(found)[0] if arn.startswith(f"arn:aws:s3:::{BUCKET}/")]
        assert objects, name
        prefixes[name] = {arn.split("*")[0] for arn in objects}
    for name, mine in prefixes.items():
        for other, theirs in prefixes.items():
            if other != name:
                assert not any(a.startswith(b) for a in mine for b in theirs), (name, mine, other, theirs)


# --- The GitHub examples. ---

def workflow(name):
    data = yaml.safe_load((EXAMPLES / "github" / name).read_text())
    return data, data[True] if True in data else data["on"]   # YAML 1.1 reads `on` as true


def environments(name):
    return {job.get("environment") for job in workflow(name)[0]["jobs"].values()}


def roles_named(job):
    """The roles a job's steps assume: lambda-shift's role-to-assume, or configure-aws-credentials'."""
    return [step["with"]["role-to-assume"] for step in job["steps"] if "role-to-assume" in step.get("with", {})]


def ships(job):
    return [step for step in job["steps"] if re.fullmatch(r"lambda-shift/lambda-shift/action@.*", step.get("uses", ""))]


GITHUB = sorted(path.name for path in (EXAMPLES / "github").glob("*.yml"))


@pytest.mark.parametrize("name", GITHUB)
def test_every_github_job_with_a_token_names_its_environments_role(name):
    data, on = workflow(name)
    assert "id-token" not in (data.get("permissions") or {}), name
    tokened = 0
    for job_name, job in data["jobs"].items():
        where = f"{name}: {job_name}"
        if (job.get("permissions") or {}).get("id-token") != "write":
            assert not roles_named(job), f"{where} names a role without a token"
            continue
        tokened += 1
        assert len(set(roles_named(job))) == 1, f"{where}: one role, not {roles_named(job)}"
        role = roles_named(job)[0]
        environment = job.get("environment")
        if environment is not None:
            assert environment in ("production", "staging"), where
            assert role == ROLES[environment], f"{where}: the {environment} job names {role}"
            # A job with an environment never runs on a pull request's code.
            assert not {"pull_request", "pull_request_target"} & set(on), where
            branches = set((on.get("push") or {}).get("branches", []))
            condition = job.get("if", "")
            if environment == "production" and branches - {"main"}:
                assert only_branch(condition, "github.ref_name") == "main", f"{where} runs on {branches}"
            if environment == "staging" and "github.ref_name" in condition:
                assert only_branch(condition, "github.ref_name") == "develop", where
            for step in ships(job):
                assert step["with"].get("environment", environment) == environment, where
                function = step["with"].get("function", "name-searcher-{environment}")   # or its config file's
                assert function in ("name-searcher-{environment}", f"name-searcher-{environment}"), where
        else:
            # No environment: a pull request's job, or preview.yml's sweep. The preview role, and
            # only the preview function (its pr-* aliases), named outright: nothing in the job names
            # staging's or production's function, nor the {environment} template.
            assert role == ROLES["preview"], f"{where} has no environment but names {role}"
            assert set(on) <= {"pull_request", "delete"}, f"{where}: triggered by {set(on)}"
            assert ships(job), f"{where}: a preview job that runs no lambda-shift"
            for step in ships(job):
                assert step["with"].get("preview") == "true" or step["with"].get("command") == "cleanup", where
                assert step["with"]["function"] == FUNCTIONS["preview"], where
                assert step["with"]["preview-alias"] == "pr-{pr}", where
                assert step["with"].get("environment") in (None, "preview"), where
            found = NOT_PREVIEWS.search(json.dumps(job))
            assert not found, f"{where} is a preview job and names {found.group(0)}"
        if role != ROLES["preview"]:
            assert FUNCTIONS["preview"] not in json.dumps(job), f"{where} names the preview function"
    assert tokened, f"{name}: no job deploys"


def only_branch(condition, variable):
    """The one branch a job's condition requires of `variable`, or None: every comparison of it
    is == that branch, and nothing (no ||, no !=, no pattern) lets another through."""
    named = set(re.findall(re.escape(variable) + r"""\s*==\s*['"]([^'"]*)['"]""", condition))
    if len(named) != 1 or "||" in condition or re.search(re.escape(variable) + r"\s*(!=|=~|!~)", condition):
        return None
    return named.pop()


def run_lines(job):
    return [step["run"] for step in job["steps"] if "run" in step]


@pytest.mark.parametrize("name", GITHUB)
def test_no_github_job_with_a_token_installs_or_tests(name):
    """The dependencies, the build and the tests run in a job with no token; a job with one runs
    none of it, and neither do its hooks (they may invoke the new version, nothing more)."""
    data, _ = workflow(name)
    for job_name, job in data["jobs"].items():
        for step in ships(job):
            for hook in ("pre-traffic-command", "post-traffic-command"):
                command = step["with"].get(hook, "")
                assert not INSTALLS_OR_TESTS.search(command), f"{name}: {job_name}: {hook}: {command}"
        if (job.get("permissions") or {}).get("id-token") != "write":
            continue
        for script in run_lines(job):
            found = INSTALLS_OR_TESTS.search(script)
            assert not found, f"{name}: {job_name} holds a deploy role and runs {found.group(0)!r}:\n{script}"


@pytest.mark.parametrize("name", GITHUB)
def test_what_a_github_job_with_a_token_ships_comes_from_a_job_without_one(name):
    """A package (source) or image a deploy job ships is an artifact of a job it needs that holds
    no token; or, for promotion, the object staging uploaded (artifact input, nothing built)."""
    data, _ = workflow(name)
    jobs = data["jobs"]
    for job_name, job in jobs.items():
        if (job.get("permissions") or {}).get("id-token") != "write":
            continue
        built = any("source" in s["with"] for s in ships(job)) or any("docker push" in r for r in run_lines(job))
        if not built:
            continue
        downloads = [step["with"]["name"] for step in job["steps"]
                     if step.get("uses", "").startswith("actions/download-artifact@")]
        assert len(downloads) == 1, f"{name}: {job_name} ships what it did not download: {downloads}"
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        makers = [n for n in needs if any(s.get("uses", "").startswith("actions/upload-artifact@")
                                          and s["with"]["name"] == downloads[0] for s in jobs[n]["steps"])]
        assert len(makers) == 1, f"{name}: {job_name}: no job it needs uploads {downloads[0]}"
        assert "id-token" not in (jobs[makers[0]].get("permissions") or {}), f"{name}: {makers[0]} holds a token"


# --- The GitLab examples. ---

GITLAB = sorted({*(EXAMPLES / "gitlab").glob("*.yml"), *(EXAMPLES / "gitlab").glob(".*.yml")})
RESERVED = {"stages", "variables", "default", "include", "workflow", "image", "services", "before_script",
            "after_script"}


def merged(base, extra):
    out = dict(base)
    for key, item in extra.items():
        out[key] = merged(out[key], item) if isinstance(item, dict) and isinstance(out.get(key), dict) else item
    return out


def gitlab_jobs(path):
    """Each job of a GitLab file with its `extends` merged in, as GitLab merges them (hashes deeply)."""
    data = yaml.safe_load(path.read_text())

    def resolve(job):
        parents = job.get("extends", [])
        out = {}
        for parent in [parents] if isinstance(parents, str) else parents:
            out = merged(out, resolve(data[parent]))
        return merged(out, {k: v for k, v in job.items() if k != "extends"})

    return data, {name: resolve(job) for name, job in data.items() if not name.startswith(".") and name not in RESERVED}


def gitlab_trust():
    """The trust .gitlab-ci.yml's header states for each role: {role name: sub}."""
    text = (EXAMPLES / "gitlab" / ".gitlab-ci.yml").read_text()
    rows = re.findall(r"^#\s+(\S+)\s+(name-searcher-[\w-]+)\s+(project_path:\S+)$", text, re.M)
    return {role: sub for _, role, sub in rows}


def test_the_gitlab_roles_trust_only_their_branches():
    """GitLab's sub is project_path:GROUP/PROJECT:ref_type:branch:ref:BRANCH; AWS checks no other
    GitLab claim. Production's role: main only; staging's: develop only; the preview role any
    branch, since a review app is any branch's (its policy reaches preview aliases only)."""
    trust = gitlab_trust()
    base = f"project_path:{REPOSITORY}:ref_type:branch:ref:"
    assert trust == {ROLE_NAMES["production"]: base + "main", ROLE_NAMES["staging"]: base + "develop",
                     ROLE_NAMES["preview"]: base + "*"}, trust
    assert base + "main" in (EXAMPLES / "gitlab" / "detached.gitlab-ci.yml").read_text().replace("\n# ", " ")


@pytest.mark.parametrize("path", GITLAB, ids=lambda p: p.name)
def test_every_gitlab_job_with_a_token_names_its_environments_role(path):
    data, jobs = gitlab_jobs(path)
    for name, template in data.items():
        if name.startswith("."):
            assert "AWS_ROLE_ARN" not in (template.get("variables") or {}), f"{path.name}: {name} shares a role"
    tokened = 0
    for name, job in jobs.items():
        where = f"{path.name}: {name}"
        variables = job.get("variables") or {}
        if "id_tokens" not in job:
            assert "AWS_ROLE_ARN" not in variables, where
            continue
        tokened += 1
        environment = job.get("environment")
        environment = environment["name"] if isinstance(environment, dict) else environment
        conditions = [rule["if"] for rule in job["rules"]]
        branch = "$CI_COMMIT_BRANCH"
        if environment == "production":
            expected = "production"
            assert all(only_branch(c, branch) == "main" for c in conditions), f"{where}: {conditions}"
        elif environment == "staging":
            expected = "staging"
            assert all(only_branch(c, branch) == "develop" for c in conditions), f"{where}: {conditions}"
        else:
            assert environment and environment.startswith("review/"), f"{where}: environment {environment}"
            expected = "preview"
            for c in conditions:
                assert '!= "main"' in c and '!= "develop"' in c, f"{where}: {c}"
            shipped = [line for line in job["script"] if "lambda-shift" in line]
            assert shipped and all(f"--function {FUNCTIONS['preview']}" in line for line in shipped), f"{where}: {shipped}"
            assert all("--environment" not in line or "--environment preview" in line for line in shipped), where
            found = NOT_PREVIEWS.search(json.dumps(job))
            assert not found, f"{where} is a preview job and names {found.group(0)}"
        if expected != "preview":
            assert FUNCTIONS["preview"] not in json.dumps(job), f"{where} names the preview function"
        assert variables.get("AWS_ROLE_ARN") == ROLES[expected], f"{where}: {variables.get('AWS_ROLE_ARN')}"
        for line in job.get("before_script", []) + job["script"]:
            assert not INSTALLS_OR_TESTS.search(line), f"{where} holds a deploy role and runs: {line}"
    assert tokened, path.name


# --- The CodeBuild examples. ---

def buildspec(name):
    return yaml.safe_load((EXAMPLES / "codebuild" / name).read_text())


def commands(spec):
    return [line for phase in spec["phases"].values() for line in phase.get("commands", [])]


def test_codebuild_builds_in_a_project_of_its_own_and_deploys_in_one_per_environment():
    """A build holds its project's role throughout: the build project installs and tests and
    deploys nothing; buildspec.yml, run by a project per environment (which sets
    LAMBDA_SHIFT_ENVIRONMENT), ships the build's artifact and runs nothing of it; the schedule
    advances with production's project, whose environment advance-buildspec.yml names."""
    package = commands(buildspec("package-buildspec.yml"))
    assert any(INSTALLS_OR_TESTS.search(line) for line in package)
    assert not any("lambda-shift" in line or re.search(r"\baws\s", line) for line in package), package
    deploy, advance = buildspec("buildspec.yml"), buildspec("advance-buildspec.yml")
    for name, spec in (("buildspec.yml", deploy), ("advance-buildspec.yml", advance)):
        for line in commands(spec):
            assert not INSTALLS_OR_TESTS.search(line), f"{name} runs with a deploy role: {line}"
    assert "LAMBDA_SHIFT_ENVIRONMENT" not in deploy["env"]["variables"], "each deploy project sets its own"
    assert 'lambda-shift deploy --source "$CODEBUILD_SRC_DIR_package"' in commands(deploy)
    assert advance["env"]["variables"]["LAMBDA_SHIFT_ENVIRONMENT"] == "production"
    variables = blocks(EXAMPLES / "codebuild" / "advance-schedule.tf", "variable")
    assert variables["project_name"]["default"] == "name-searcher-production", variables
    assert variables["project_arn"]["default"].endswith(":project/name-searcher-production"), variables
