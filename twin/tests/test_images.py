"""Container images (README "Rules": ECR and Lambda image functions), each rule proved with boto3
against a running twin, and the /_twin/seed-image control route."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import urllib.error

import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_aws_rules import ROLE, loose, refused  # noqa: E402
from test_twin import (AKID, REGION, _tamper_signature, client, ctl, error_of, fresh, raw_request,  # noqa: E402,F401
                       twin)

DOCKER = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def manifest(seed: str, media_type: str = DOCKER) -> str:
    """A schema-2-like manifest, pretty-printed (the digest covers the bytes, whitespace included)."""
    blob = lambda kind: "sha256:" + hashlib.sha256(f"{kind}{seed}".encode()).hexdigest()  # noqa: E731
    return json.dumps({"schemaVersion": 2, "mediaType": media_type,
                       "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7,
                                  "digest": blob("c")},
                       "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                                   "size": 9, "digest": blob("l")}]}, indent=2)


def digest_of(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def quick_updates(twin):
    """Updates finish at once; the role CreateFunction names exists."""
    ctl(twin, "/_twin/lambda", {"updatePolls": 0})
    client(twin, "iam").create_role(RoleName="twin-lambda-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                               "Action": "sts:AssumeRole"}]}))


# ECR through the proxy -----------------------------------------------------------------

def test_ecr_is_signed_and_shape_checked(twin):
    ecr = client(twin, "ecr")
    made = ecr.create_repository(repositoryName="team/app")["repository"]
    assert made["repositoryUri"] == f"{REGISTRY}/team/app"
    assert [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]] == ["team/app"]
    log = ctl(twin, "/_twin/requests")
    assert [(e["service"], e["operation"], e["signatureVerified"], e["mutating"]) for e in log] == [
        ("ecr", "CreateRepository", True, True), ("ecr", "DescribeRepositories", True, False)]
    assert log[0]["headers"]["x-amz-target"] == "AmazonEC2ContainerRegistry_V20150921.CreateRepository"

    tampered = client(twin, "ecr")
    tampered.meta.events.register("before-send", _tamper_signature)
    status, code, message = refused(lambda: tampered.describe_repositories())
    assert (status, code) == (403, "InvalidSignatureException")
    assert "The Canonical String for this request should have been" in message
    status, headers, body = raw_request(twin, "POST", "/", "ecr", b"{}", [
        ("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories"),
        ("Content-Type", "application/x-amz-json-1.1")], akid="AKIDNOBODY")
    assert status == 403 and json.loads(body)["__type"] == "UnrecognizedClientException"
    assert headers["content-type"] == "application/x-amz-json-1.1"

    # botocore's ECR model: repositoryName pattern, imageIds min 1, imageTag length
    lax = loose(twin, "ecr")
    status, code, message = refused(lambda: lax.batch_get_image(repositoryName="Team App", imageIds=[{"imageTag": "a"}]))
    assert (status, code) == (400, "InvalidParameterException")
    assert message.startswith("Invalid parameter at 'repositoryName' failed to satisfy constraint: "
                              "'Member must satisfy regular expression pattern: ")
    status, code, message = refused(lambda: lax.batch_get_image(repositoryName="team/app", imageIds=[]))
    assert (status, code, message) == (400, "InvalidParameterException",
                                       "Invalid parameter at 'imageIds' failed to satisfy constraint: "
                                       "'Member must have length greater than or equal to 1'")
    assert refused(lambda: lax.put_image(repositoryName="team/app", imageManifest=manifest("x"),
                                         imageTag="t" * 301))[:2] == (400, "InvalidParameterException")
    assert ecr.list_images(repositoryName="team/app")["imageIds"] == []  # nothing was put


def test_put_image_digest_is_the_manifests_sha256(twin):
    ecr = loose(twin, "ecr")
    ecr.create_repository(repositoryName="app")
    text = manifest("one")
    put = ecr.put_image(repositoryName="app", imageManifest=text, imageTag="v1")["image"]
    assert put["imageId"] == {"imageDigest": digest_of(text), "imageTag": "v1"}  # moto: sha256 of layer digests

    wrong = "sha256:" + "0" * 64
    status, code, message = refused(lambda: ecr.put_image(repositoryName="app", imageManifest=manifest("two"),
                                                          imageTag="v2", imageDigest=wrong))
    assert (status, code, message) == (400, "ImageDigestDoesNotMatchException",
                                       "The specified image digest does not match the digest that Amazon ECR "
                                       "calculated for the image.")
    assert ecr.put_image(repositoryName="app", imageManifest=manifest("two"), imageTag="v2",
                         imageDigest=digest_of(manifest("two")))["image"]["imageId"]["imageDigest"] == \
        digest_of(manifest("two"))
    status, code, message = refused(lambda: ecr.put_image(repositoryName="nope", imageManifest=text, imageTag="v1"))
    assert (status, code, message) == (400, "RepositoryNotFoundException",
                                       "The repository with name 'nope' does not exist in the registry with id "
                                       "'123456789012'")  # moto: 500

    # a manifest list: its own bytes' digest too (moto: one of 101 random values)
    listing = json.dumps({"schemaVersion": 2, "mediaType": DOCKER_LIST, "manifests": [
        {"mediaType": DOCKER, "size": len(text), "digest": digest_of(text),
         "platform": {"architecture": "amd64", "os": "linux"}}]})
    assert ecr.put_image(repositoryName="app", imageManifest=listing, imageTag="multi")["image"]["imageId"][
        "imageDigest"] == digest_of(listing)

    # BatchGetImage: the manifest exactly as put, its media type; a missing digest keeps its imageId
    missing = "sha256:" + "f" * 64
    got = ecr.batch_get_image(repositoryName="app", imageIds=[{"imageDigest": digest_of(text)},
                                                              {"imageDigest": missing}, {"imageTag": "gone"},
                                                              {"imageTag": "multi"}])
    assert [(i["imageManifest"], i["imageManifestMediaType"]) for i in got["images"]] == [
        (text, DOCKER), (listing, DOCKER_LIST)]
    assert got["failures"] == [
        {"imageId": {"imageDigest": missing}, "failureCode": "ImageNotFound",
         "failureReason": "Requested image not found"},
        {"imageId": {"imageTag": "gone"}, "failureCode": "ImageNotFound",
         "failureReason": "Requested image not found"}]
    details = {d["imageDigest"]: d.get("imageTags") for d in ecr.describe_images(repositoryName="app")["imageDetails"]}
    assert details == {digest_of(text): ["v1"], digest_of(manifest("two")): ["v2"], digest_of(listing): ["multi"]}

    # pushing v1 again with another manifest moves the tag; the earlier image stays, untagged
    ecr.put_image(repositoryName="app", imageManifest=manifest("three"), imageTag="v1")
    details = {d["imageDigest"]: d.get("imageTags") for d in ecr.describe_images(repositoryName="app")["imageDetails"]}
    assert details[digest_of(manifest("three"))] == ["v1"] and details[digest_of(text)] is None
    assert ecr.batch_get_image(repositoryName="app", imageIds=[{"imageDigest": digest_of(text)}])["images"]


# Lambda image functions ------------------------------------------------------------------

def test_image_function_code_is_the_resolved_digest_per_version(twin):
    quick_updates(twin)
    first = ctl(twin, "/_twin/seed-image", {"repository": "app", "tag": "v1"})
    lam = loose(twin, "lambda")
    tag_uri = first["repositoryUri"] + ":v1"
    made = lam.create_function(FunctionName="img", PackageType="Image", Role=ROLE, Code={"ImageUri": tag_uri})
    assert made["CodeSha256"] == first["digest"][len("sha256:"):]  # moto: sha256 of the URI string
    code = lam.get_function(FunctionName="img")["Code"]
    assert code == {"RepositoryType": "ECR", "ImageUri": tag_uri,
                    "ResolvedImageUri": f"{REGISTRY}/app@{first['digest']}"}
    v1 = lam.publish_version(FunctionName="img", CodeSha256=first["digest"][7:])
    assert (v1["Version"], v1["CodeSha256"]) == ("1", first["digest"][7:])

    # the tag moves; the function keeps what it resolved until UpdateFunctionCode resolves it again
    second = ctl(twin, "/_twin/seed-image", {"repository": "app", "tag": "v1"})
    assert second["digest"] != first["digest"]
    assert lam.get_function_configuration(FunctionName="img")["CodeSha256"] == first["digest"][7:]
    updated = lam.update_function_code(FunctionName="img", ImageUri=tag_uri)
    assert updated["CodeSha256"] == second["digest"][7:]
    status, code_, message = refused(lambda: lam.publish_version(FunctionName="img", CodeSha256=first["digest"][7:]))
    assert (status, code_) == (400, "InvalidParameterValueException")
    v2 = lam.publish_version(FunctionName="img", CodeSha256=second["digest"][7:])
    assert v2["Version"] == "2"

    # by digest: ImageUri as given, ResolvedImageUri once "@sha256:" (moto: "@sha256@sha256:")
    digest_uri = f"{REGISTRY}/app@{first['digest']}"
    assert lam.update_function_code(FunctionName="img", ImageUri=digest_uri)["CodeSha256"] == first["digest"][7:]
    assert lam.get_function(FunctionName="img")["Code"]["ResolvedImageUri"] == digest_uri
    assert lam.get_function(FunctionName="img")["Code"]["ImageUri"] == digest_uri

    # each version keeps its own image (moto shared one code dict between $LATEST and versions)
    for qualifier, seeded, uri in (("1", first, tag_uri), ("2", second, tag_uri)):
        got = lam.get_function(FunctionName="img", Qualifier=qualifier)
        assert got["Code"] == {"RepositoryType": "ECR", "ImageUri": uri,
                               "ResolvedImageUri": f"{REGISTRY}/app@{seeded['digest']}"}
        assert got["Configuration"]["CodeSha256"] == seeded["digest"][7:]
    listed = {v["Version"]: v["CodeSha256"] for v in lam.list_versions_by_function(FunctionName="img")["Versions"]}
    assert listed == {"$LATEST": first["digest"][7:], "1": first["digest"][7:], "2": second["digest"][7:]}
    # Publish: true freezes the image it published
    third = ctl(twin, "/_twin/seed-image", {"repository": "app", "tag": "v3"})
    published = lam.update_function_code(FunctionName="img", ImageUri=third["repositoryUri"] + ":v3", Publish=True)
    assert (published["Version"], published["CodeSha256"]) == ("3", third["digest"][7:])
    assert lam.get_function(FunctionName="img", Qualifier="3")["Code"]["ImageUri"] == third["repositoryUri"] + ":v3"


def test_image_uri_must_name_a_single_architecture_image_in_the_functions_region(twin):
    quick_updates(twin)
    good = ctl(twin, "/_twin/seed-image", {"repository": "app", "tag": "v1"})
    multi = ctl(twin, "/_twin/seed-image", {"repository": "app", "tag": "multi", "architectures": ["amd64", "arm64"]})
    abroad = ctl(twin, "/_twin/seed-image", {"repository": "app", "tag": "v1", "region": "eu-west-1"})
    assert abroad["repositoryUri"] == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"
    lam = loose(twin, "lambda")
    lam.create_function(FunctionName="img", PackageType="Image", Role=ROLE, Code={"ImageUri": good["repositoryUri"] + ":v1"})
    before = lam.get_function(FunctionName="img")

    def refusal(uri):
        return refused(lambda: lam.update_function_code(FunctionName="img", ImageUri=uri))

    uri = abroad["repositoryUri"] + ":v1"
    assert refusal(uri) == (400, "InvalidParameterValueException",
                            f"Source image {uri} is not valid. Provide a valid source image. Lambda reads container "
                            "images only from Amazon ECR in the function's own Region (us-east-1); this image is in "
                            "eu-west-1.")
    for uri in (f"{REGISTRY}/nope:v1", f"{REGISTRY}/app:v9", f"{REGISTRY}/app@sha256:{'0' * 64}"):
        assert refusal(uri) == (400, "InvalidParameterValueException",
                                f"Source image {uri} does not exist. Provide a valid source image.")
    for uri in (f"{REGISTRY}/app", "app:v1", f"{REGISTRY}/app:v1@{good['digest']}"):
        assert refusal(uri) == (400, "InvalidParameterValueException",
                                f"Source image {uri} is not valid. Provide a valid source image.")
    uri = multi["repositoryUri"] + ":multi"
    assert refusal(uri) == (400, "InvalidParameterValueException",
                            f"The image manifest, config or layer media type for the source image {uri} is not supported.")
    # an OCI image index is multi-architecture too; an OCI image manifest is taken
    ecr = loose(twin, "ecr")
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []})
    ecr.put_image(repositoryName="app", imageManifest=index, imageTag="oci-index")
    assert refusal(f"{REGISTRY}/app:oci-index")[2].startswith("The image manifest, config or layer media type")
    ecr.put_image(repositoryName="app", imageManifest=manifest("oci", OCI), imageTag="oci")
    after_refusals = lam.get_function(FunctionName="img")
    assert after_refusals["Code"] == before["Code"]
    assert after_refusals["Configuration"]["RevisionId"] == before["Configuration"]["RevisionId"]
    assert lam.update_function_code(FunctionName="img", ImageUri=f"{REGISTRY}/app:oci")["CodeSha256"] == \
        digest_of(manifest("oci", OCI))[7:]

    # CreateFunction takes the same rules
    assert refused(lambda: lam.create_function(FunctionName="img2", PackageType="Image", Role=ROLE,
                                               Code={"ImageUri": multi["repositoryUri"] + ":multi"}))[:2] == \
        (400, "InvalidParameterValueException")
    assert refused(lambda: lam.create_function(FunctionName="img2", PackageType="Image", Role=ROLE,
                                               Code={"ImageUri": f"{REGISTRY}/nope:v1"}))[:2] == \
        (400, "InvalidParameterValueException")
    assert "img2" not in [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    # the package-type rules still come first
    status, _, message = refused(lambda: lam.update_function_code(FunctionName="img", ZipFile=b"PK"))
    assert message == "Please provide ImageUri when updating a function with packageType Image."


# The control API ----------------------------------------------------------------------------

def _ctl_error(twin, path, body):
    with pytest.raises(urllib.error.HTTPError) as exc:
        ctl(twin, path, body)
    return exc.value.code, json.loads(exc.value.read())["message"]


def test_seed_image_and_image_seed_function(twin):
    one = ctl(twin, "/_twin/seed-image", {"repository": "app", "tag": "v1"})
    assert one == {"repositoryUri": f"{REGISTRY}/app", "region": "us-east-1", "tag": "v1",
                   "digest": one["digest"], "mediaType": DOCKER, "children": {}}
    again = ctl(twin, "/_twin/seed-image", {"repository": "app", "tag": "v1"})
    assert again["digest"] != one["digest"]  # each seed is a new image...
    fixed = [ctl(twin, "/_twin/seed-image", {"repository": "app", "tag": t, "content": "build 7"})["digest"]
             for t in ("a", "b")]
    assert fixed[0] == fixed[1]  # ...unless its content is given
    ecr = client(twin, "ecr")
    image = ecr.batch_get_image(repositoryName="app", imageIds=[{"imageTag": "v1"}])["images"][0]
    assert image["imageId"]["imageDigest"] == again["digest"] == digest_of(image["imageManifest"])
    assert json.loads(image["imageManifest"])["mediaType"] == DOCKER

    multi = ctl(twin, "/_twin/seed-image", {"repository": "multi", "tag": "latest", "architectures": ["amd64", "arm64"],
                                            "region": "eu-west-1"})
    assert multi["repositoryUri"] == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/multi"
    assert multi["mediaType"] == DOCKER_LIST and set(multi["children"]) == {"amd64", "arm64"}
    assert multi["children"]["amd64"] != multi["children"]["arm64"]
    listing = loose(twin, "ecr", "eu-west-1").batch_get_image(repositoryName="multi", imageIds=[{"imageTag": "latest"}])
    body = json.loads(listing["images"][0]["imageManifest"])
    assert [(m["digest"], m["platform"]) for m in body["manifests"]] == [
        (multi["children"]["amd64"], {"architecture": "amd64", "os": "linux"}),
        (multi["children"]["arm64"], {"architecture": "arm64", "os": "linux"})]
    children = loose(twin, "ecr", "eu-west-1").batch_get_image(
        repositoryName="multi", imageIds=[{"imageDigest": d} for d in multi["children"].values()])
    assert len(children["images"]) == 2 and children["failures"] == []

    config = ctl(twin, "/_twin/seed-function", {"name": "img", "imageUri": f"{REGISTRY}/app:v1",
                                                "architectures": ["arm64"], "alias": "live"})
    assert (config["PackageType"], config["Architectures"], config["CodeSha256"]) == \
        ("Image", ["arm64"], again["digest"][7:])
    lam = client(twin, "lambda")
    assert lam.get_alias(FunctionName="img", Name="live")["FunctionVersion"] == "1"
    assert lam.get_function(FunctionName="img", Qualifier="live")["Code"]["ImageUri"] == f"{REGISTRY}/app:v1"

    assert _ctl_error(twin, "/_twin/seed-image", {"repository": "App"})[0] == 400
    assert _ctl_error(twin, "/_twin/seed-image", {"repository": "app", "architectures": ["x86_64"]})[0] == 400
    assert _ctl_error(twin, "/_twin/seed-function", {"name": "f", "imageUri": f"{REGISTRY}/app:v1",
                                                     "architectures": ["amd64"]})[0] == 400
    status, message = _ctl_error(twin, "/_twin/seed-function", {"name": "f", "imageUri": f"{REGISTRY}/nope:v1"})
    assert (status, message) == (400, f"Source image {REGISTRY}/nope:v1 does not exist. Provide a valid source image.")
    assert ClientError and error_of and AKID and REGION  # (shared helpers)
