"""The Helm chart's own rules, checked on what `helm template` rendered (run by check-helm.sh).

Usage: helm-chart-rules.py HELM CHART RENDERED_DIR, where RENDERED_DIR holds <name>.yaml for each
ci/<name>-values.yaml. Kubernetes' schemas say a manifest is well-formed; these say it does what
docs/deploy.md promises: probes that restart a pod only for its own faults, a grace period that
covers the drain, PDBs and autoscaling where they belong, the migration before the apps, no
secret in the chart, and values the chart must refuse.
"""
import re
import subprocess
import sys
from pathlib import Path

import yaml

helm, chart, rendered = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
root = Path(__file__).resolve().parent.parent
problems: list[str] = []

# runApp's cap on a drain (packages/runtime): the grace period must outlast it.
run_app = (root / 'packages/runtime/src/run-app.ts').read_text()
match = re.search(r'drainTimeoutMs \?\? ([\d_]+)', run_app)
if not match:
    sys.exit('cannot find the drain timeout in packages/runtime/src/run-app.ts')
DRAIN_SECONDS = int(match.group(1).replace('_', '')) // 1000

GRPC_APPS = {'bill-service', 'rates-service'}
STATELESS_APPS = {'gateway', 'bill-service', 'rates-service'}
SECRET_VARIABLES = {'DATABASE_URL', 'BILLING_SERVICE_TOKEN', 'BILLING_ADMIN_API_KEY', 'TEMPORAL_API_KEY'}


def must_set(app: str) -> set[str]:
    """What an app cannot run without in a cluster: where its peers and dependencies are, read
    from its env module (a default there is 127.0.0.1, right only on one machine)."""
    text = (root / 'apps' / app / 'src' / 'env.ts').read_text()
    names = set(re.findall(r'\b([A-Z_]+_SERVICE_URL):', text))
    if 'databaseVariables(' in text:
        names.add('DATABASE_URL')
    if 'temporalVariables(' in text:
        names |= {'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE'}
    if 'serviceCredentialVariables(' in text:
        names.add('BILLING_SERVICE_TOKEN')
    return names


def component(obj: dict) -> str:
    return obj['metadata'].get('labels', {}).get('app.kubernetes.io/component', '?')


def check_pod(where: str, pod: dict) -> None:
    security = pod.get('securityContext', {})
    if security.get('runAsNonRoot') is not True:
        problems.append(f'{where}: the pod must run as non-root (runAsNonRoot)')
    for container in pod['containers']:
        context = container.get('securityContext', {})
        if context.get('readOnlyRootFilesystem') is not True or context.get('allowPrivilegeEscalation') is not False:
            problems.append(f'{where}/{container["name"]}: read-only root filesystem and no privilege escalation')
        requests = container.get('resources', {}).get('requests', {})
        if not {'cpu', 'memory'} <= requests.keys():
            problems.append(f'{where}/{container["name"]}: needs CPU and memory requests')
        for entry in container.get('env', []):
            if entry['name'] in SECRET_VARIABLES and 'secretKeyRef' not in entry.get('valueFrom', {}):
                problems.append(f'{where}/{container["name"]}: {entry["name"]} must come from a Secret, not a value')


def check_file(name: str, objects: list[dict]) -> None:
    by_kind: dict[str, list[dict]] = {}
    for obj in objects:
        by_kind.setdefault(obj['kind'], []).append(obj)
    if 'Secret' in by_kind:
        problems.append(f'{name}: the chart must not create Secrets (they are referenced by name)')

    deployments = {component(d): d for d in by_kind.get('Deployment', [])}
    if set(deployments) != STATELESS_APPS | {'worker'}:
        problems.append(f'{name}: expected one Deployment per app, got {sorted(deployments)}')
    services = {component(s) for s in by_kind.get('Service', [])}
    if not set(deployments) <= services:
        problems.append(f'{name}: every app needs a Service, missing {sorted(set(deployments) - services)}')
    hpas = {h['spec']['scaleTargetRef']['name']: h for h in by_kind.get('HorizontalPodAutoscaler', [])}
    pdbs = {component(p) for p in by_kind.get('PodDisruptionBudget', [])}

    for app, deployment in deployments.items():
        where = f'{name}: {app}'
        pod = deployment['spec']['template']['spec']
        check_pod(where, pod)
        container = pod['containers'][0]
        missing = must_set(app) - {entry['name'] for entry in container.get('env', [])}
        if missing:
            problems.append(f'{where}: its env module reads {", ".join(sorted(missing))}, which the chart does not set')
        liveness, readiness = container.get('livenessProbe'), container.get('readinessProbe')
        if not liveness or not readiness:
            problems.append(f'{where}: needs a liveness and a readiness probe')
            continue
        # Liveness must not ask the dependency-aware health check: a PostgreSQL or Temporal outage
        # would restart every pod.
        if 'grpc' in liveness or liveness.get('httpGet', {}).get('path') == '/readyz':
            problems.append(f'{where}: the liveness probe must not depend on dependencies')
        if app in GRPC_APPS and readiness.get('grpc', {}).get('port') != container['ports'][0]['containerPort']:
            problems.append(f'{where}: readiness must be the native gRPC probe on the gRPC port')
        if app == 'gateway' and readiness.get('httpGet', {}).get('path') != '/readyz':
            problems.append(f'{where}: readiness must be /readyz')
        pre_stop = container.get('lifecycle', {}).get('preStop', {}).get('sleep', {}).get('seconds', 0)
        if app in STATELESS_APPS and pre_stop < 1:
            problems.append(f'{where}: a served app needs a preStop sleep so endpoints drop it before it drains')
        grace = pod.get('terminationGracePeriodSeconds', 30)
        if grace < pre_stop + DRAIN_SECONDS:
            problems.append(f'{where}: terminationGracePeriodSeconds {grace} < preStop {pre_stop} s + drain {DRAIN_SECONDS} s')
        hpa = hpas.get(deployment['metadata']['name'])
        if app == 'worker' and hpa:
            problems.append(f'{where}: the worker must not have a CPU autoscaler')
        least = hpa['spec']['minReplicas'] if hpa else deployment['spec'].get('replicas', 1)
        if least > 1 and app not in pdbs:
            problems.append(f'{where}: {least} replicas and no PodDisruptionBudget')
        if least <= 1 and app in pdbs:
            problems.append(f'{where}: a PodDisruptionBudget with maxUnavailable 1 on one replica blocks node drains')

    jobs = {component(j): j for j in by_kind.get('Job', [])}
    migrate = jobs.get('migration')
    if not migrate:
        problems.append(f'{name}: no migration Job')
    else:
        hooks = set(migrate['metadata'].get('annotations', {}).get('helm.sh/hook', '').split(','))
        if not {'pre-install', 'pre-upgrade'} <= hooks:
            problems.append(f'{name}: the migration Job must be a pre-install,pre-upgrade hook')
        check_pod(f'{name}: migration', migrate['spec']['template']['spec'])
    if 'temporal-setup' in jobs:
        check_pod(f'{name}: temporal-setup', jobs['temporal-setup']['spec']['template']['spec'])


def env_of(objects: list[dict], app: str) -> dict[str, dict]:
    deployment = next(o for o in objects if o['kind'] == 'Deployment' and component(o) == app)
    return {e['name']: e for e in deployment['spec']['template']['spec']['containers'][0]['env']}


files = {path.stem: [o for o in yaml.safe_load_all(path.read_text()) if o] for path in sorted(rendered.glob('*.yaml'))}
for name, objects in files.items():
    check_file(name, objects)

# What each example is for.
if 'production' in files:
    objects = files['production']
    if not {component(h) for h in objects if h['kind'] == 'HorizontalPodAutoscaler'} == STATELESS_APPS:
        problems.append('production: the stateless apps (and only they) autoscale on CPU')
    worker_env = env_of(objects, 'worker')
    if not {'TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH'} <= worker_env.keys():
        problems.append('production: the worker reaches Temporal over mutual TLS')
if 'temporal-cloud' in files:
    objects = files['temporal-cloud']
    for app in ('bill-service', 'worker'):
        env = env_of(objects, app)
        if 'TEMPORAL_API_KEY' not in env or env.get('TEMPORAL_TLS', {}).get('value') != 'true':
            problems.append(f'temporal-cloud: {app} needs the API key and TLS')
    if any(o['kind'] == 'Job' and component(o) == 'temporal-setup' for o in objects):
        problems.append('temporal-cloud: no setup Job against Temporal Cloud')

# Values the chart must refuse at render time, each with its reason in the error.
REFUSED = [
    (['--set', 'temporal.apiKey.secretName=cloud', '--set', 'temporal.tls.enabled=true', '--set', 'temporal.tls.clientCertSecret=client'],
     'two ways to authenticate'),
    (['--set', 'temporal.tls.caSecret=ca'], 'need temporal.tls.enabled'),
    (['--set', 'worker.autoscaling.enabled=true'], 'not scaled on CPU'),
    (['--set', 'secrets.databaseUrl.name='], 'a Secret name for DATABASE_URL'),
    # values.schema.json: a misspelt key or an address without its port.
    (['--set', 'gatway.replicaCount=2'], "additional properties 'gatway' not allowed"),
    (['--set', 'temporal.address=temporal-frontend'], '/temporal/address'),
]
for args, reason in REFUSED:
    result = subprocess.run([helm, 'template', 'billing', str(chart), *args], capture_output=True, text=True)
    if result.returncode == 0 or reason not in result.stderr:
        problems.append(f'helm template {" ".join(args)} must fail with "{reason}" (exit {result.returncode}: {result.stderr.strip()[:200]})')

for problem in problems:
    print(f'FAIL: {problem}', file=sys.stderr)
sys.exit(1 if problems else 0)
