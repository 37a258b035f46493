"""ECR behaviour moto 5.2.1 lacks, kept by the proxy, and the image look-up Lambda needs.

- PutImage: the image digest is "sha256:" + the hex SHA-256 of the manifest bytes exactly as
  sent (moto hashes the layer digests' concatenation, and picks a random one of 101 values for
  a manifest list); a given `imageDigest` that differs is refused with 400
  ImageDigestDoesNotMatchException (ECR API reference, PutImage, Errors:
  https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html). moto is then
  handed the right digest, so BatchGetImage / DescribeImages / ListImages by digest agree.
- PutImage to a missing repository: 400 RepositoryNotFoundException (moto raised a bare
  Exception: HTTP 500 and a traceback).
- BatchGetImage: a digest that is not there is a failure whose imageId carries that digest
  (moto echoed `"imageTag": "null"`); ImageFailure, failureCode ImageNotFound
  (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageFailure.html).
- A tag pushed again with another manifest moves; the image it left stays, untagged (moto
  deleted it: patched in moto_patches.py).

ECR speaks JSON 1.1 (X-Amz-Target `AmazonEC2ContainerRegistry_V20150921.<Op>`, signing name
`ecr`). moto keeps one ECR backend per region; the twin's own calls carry the region.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Callable

from .defaults import ACCOUNT_ID
from .errors import aws_error
from .messages import ProxyRequest, Response
from .moto_client import MotoClient

TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921"
CONTENT_TYPE = "application/x-amz-json-1.1"

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
# Lambda Developer Guide, "Create a Lambda function using a container image", Requirements
# (https://docs.aws.amazon.com/lambda/latest/dg/images-create.html): Lambda supports "Docker
# image manifest V2, schema 2" and "OCI Specifications (v1.0.0 and up)", and "does not support
# functions that use multi-architecture container images" (a manifest list / image index).
LAMBDA_MANIFEST_TYPES = (DOCKER_MANIFEST, OCI_MANIFEST)
MULTI_ARCH_TYPES = (DOCKER_MANIFEST_LIST, OCI_INDEX)

# ECR API reference, PutImage, Errors: ImageDigestDoesNotMatchException, HTTP 400, "The specified
# image digest does not match the digest that Amazon ECR calculated for the image."
DIGEST_MISMATCH = "The specified image digest does not match the digest that Amazon ECR calculated for the image."
# RepositoryNotFoundException (400): the text moto 5.2.1 gives elsewhere (exceptions.py), as AWS words it.
REPOSITORY_NOT_FOUND = "The repository with name '{name}' does not exist in the registry with id '{registry}'"

# <account>.dkr.ecr.<region>.amazonaws.com/<repository>(:<tag>|@sha256:<hex>); the repository
# and tag patterns are ECR's (botocore's ecr model: RepositoryName, ImageTag is 1–300 chars).
_REPOSITORY = r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*"
IMAGE_URI = re.compile(
    r"^(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]+)\.amazonaws\.com/"
    rf"(?P<repository>{_REPOSITORY})"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@(?P<digest>sha256:[a-f0-9]{64}))$")


@dataclass(frozen=True)
class ImageRef:
    account: str
    region: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def registry(self) -> str:
        return f"{self.account}.dkr.ecr.{self.region}.amazonaws.com"

    def image_id(self) -> dict:
        return {"imageDigest": self.digest} if self.digest else {"imageTag": self.tag}


def parse_image_uri(uri) -> ImageRef | None:
    match = IMAGE_URI.match(uri) if isinstance(uri, str) else None
    if not match:
        return None
    return ImageRef(match["account"], match["region"], match["repository"], match["tag"], match["digest"])


def manifest_digest(manifest: str) -> str:
    """ECR's image digest: sha256 of the manifest bytes (UTF-8, as sent)."""
    return "sha256:" + hashlib.sha256(manifest.encode("utf-8")).hexdigest()


def _err(status: int, code: str, message: str) -> Response:
    resp = aws_error("json", status, code, message, service="ecr")
    resp.set_header("Content-Type", CONTENT_TYPE)
    return resp


def call(moto: MotoClient, operation: str, payload: dict, region: str) -> Response:
    """The twin's own ECR request to moto."""
    return moto.call("POST", "/", "ecr", json.dumps(payload).encode(), CONTENT_TYPE, region=region,
                     extra_headers=[("X-Amz-Target", f"{TARGET_PREFIX}.{operation}")])


def _json(resp: Response) -> dict:
    try:
        value = json.loads(resp.body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def repository_exists(moto: MotoClient, name: str, region: str) -> bool:
    resp = call(moto, "DescribeRepositories", {"repositoryNames": [name]}, region)
    return resp.status == 200


def batch_get(moto: MotoClient, repository: str, image_ids: list[dict], region: str) -> tuple[int, dict]:
    resp = call(moto, "BatchGetImage", {"repositoryName": repository, "imageIds": image_ids}, region)
    return resp.status, _json(resp)


# The proxy's ECR requests -------------------------------------------------------------------

Forward = Callable[..., Response]


def handle(req: ProxyRequest, moto: MotoClient, forward: Forward) -> Response:
    try:
        body = json.loads(req.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        resp = forward()
    elif req.operation == "PutImage":
        resp = _put_image(req, moto, body, forward)
    elif req.operation == "BatchGetImage":
        resp = _batch_get_image(body, forward)
    else:
        resp = forward()
    if not (resp.header("Content-Type") or "").startswith("application/x-amz-json"):
        resp.set_header("Content-Type", CONTENT_TYPE)
    return resp


def _put_image(req: ProxyRequest, moto: MotoClient, body: dict, forward: Forward) -> Response:
    name, manifest = body.get("repositoryName"), body.get("imageManifest")
    registry = body.get("registryId") or ACCOUNT_ID
    if registry != ACCOUNT_ID or not repository_exists(moto, name, req.region):
        return _err(400, "RepositoryNotFoundException", REPOSITORY_NOT_FOUND.format(name=name, registry=registry))
    digest = manifest_digest(manifest)
    given = body.get("imageDigest")
    if given is not None and given != digest:
        return _err(400, "ImageDigestDoesNotMatchException", DIGEST_MISMATCH)
    return forward(json.dumps({**body, "imageDigest": digest}).encode())


def _batch_get_image(body: dict, forward: Forward) -> Response:
    resp = forward()
    answer = _json(resp)
    if resp.status != 200 or not isinstance(answer.get("failures"), list):
        return resp
    # moto answers one failure per image id it did not find, in the order asked, with
    # {"imageTag": <the tag or "null">}: give each its own image id back.
    asked = [i for i in body.get("imageIds") or [] if isinstance(i, dict)]
    found = answer.get("images") or []

    def matches(image_id: dict) -> bool:
        for image in found:
            have = image.get("imageId") or {}
            if "imageDigest" in image_id and have.get("imageDigest") == image_id["imageDigest"]:
                return True
            if "imageTag" in image_id and have.get("imageTag") == image_id["imageTag"]:
                return True
        return False

    missing = [i for i in asked if not matches(i)]
    if len(missing) != len(answer["failures"]):
        return resp
    for failure, image_id in zip(answer["failures"], missing):
        failure["imageId"] = {k: image_id[k] for k in ("imageDigest", "imageTag") if k in image_id}
    resp.body = json.dumps(answer).encode()
    return resp


# Lambda's look-up of an image --------------------------------------------------------------

@dataclass(frozen=True)
class ResolvedImage:
    ref: ImageRef
    digest: str            # sha256:<hex>, what the tag pointed at when resolved
    media_type: str
    manifest: str

    @property
    def resolved_uri(self) -> str:
        return f"{self.ref.registry}/{self.ref.repository}@{self.digest}"


def resolve(moto: MotoClient, ref: ImageRef) -> ResolvedImage | None:
    """The image a URI names now (tag → digest), or None when the repository or image is missing
    (the twin has one account: another account's registry has nothing)."""
    if ref.account != ACCOUNT_ID:
        return None
    status, answer = batch_get(moto, ref.repository, [ref.image_id()], ref.region)
    images = answer.get("images") or [] if status == 200 else []
    if not images:
        return None
    image = images[0]
    manifest = image.get("imageManifest") or ""
    digest = (image.get("imageId") or {}).get("imageDigest") or manifest_digest(manifest)
    media_type = image.get("imageManifestMediaType") or (_loads(manifest).get("mediaType") or "")
    return ResolvedImage(ref, digest, media_type, manifest)


def _loads(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# The control API's seed-image -------------------------------------------------------------

ARCHITECTURES = ("amd64", "arm64")


def _single_manifest(architecture: str, salt: str) -> str:
    """A small Docker v2 schema 2 manifest whose config and layer digests depend on the
    architecture and on `salt` (so two seeds give two images unless the salt is the same)."""
    def blob(kind: str) -> str:
        return "sha256:" + hashlib.sha256(f"{kind}|{architecture}|{salt}".encode()).hexdigest()
    return json.dumps({
        "schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
        "config": {"mediaType": DOCKER_CONFIG, "size": 1469, "digest": blob("config")},
        "layers": [{"mediaType": DOCKER_LAYER, "size": 2811478, "digest": blob("layer")}],
    }, indent=3)


def _put(moto: MotoClient, repository: str, manifest: str, media_type: str, tag: str | None,
         region: str) -> str:
    digest = manifest_digest(manifest)
    if tag is None and (batch_get(moto, repository, [{"imageDigest": digest}], region)[1].get("images")):
        return digest  # already there (moto would clobber the image's tag otherwise)
    payload = {"repositoryName": repository, "imageManifest": manifest, "imageManifestMediaType": media_type,
               "imageDigest": digest}
    if tag:
        payload["imageTag"] = tag
    resp = call(moto, "PutImage", payload, region)
    if resp.status != 200 and _json(resp).get("__type", "").split("#")[-1] != "ImageAlreadyExistsException":
        raise RuntimeError(f"moto PutImage: {resp.status} {resp.body[:300]!r}")
    return digest


def seed_image(moto: MotoClient, body: dict, region: str, salt: str) -> dict:
    """POST /_twin/seed-image (README, Control API)."""
    repository = body.get("repository")
    if not isinstance(repository, str) or not re.fullmatch(_REPOSITORY, repository) or len(repository) > 256:
        raise ValueError("repository must be an ECR repository name (lowercase, e.g. app or team/app)")
    tag = body.get("tag")
    if tag is not None and (not isinstance(tag, str) or not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", tag)):
        raise ValueError("tag must be an image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})")
    architectures = body.get("architectures", ["amd64"])
    if (not isinstance(architectures, list) or not architectures or len(set(architectures)) != len(architectures)
            or any(a not in ARCHITECTURES for a in architectures)):
        raise ValueError('architectures must be ["amd64"], ["arm64"] or ["amd64", "arm64"]')
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        raise ValueError("content must be a string")
    if not repository_exists(moto, repository, region):
        resp = call(moto, "CreateRepository", {"repositoryName": repository}, region)
        if resp.status != 200:
            raise RuntimeError(f"moto CreateRepository: {resp.status} {resp.body[:300]!r}")
    salt = content if content is not None else salt
    uri = f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com/{repository}"
    if len(architectures) == 1:
        manifest = _single_manifest(architectures[0], salt)
        digest = _put(moto, repository, manifest, DOCKER_MANIFEST, tag, region)
        return {"repositoryUri": uri, "region": region, "tag": tag, "digest": digest,
                "mediaType": DOCKER_MANIFEST, "children": {}}
    children, entries = {}, []
    for architecture in architectures:
        manifest = _single_manifest(architecture, salt)
        children[architecture] = _put(moto, repository, manifest, DOCKER_MANIFEST, None, region)
        entries.append({"mediaType": DOCKER_MANIFEST, "size": len(manifest.encode()),
                        "digest": children[architecture],
                        "platform": {"architecture": architecture, "os": "linux"}})
    listing = json.dumps({"schemaVersion": 2, "mediaType": DOCKER_MANIFEST_LIST, "manifests": entries}, indent=3)
    digest = _put(moto, repository, listing, DOCKER_MANIFEST_LIST, tag, region)
    return {"repositoryUri": uri, "region": region, "tag": tag, "digest": digest,
            "mediaType": DOCKER_MANIFEST_LIST, "children": children}
