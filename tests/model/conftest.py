"""Fixtures of the model tests: one twin for the session (stopped by its pid at the end), the
output schema's validator, and the tally of steps checked, printed at the end of the session and
written to MODEL_STEPS_FILE (default /tmp/lambda-shift-model/steps.txt)."""

import json
import os
import pathlib
import sys

import jsonschema
import pytest

from model_harness import BINARY, ROOT, Twin

STEPS_FILE = pathlib.Path(os.environ.get("MODEL_STEPS_FILE", "/tmp/lambda-shift-model/steps.txt"))


class Tally:
    """Steps (rules run with every check passed) and Hypothesis examples, over the session."""

    def __init__(self):
        self.steps = 0
        self.examples = 0


TALLY = Tally()


@pytest.fixture(scope="session")
def tally():
    return TALLY


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("model")


@pytest.fixture(scope="session")
def twin(workdir):
    if not os.access(BINARY, os.X_OK):
        pytest.fail(f"no lambda-shift binary at {BINARY}: run swift build, or set LAMBDA_SHIFT_BIN")
    started = Twin(workdir)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def validator():
    schema = json.loads((ROOT / "schema" / "output.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def pytest_terminal_summary(terminalreporter):
    if TALLY.examples == 0:
        return
    line = f"model: {TALLY.steps} steps checked in {TALLY.examples} examples"
    terminalreporter.write_line(line)
    STEPS_FILE.parent.mkdir(parents=True, exist_ok=True)
    STEPS_FILE.write_text(f"{TALLY.steps}\n")
    print(f"{line} (written to {STEPS_FILE})", file=sys.stderr)
