"""Package.swift's targets declare exactly the modules their files import (issue 35): a
dependency declared and never imported costs every clean build its compile order, and one
imported and not declared builds only by luck of what another dependency pulls in."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Modules from the toolchain or a package dependency, not targets of ours.
OUTSIDE = {
    "Foundation", "FoundationEssentials", "FoundationNetworking", "Testing", "Synchronization",
    "Glibc", "Dispatch", "XCTest", "ArgumentParser",
}
IMPORT = re.compile(r"^(?:@testable\s+)?import\s+(\w+)\s*$")


def targets(manifest: str):
    """Each Swift target: its kind, name, declared dependencies (our modules) and folder."""
    for match in re.finditer(r"\.(testTarget|target|executableTarget)\(", manifest):
        depth, end = 1, match.end()
        while depth:  # to the call's closing parenthesis
            depth += {"(": 1, ")": -1}.get(manifest[end], 0)
            end += 1
        call = manifest[match.end():end - 1]
        name = re.match(r"\s*name:\s*\"([^\"]+)\"", call).group(1)
        listed = re.search(r"dependencies:\s*\[(.*?)\]", call, re.S)
        body = re.sub(r"\.product\([^)]*\)", "", listed.group(1)) if listed else ""
        declared = set(re.findall(r"\"([A-Za-z]\w*)\"", body))
        path = re.search(r"path:\s*\"([^\"]+)\"", call)
        folder = path.group(1) if path else ("Tests/" if match.group(1) == "testTarget" else "Sources/") + name
        yield match.group(1), name, declared, ROOT / folder


def imports(folder: pathlib.Path, ours: set[str]) -> set[str]:
    found = set()
    for file in folder.rglob("*.swift"):
        for line in file.read_text().splitlines():
            match = IMPORT.match(line)
            if match and match.group(1) in ours:
                found.add(match.group(1))
    return found


def mismatches(manifest: str) -> list[str]:
    all_targets = list(targets(manifest))
    shims = {"CCurl", "COpenSSL", "CYaml", "CZlib", "CDeflate"}
    ours = {name for _, name, _, _ in all_targets} | shims
    problems = []
    for kind, name, declared, folder in all_targets:
        if not any(folder.rglob("*.swift")):
            continue  # a C or system-library target
        used = imports(folder, ours) - {name}
        # A C shim a Swift target links but never imports by name is still declared on purpose.
        unused = declared - used - shims
        for module in sorted(unused):
            problems.append(f"{name} declares {module} and never imports it")
        for module in sorted(used - declared):
            problems.append(f"{name} imports {module} and does not declare it")
    return problems


def test_every_target_declares_what_it_imports():
    problems = mismatches((ROOT / "Package.swift").read_text())
    assert problems == [], "\n".join(problems)


def test_the_check_finds_a_stray_dependency():
    manifest = (ROOT / "Package.swift").read_text()
    stray = manifest.replace('name: "CISupportTests", dependencies: [', 'name: "CISupportTests", dependencies: ["Rollout", ', 1)
    assert stray != manifest
    assert "CISupportTests declares Rollout and never imports it" in mismatches(stray)
    dropped = manifest.replace('"CISupport", "AWSCore", "LambdaShiftCore", "TestSupport"]', '"CISupport", "AWSCore", "TestSupport"]', 1)
    assert dropped != manifest
    assert "CISupportTests imports LambdaShiftCore and does not declare it" in mismatches(dropped)
