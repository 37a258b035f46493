"""scripts/sbom: the SPDX 2.3 document the release attaches (and attests) beside each binary."""
import hashlib
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def sbom(tmp_path, resolved):
    binary = tmp_path / "lambda-shift-linux-x86_64"
    binary.write_text('#!/bin/sh\necho "lambda-shift 1.4.2"\n')
    binary.chmod(0o755)
    pins = tmp_path / "Package.resolved"
    pins.write_text(json.dumps(resolved))
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "sbom"), str(binary), "--resolved", str(pins)],
                            capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"})
    assert result.returncode == 0, result.stderr
    return binary, json.loads(result.stdout)


RESOLVED = {"pins": [{"identity": "swift-argument-parser", "kind": "remoteSourceControl",
                      "location": "https://github.com/apple/swift-argument-parser",
                      "state": {"revision": "436bde4bb9489201ca6662f5cf94ec45fa8e244e", "version": "1.8.2"}}],
            "version": 3}


def test_the_document_names_the_binary_by_digest_and_everything_it_is_built_from(tmp_path):
    binary, document = sbom(tmp_path, RESOLVED)
    assert document["spdxVersion"] == "SPDX-2.3" and document["dataLicense"] == "CC0-1.0"
    assert document["SPDXID"] == "SPDXRef-DOCUMENT" and document["creationInfo"]["created"] == "2023-11-14T22:13:20Z"
    packages = {package["name"]: package for package in document["packages"]}
    root = packages["lambda-shift-linux-x86_64"]
    assert root["checksums"] == [{"algorithm": "SHA256", "checksumValue": hashlib.sha256(binary.read_bytes()).hexdigest()}]
    assert root["versionInfo"] == "1.4.2"
    parser = packages["swift-argument-parser"]
    assert parser["versionInfo"] == "1.8.2"
    assert parser["downloadLocation"] == "git+https://github.com/apple/swift-argument-parser@436bde4bb9489201ca6662f5cf94ec45fa8e244e"
    assert parser["externalRefs"][0]["referenceLocator"] == "pkg:swift/github.com/apple/swift-argument-parser@1.8.2"
    assert {"swift-runtime", "libcurl", "openssl-libcrypto", "zlib", "libyaml"} <= set(packages)
    # Every package is related to the binary, every relationship names packages that exist, and
    # ids are unique, as SPDX requires.
    ids = [package["SPDXID"] for package in document["packages"]]
    assert len(ids) == len(set(ids))
    for relationship in document["relationships"]:
        assert {relationship["spdxElementId"], relationship["relatedSpdxElement"]} <= set(ids) | {"SPDXRef-DOCUMENT"}
    kinds = {r["relatedSpdxElement"]: r["relationshipType"] for r in document["relationships"]}
    assert kinds[packages["libyaml"]["SPDXID"]] == "STATIC_LINK" and kinds[packages["libcurl"]["SPDXID"]] == "DYNAMIC_LINK"
    for package in document["packages"]:
        for field in ("SPDXID", "name", "versionInfo", "downloadLocation", "licenseConcluded", "copyrightText"):
            assert package.get(field), (package["name"], field)


def test_the_same_binary_and_sources_give_the_same_document(tmp_path):
    first = sbom(tmp_path, RESOLVED)[1]
    second = sbom(tmp_path, RESOLVED)[1]
    assert first == second


def test_a_missing_binary_is_one_sentence(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "sbom"), str(tmp_path / "nope")],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "is not a file: build it first (scripts/release)." in result.stderr


def test_the_generated_manual_is_named_by_digest_and_generated_from_the_binary(tmp_path):
    binary = tmp_path / "lambda-shift-linux-x86_64"
    binary.write_text('#!/bin/sh\necho "lambda-shift 1.4.2"\n')
    binary.chmod(0o755)
    manual = tmp_path / "lambda-shift-manual.tar.gz"
    manual.write_bytes(b"not really a tarball")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "sbom"), str(binary), "--generated", str(manual)],
                            capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"})
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    packages = {package["name"]: package for package in document["packages"]}
    generated = packages["lambda-shift-manual.tar.gz"]
    assert generated["checksums"] == [{"algorithm": "SHA256", "checksumValue": hashlib.sha256(manual.read_bytes()).hexdigest()}]
    assert {"spdxElementId": generated["SPDXID"], "relationshipType": "GENERATED_FROM",
            "relatedSpdxElement": packages[binary.name]["SPDXID"]} in document["relationships"]
    missing = subprocess.run([sys.executable, str(ROOT / "scripts" / "sbom"), str(binary), "--generated",
                              str(tmp_path / "gone.tar.gz")], capture_output=True, text=True)
    assert missing.returncode != 0 and "gone.tar.gz is not a file" in missing.stderr
