#!/usr/bin/env bash
# Puts the lambda-shift binary at ~/.cache/lambda-shift/lambda-shift: kept from the cache when
# there; else the release named by LAMBDA_SHIFT_VERSION, checked against its .sha256; else
# built from the action's own source with a static Swift standard library.
set -euo pipefail
dir="$HOME/.cache/lambda-shift"
bin="$dir/lambda-shift"
mkdir -p "$dir"
# The binary's own lines are printed as they come, never spliced into one of ours: a workflow
# command (::add-mask:: among them) counts only at the start of a line.
if [ -x "$bin" ]; then
  echo "lambda-shift from the cache, version:"
  "$bin" --version
  exit 0
fi
if [ -n "${LAMBDA_SHIFT_VERSION:-}" ]; then
  base="${GITHUB_SERVER_URL:-https://github.com}/${LAMBDA_SHIFT_REPOSITORY:-lambda-shift/lambda-shift}/releases/download/$LAMBDA_SHIFT_VERSION"
  asset="lambda-shift-linux-$(uname -m)"
  curl -fsSL -o "$bin" "$base/$asset"
  curl -fsSL -o "$bin.sha256" "$base/$asset.sha256"
  echo "$(cut -d' ' -f1 "$bin.sha256")  $bin" | sha256sum -c -
  chmod +x "$bin"
else
  root="$GITHUB_ACTION_PATH/.."
  (cd "$root" && bash scripts/release "$dir")
  mv "$dir/lambda-shift-linux-$(uname -m)" "$bin"
fi
echo "lambda-shift installed, version:"
"$bin" --version
