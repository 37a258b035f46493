"""The layout rules of docs/architecture.md that a reader would otherwise have to re-measure
(issue 35): the CLI only declares (at most 700 lines, no reflection), every declaration is
`package` (one package), no AWS enumeration is compared as a string literal outside
AWSServices, and no hand-written poll loop sleeps outside the one waiter."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = ROOT / "Sources"


def swift_files(folder: pathlib.Path):
    return sorted(folder.rglob("*.swift"))


def test_the_cli_only_declares():
    files = swift_files(SOURCES / "LambdaShiftCLI")
    lines = sum(len(f.read_text().splitlines()) for f in files)
    assert lines <= 700, f"Sources/LambdaShiftCLI is {lines} lines: move what runs or renders into Pipeline"
    reflective = [f.name for f in files if "Mirror(" in f.read_text()]
    assert reflective == [], f"reflection in the CLI: {reflective}"


def test_no_public_declarations():
    found = [
        f"{f.relative_to(ROOT)}:{n}"
        for f in swift_files(SOURCES)
        for n, line in enumerate(f.read_text().splitlines(), 1)
        if re.match(r"\s*(@\w+\s+)*public\b", line)
    ]
    assert found == [], "use package access: " + ", ".join(found[:10])


# The raw values of the enumerations ServiceEnums.swift types.
AWS_VALUES = ["Pending", "Active", "Inactive", "Failed", "InProgress", "Successful", "Zip", "Image",
              "OK", "ALARM", "INSUFFICIENT_DATA", "READY", "IN_PROGRESS", "FAILED", "Succeeded"]


def literal_comparisons(text: str) -> list[str]:
    values = "|".join(AWS_VALUES)
    return re.findall(rf'(?:==|!=)\s*"(?:{values})"|"(?:{values})"\s*(?:==|!=)|case\s+"(?:{values})"', text)


def test_no_aws_enumeration_compared_as_a_string():
    found = [
        str(f.relative_to(ROOT))
        for f in swift_files(SOURCES)
        if "AWSServices" not in f.parts and literal_comparisons(f.read_text())
    ]
    assert found == [], f"compare the typed enumeration (AWSServices/Support/ServiceEnums.swift): {found}"


def test_the_check_finds_a_literal_comparison():
    assert literal_comparisons('if configuration.state == "Active" {')
    assert literal_comparisons('case "READY": return true')
    assert not literal_comparisons('if configuration.stateValue == .active {')


def test_one_waiter():
    # Sleeping in a loop is the waiter's (AWSCore/Retry/Waiter.swift); the others that sleep are
    # retries (AWSClient, the web-identity exchange), the bake (RolloutEngine) and the countdown.
    allowed = {"Waiter.swift", "AWSClient.swift", "WebIdentityCredentialProvider.swift", "RolloutEngine.swift",
               "CountdownSleeper.swift", "Time.swift"}
    sleepers = [f.name for f in swift_files(SOURCES) if re.search(r"\.sleep\(seconds:", f.read_text())]
    assert sorted(set(sleepers) - allowed) == [], "poll through AWSCore's Waiter"
