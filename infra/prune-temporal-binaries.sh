#!/bin/sh
# Usage: prune-temporal-binaries.sh <deploy-dir>
# @temporalio/core-bridge ships its native library prebuilt for five platforms (about 140 MB);
# a Linux image runs one of them. Keeps the build machine's own (the image's: the Dockerfile
# builds on the target platform) and deletes the rest. Run by Dockerfile.worker and by
# scripts/check-deploy.ts on the same deploy folder, so the size and the start-up they check
# are the image's.
set -eu

dir="${1:?usage: prune-temporal-binaries.sh <deploy-dir>}"
keep="$(uname -m)-unknown-linux-gnu"
pruned=0
for releases in "$dir"/node_modules/.pnpm/@temporalio+core-bridge@*/node_modules/@temporalio/core-bridge/releases; do
  [ -d "$releases" ] || continue
  if [ ! -f "$releases/$keep/index.node" ]; then
    echo "no $keep build in $releases: refusing to prune" >&2
    exit 1
  fi
  for target in "$releases"/*; do
    [ "$(basename "$target")" = "$keep" ] || rm -rf "$target"
  done
  pruned=$((pruned + 1))
done
if [ "$pruned" -eq 0 ]; then
  echo "no @temporalio/core-bridge under $dir/node_modules" >&2
  exit 1
fi
echo "kept only the $keep core-bridge build"
