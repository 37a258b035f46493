#!/usr/bin/env bash
# Gets the lambda-shift binary for the action, in two steps:
#
#   get-lambda-shift.sh resolve   decides which binary: a release (downloaded) or the action's own
#                                 source (built), and writes to GITHUB_OUTPUT version (the release
#                                 tag, or `source`), url and sha256 (the release asset and its
#                                 published SHA-256; empty for source) and repository.
#   get-lambda-shift.sh install   puts that binary in a new folder of its own under the runner's
#                                 temp folder (mktemp -d, mode 700), verifies it there, runs its
#                                 --version, and writes path= (that copy) and sha256= to GITHUB_OUTPUT.
#
# Nothing is cached or reused: every run downloads (or builds) its binary again, into a folder no
# other job shares, and the run step runs that verified copy only.
#
# Which release (resolve): LAMBDA_SHIFT_VERSION (the lambda-shift-version input) when given:
# vX.Y.Z is that release, vX or vX.Y the highest vX.Y.Z release, `source` builds from source;
# else the action's own ref (LAMBDA_SHIFT_ACTION_REF, from github.action_ref): a release tag is
# that release, a moving major (v1, v1.2) the highest release under it, anything else (a branch, a
# commit SHA, empty under `uses: ./action`) builds from source. Releases are downloaded from
# SERVER/REPOSITORY/releases/download/TAG/lambda-shift-linux-ARCH, SERVER being
# LAMBDA_SHIFT_SERVER_URL (github.server_url) and REPOSITORY LAMBDA_SHIFT_GET_FROM (the
# lambda-shift-repository input), else the action's (LAMBDA_SHIFT_ACTION_REPOSITORY, from
# github.action_repository), else lambda-shift/lambda-shift; moving majors are looked up in
# LAMBDA_SHIFT_API_URL/repos/REPOSITORY/releases (GITHUB_TOKEN, when set, sent as a bearer token).
# The action's steps set every one of these in their env:, always (empty included), so a value an
# earlier step wrote to GITHUB_ENV never reaches this script under these names. A release asked
# for by name that is missing is an error; the release the action's ref implies, when missing,
# falls back to building from source with a notice.
#
# Install: LAMBDA_SHIFT_GET_VERSION, LAMBDA_SHIFT_GET_URL, LAMBDA_SHIFT_GET_SHA256 and
# LAMBDA_SHIFT_GET_REPOSITORY (resolve's outputs), LAMBDA_SHIFT_GET_TEMP (runner.temp). A download
# goes straight into the private folder and is checked there against the SHA-256 before it is made
# executable or run; a mismatch deletes it and stops the job. The SHA-256 comes from the same
# release as the binary, so it proves integrity, not origin: the origin is the release's
# build-provenance attestation, verified on that same file with the GitHub CLI (`gh attestation
# verify`: the certificate must name SERVER/REPOSITORY/.github/workflows/release.yml at
# refs/tags/TAG exactly, the source ref must be refs/tags/TAG, and the signing job must have run on
# a GitHub-hosted runner) as LAMBDA_SHIFT_VERIFY_ATTESTATION (the verify-attestation input) says:
# `auto` (default) where gh is installed, a warning where it is not; `required` stops the job
# without gh; `off` skips it. A refused (or timed-out, LAMBDA_SHIFT_ATTESTATION_TIMEOUT seconds,
# default 120) verification deletes the download and stops the job before it runs. A source build
# copies the action's source into the private folder, builds it there with scripts/release without
# the job's tokens, and copies the binary out of the build, checked against the SHA-256 the build
# wrote; the build's folders are then deleted.
#
# Output: the binary's own lines are printed as they come, never spliced into one of ours (a
# workflow command, ::add-mask:: among them, counts only at the start of a line); every value in a
# line of ours is escaped as a workflow command's message is (%, CR, LF), so no input, ref or tag
# can start a workflow command of its own.
set -euo pipefail

mode="${1:-}"
arch="$(uname -m)"
asset="lambda-shift-linux-$arch"
root="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}/.."
server="${LAMBDA_SHIFT_SERVER_URL:-https://github.com}"
api="${LAMBDA_SHIFT_API_URL:-https://api.github.com}"
# What a build from source runs without: the job's tokens and credentials (scripts/release needs
# none of them; GITHUB_TOKEN is for the releases API and gh only).
build_secrets=(GITHUB_TOKEN GH_TOKEN GH_ENTERPRISE_TOKEN GITHUB_ENTERPRISE_TOKEN ACTIONS_RUNTIME_TOKEN
               ACTIONS_ID_TOKEN_REQUEST_TOKEN ACTIONS_ID_TOKEN_REQUEST_URL
               AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN)

escape() { local value="${1//%/%25}"; value="${value//$'\r'/%0D}"; printf '%s' "${value//$'\n'/%0A}"; }
say() { printf '%s\n' "$(escape "$1")"; }
notice() { printf '::notice title=lambda-shift::%s\n' "$(escape "$1")"; }
warning() { printf '::warning title=lambda-shift::%s\n' "$(escape "$1")"; }
fail() { printf '::error title=lambda-shift::%s\n' "$(escape "$1")"; exit 1; }
output() { printf '%s=%s\n' "$1" "$2" >> "${GITHUB_OUTPUT:-/dev/null}"; }
sha256() { sha256sum "$1" | cut -d' ' -f1; }

full_tag='^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'
moving_tag='^v[0-9]+(\.[0-9]+)?$'
owner_name='^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$'

# curl_status URL FILE [curl args...]: the HTTP status of a GET of URL saved to FILE, 000 when
# no answer came (curl says why on stderr). Never fails by itself.
curl_status() {
  local url="$1" file="$2" code; shift 2
  code="$(curl -sS -L --retry 2 --connect-timeout 20 -o "$file" -w '%{http_code}' "$@" "$url")" || code=000
  echo "$code"
}

# answer STATUS URL: what a request's status says, for a message.
answer() { if [ "$1" = 000 ]; then echo "no answer from $2"; else echo "HTTP $1 from $2"; fi; }

# highest_release PREFIX: the highest vX.Y.Z release (no draft, no pre-release) under PREFIX
# (v1, v1.2) that has this runner's binary and its .sha256, from the newest 100 releases. Prints
# the tag, or nothing; returns 1 when the API could not be read (the reason on stdout).
highest_release() {
  local prefix="$1" list status
  list="$(mktemp)"
  local url="$api/repos/$repository/releases?per_page=100"
  local headers=(-H "Accept: application/vnd.github+json" -H "X-GitHub-Api-Version: 2022-11-28")
  if [ -n "${GITHUB_TOKEN:-}" ]; then
    # The token goes through stdin, never on a command line another user's ps could read.
    status="$(printf 'Authorization: Bearer %s\n' "$GITHUB_TOKEN" | curl_status "$url" "$list" "${headers[@]}" -H @-)"
  else
    status="$(curl_status "$url" "$list" "${headers[@]}")"
  fi
  if [ "$status" != 200 ]; then
    rm -f "$list"
    answer "$status" "$url"
    return 1
  fi
  python3 - "$list" "$prefix" "$asset" <<'PY' || { rm -f "$list"; echo "an unreadable answer from $url"; return 1; }
import json, re, sys
path, prefix, asset = sys.argv[1:]
releases = json.load(open(path))
want = [int(part) for part in prefix[1:].split(".")]
best = None
for release in releases:
    tag = release.get("tag_name") or ""
    match = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)", tag)
    if not match or release.get("draft") or release.get("prerelease"):
        continue
    version = tuple(int(part) for part in match.groups())
    names = {a.get("name") for a in release.get("assets") or []}
    if list(version[:len(want)]) == want and {asset, asset + ".sha256"} <= names and (best is None or version > best[0]):
        best = (version, tag)
print(best[1] if best else "")
PY
  rm -f "$list"
}

# published_sha256 TAG: the hex SHA-256 the release TAG publishes for this runner's binary.
# Prints it, or the reason it could not (returns 2 when there is no such release asset, 1 else).
published_sha256() {
  local file status hex
  file="$(mktemp)"
  status="$(curl_status "$download/$1/$asset.sha256" "$file")"
  if [ "$status" != 200 ]; then
    rm -f "$file"
    answer "$status" "$download/$1/$asset.sha256"
    [ "$status" = 404 ] && return 2
    return 1
  fi
  read -r hex _ < "$file" || true
  hex="${hex,,}"
  rm -f "$file"
  if ! [[ "$hex" =~ ^[0-9a-f]{64}$ ]]; then
    echo "$download/$1/$asset.sha256 holds no SHA-256"
    return 1
  fi
  echo "$hex"
}

resolve() {
  local requested="${LAMBDA_SHIFT_VERSION:-}" ref="${LAMBDA_SHIFT_ACTION_REF:-}" explicit="" tag="" why=""
  local given="${LAMBDA_SHIFT_GET_FROM:-}"
  repository="${given:-${LAMBDA_SHIFT_ACTION_REPOSITORY:-}}"
  repository="${repository:-lambda-shift/lambda-shift}"
  if ! [[ "$repository" =~ $owner_name ]]; then
    [ -n "$given" ] && fail "The action's lambda-shift-repository input is '$given': use OWNER/NAME, or leave it empty for the action's own repository."
    fail "The action's own repository is '$repository', which is not OWNER/NAME: set lambda-shift-repository to the repository to download lambda-shift from."
  fi
  download="$server/$repository/releases/download"

  if [ "$requested" = source ]; then
    why="lambda-shift-version is source"
  elif [ -n "$requested" ]; then
    explicit="$requested"
    if ! [[ "$requested" =~ $full_tag || "$requested" =~ $moving_tag ]]; then
      fail "The action's lambda-shift-version input is '$requested': use a release tag such as v1.2.3, a major such as v1 (its newest release), source, or leave it empty."
    fi
    tag="$requested"
  elif [[ "$ref" =~ $full_tag || "$ref" =~ $moving_tag ]]; then
    tag="$ref"
  elif [ -z "$ref" ]; then
    why="no release matches a local action, uses: ./…"
  else
    why="no release matches the action's ref $ref, a branch or a commit"
  fi

  if [ -n "$tag" ] && { [ "$(uname -s)" != Linux ] || { [ "$arch" != x86_64 ] && [ "$arch" != aarch64 ]; }; }; then
    [ -n "$explicit" ] && fail "lambda-shift releases are built for Linux x86_64 and aarch64, and this runner is $(uname -s) $arch: set lambda-shift-version to source to build it here."
    why="releases are built for Linux x86_64 and aarch64 only, and this runner is $(uname -s) $arch"
    tag=""
  fi

  if [ -n "$tag" ] && [[ "$tag" =~ $moving_tag ]]; then
    local found
    if ! found="$(highest_release "$tag")"; then
      [ -n "$explicit" ] && fail "Could not list the releases of $repository to find the newest $tag ($found): re-run the job, or set lambda-shift-version to a release such as v1.2.3."
      warning "Could not list the releases of $repository to find the newest $tag ($found): building lambda-shift from the action's source instead."
      tag=""
    elif [ -z "$found" ]; then
      [ -n "$explicit" ] && fail "lambda-shift $tag does not exist: $repository has no $tag.x release with $asset; see $server/$repository/releases."
      notice "$repository has no $tag.x release with $asset: building lambda-shift from the action's source instead."
      tag=""
    else
      say "lambda-shift $found: the newest $tag release of $repository"
      tag="$found"
    fi
  fi

  local sha256="" status=0
  if [ -n "$tag" ]; then
    sha256="$(published_sha256 "$tag")" || status=$?
    if [ "$status" = 2 ]; then
      [ -n "$explicit" ] && fail "lambda-shift $tag does not exist: $repository has no release $tag with $asset ($sha256); see $server/$repository/releases."
      notice "$repository has no release $tag with $asset, which the action's ref names: building lambda-shift from the action's source instead."
      tag=""
    elif [ "$status" != 0 ]; then
      [ -n "$explicit" ] && fail "Could not read the SHA-256 of lambda-shift $tag ($sha256): re-run the job."
      warning "Could not read the SHA-256 of lambda-shift $tag ($sha256): building lambda-shift from the action's source instead."
      tag=""
    fi
  fi

  if [ -n "$tag" ]; then
    say "lambda-shift $tag from $download/$tag/$asset, SHA-256 $sha256"
    output version "$tag"
    output url "$download/$tag/$asset"
    output sha256 "$sha256"
  else
    [ -n "$why" ] && say "lambda-shift from the action's own source ($why)"
    output version source
    output url ""
    output sha256 ""
  fi
  output repository "$repository"
}

# starts BIN: runs BIN --version (its lines printed as they come); when it cannot start, says what
# it needs of the machine.
starts() {
  "$1" --version && return 0
  fail "lambda-shift ($1) does not start on this runner: it needs glibc as new as the release's build machine's, libcurl4, libcrypto from OpenSSL 3 and zlib (see the README's Supported platforms); install them, or set lambda-shift-version to source to build it here."
}

# attested FILE REPOSITORY TAG MODE: FILE's build-provenance attestation verified as MODE (the
# verify-attestation input) asks; a refusal deletes FILE and stops the job. The certificate must
# name REPOSITORY's release workflow at refs/tags/TAG exactly (--cert-identity is an exact match;
# gh takes --signer-workflow as a prefix), built from refs/tags/TAG, signed on a GitHub-hosted runner.
attested() {
  local file="$1" repository="$2" tag="$3" mode="$4"
  local limit="${LAMBDA_SHIFT_ATTESTATION_TIMEOUT:-120}" status=0
  local signer="$server/$repository/.github/workflows/release.yml@refs/tags/$tag"
  if [ "$mode" = off ]; then
    say "Build provenance not verified (verify-attestation is off): the download matched its SHA-256 only."
    return 0
  fi
  if ! command -v gh >/dev/null 2>&1; then
    if [ "$mode" = required ]; then
      rm -f "$file"
      fail "verify-attestation is required, but the GitHub CLI (gh) is not on this runner, so the download's build provenance cannot be verified: install gh before this step, or set verify-attestation to auto."
    fi
    warning "The GitHub CLI (gh) is not on this runner, so lambda-shift's build-provenance attestation was not verified (only its SHA-256 was): install gh, or set verify-attestation: required to insist on it."
    return 0
  fi
  GH_TOKEN="${GH_TOKEN:-${GITHUB_TOKEN:-}}" timeout "$limit" gh attestation verify "$file" --repo "$repository" \
    --cert-identity "$signer" --source-ref "refs/tags/$tag" --deny-self-hosted-runners >&2 || status=$?
  if [ "$status" != 0 ]; then
    rm -f "$file"
    if [ "$status" = 124 ]; then
      fail "Verifying lambda-shift's build provenance did not finish within ${limit}s (gh attestation verify), so the download was deleted without being run: re-run the job."
    fi
    fail "The downloaded lambda-shift is not attested by $signer on a GitHub-hosted runner (gh attestation verify exited $status, its reason above), so it was deleted without being run: do not use this release; report it to lambda-shift's maintainers, or set lambda-shift-version to source to build from the action's source."
  fi
  say "lambda-shift's build provenance verified: attested by $signer on a GitHub-hosted runner"
}

# download BIN: the release asset at $url saved as BIN, checked against $expected, then attested.
download() {
  local bin="$1" status actual
  status="$(curl_status "$url" "$bin")"
  if [ "$status" != 200 ]; then
    rm -f "$bin"
    fail "Could not download lambda-shift ($(answer "$status" "$url")): re-run the job, or set lambda-shift-version to source to build lambda-shift from the action's source."
  fi
  # Checked before it is made executable or run, in the folder it will run from.
  actual="$(sha256 "$bin")"
  if [ "$actual" != "$expected" ]; then
    rm -f "$bin"
    fail "The downloaded $url does not match its published SHA-256 (expected $expected, got $actual), so it was deleted without being run: re-run the job, and if it fails again report it to lambda-shift's maintainers and set lambda-shift-version to source to build lambda-shift from the action's source meanwhile."
  fi
  attested "$bin" "$repository" "$version" "$verify"
}

# build BIN: the action's source copied into the private folder (never its .git, .build* or out)
# and built there with scripts/release, without the job's tokens; its binary copied to BIN and
# checked against the SHA-256 the build wrote. The build's folders are deleted after.
build() {
  local bin="$1" src="$private/src" out="$private/out" entry digest actual unset=()
  mkdir "$src"
  shopt -s nullglob dotglob
  for entry in "$root"/*; do
    case "${entry##*/}" in .git|.build*|out) continue ;; esac
    cp -a "$entry" "$src/"
  done
  shopt -u nullglob dotglob
  for entry in "${build_secrets[@]}"; do unset+=(-u "$entry"); done
  say "Building lambda-shift from the action's source in $src (scripts/release, without the job's tokens)"
  if ! (cd "$src" && env "${unset[@]}" bash scripts/release "$out"); then
    fail "Building lambda-shift from the action's source failed (scripts/release, its output above): fix what it says (the build needs Swift 6 on the runner), or set lambda-shift-version to a release such as v1.2.3."
  fi
  if ! [ -f "$out/$asset" ] || ! read -r digest _ < "$out/$asset.sha256" || ! [[ "$digest" =~ ^[0-9a-f]{64}$ ]]; then
    fail "scripts/release did not write $asset and its .sha256: see its output above, fix the build, and re-run the job."
  fi
  cp "$out/$asset" "$bin"
  rm -rf "$src" "$out" || true   # what is left stays in this job's folder, never run
  actual="$(sha256 "$bin")"
  if [ "$actual" != "$digest" ]; then
    rm -f "$bin"
    fail "The lambda-shift built from source does not match the SHA-256 its build wrote (expected $digest, got $actual), so it was deleted without being run: re-run the job."
  fi
  expected="$digest"
}

install() {
  version="${LAMBDA_SHIFT_GET_VERSION:-}" url="${LAMBDA_SHIFT_GET_URL:-}" expected="${LAMBDA_SHIFT_GET_SHA256:-}"
  repository="${LAMBDA_SHIFT_GET_REPOSITORY:-}" verify="${LAMBDA_SHIFT_VERIFY_ATTESTATION:-auto}"
  case "$verify" in
    auto|required|off) ;;
    *) fail "The action's verify-attestation input is '$verify': use auto, required or off." ;;
  esac
  if [ "$version" != source ] && ! { [[ "$version" =~ $full_tag ]] && [ -n "$url" ] && [[ "$repository" =~ $owner_name ]]; }; then
    fail "No lambda-shift was chosen ('$version'): the action's resolve step must run first."
  fi
  if [ "$version" != source ] && ! [[ "$expected" =~ ^[0-9a-f]{64}$ ]]; then
    fail "No SHA-256 to check lambda-shift against ('$expected'): the action's resolve step must run first."
  fi
  # A folder of this job's own: a new name (mktemp -d) under the runner's temp folder, which the
  # runner empties for every job, readable by this user only.
  local temp="${LAMBDA_SHIFT_GET_TEMP:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}}"
  private="$(mktemp -d "$temp/lambda-shift.XXXXXXXX")" || fail "Could not make a folder for lambda-shift under $temp: check that the runner's temp folder is writable, and re-run the job."
  chmod 700 "$private"
  trap 'rm -rf "$private"' EXIT
  local bin="$private/lambda-shift"
  if [ "$version" = source ]; then
    build "$bin"
  else
    download "$bin"
  fi
  chmod 500 "$bin"
  say "lambda-shift installed at $bin (checked there, in a folder of this job's own), version:"
  starts "$bin"
  trap - EXIT
  output path "$bin"
  output sha256 "$expected"
}

case "$mode" in
  resolve) resolve ;;
  install) install ;;
  *) echo "usage: get-lambda-shift.sh resolve|install" >&2; exit 2 ;;
esac
