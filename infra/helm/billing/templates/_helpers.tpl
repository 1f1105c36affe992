{{/* The release's name prefix for every object. */}}
{{- define "billing.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object; call with (dict "root" $ "app" "gateway"). */}}
{{- define "billing.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "billing.selectorLabels" . }}
{{- end -}}

{{- define "billing.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .app }}
{{- end -}}

{{/* <prefix>/<app>:<tag>; call with (dict "root" $ "app" "gateway"). */}}
{{- define "billing.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.repositoryPrefix .app (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{/* In-cluster URL of a gRPC app: its headless Service, one address per ready pod, which the apps resolve and spread calls over (docs/deploy.md). */}}
{{- define "billing.grpcUrl" -}}
{{- printf "http://%s-%s-pods:%v" (include "billing.fullname" .root) .app .port -}}
{{- end -}}

{{/* An env entry read from a Secret named in values: (dict "name" "DATABASE_URL" "ref" .Values.secrets.databaseUrl). */}}
{{- define "billing.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "a Secret name for %s" .name) .ref.name }}
      key: {{ required (printf "a Secret key for %s" .name) .ref.key }}
      {{- if .ref.optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/* What every app and the migration run with. */}}
{{- define "billing.commonEnv" -}}
- name: NODE_ENV
  value: production
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- if .Values.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .Values.otlpEndpoint | quote }}
{{- end }}
{{- end -}}

{{/*
Temporal's settings, as the TEMPORAL_* variables the apps (and the temporal CLI) read; refuses
combinations the apps would refuse at start-up anyway, so a bad values file fails at render time.
*/}}
{{- define "billing.temporalEnv" -}}
{{- $t := .Values.temporal -}}
{{- $apiKey := and $t.apiKey $t.apiKey.secretName -}}
{{- if and $apiKey $t.tls.clientCertSecret -}}
{{- fail "temporal.apiKey and temporal.tls.clientCertSecret are two ways to authenticate to Temporal: set one" -}}
{{- end -}}
{{- if and (not $t.tls.enabled) (or $t.tls.caSecret $t.tls.clientCertSecret $t.tls.serverName) -}}
{{- fail "temporal.tls.caSecret, clientCertSecret and serverName need temporal.tls.enabled: true" -}}
{{- end -}}
- name: TEMPORAL_ADDRESS
  value: {{ required "temporal.address" $t.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ required "temporal.namespace" $t.namespace | quote }}
- name: TEMPORAL_TASK_QUEUE
  value: {{ required "temporal.taskQueue" $t.taskQueue | quote }}
{{- if or $t.tls.enabled $apiKey }}
- name: TEMPORAL_TLS
  value: "true"
{{- end }}
{{- if $t.tls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ $t.tls.serverName | quote }}
{{- end }}
{{- if $t.tls.caSecret }}
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: /etc/billing/temporal/ca/ca.crt
{{- end }}
{{- if $t.tls.clientCertSecret }}
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: /etc/billing/temporal/client/tls.crt
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: /etc/billing/temporal/client/tls.key
{{- end }}
{{- if $apiKey }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $t.apiKey.secretName }}
      key: {{ required "temporal.apiKey.key" $t.apiKey.key }}
{{- end }}
{{- end -}}

{{- define "billing.temporalVolumeMounts" -}}
{{- if .Values.temporal.tls.caSecret }}
- name: temporal-ca
  mountPath: /etc/billing/temporal/ca
  readOnly: true
{{- end }}
{{- if .Values.temporal.tls.clientCertSecret }}
- name: temporal-client-cert
  mountPath: /etc/billing/temporal/client
  readOnly: true
{{- end }}
{{- end -}}

{{- define "billing.temporalVolumes" -}}
{{- if .Values.temporal.tls.caSecret }}
- name: temporal-ca
  secret:
    secretName: {{ .Values.temporal.tls.caSecret }}
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- if .Values.temporal.tls.clientCertSecret }}
- name: temporal-client-cert
  secret:
    secretName: {{ .Values.temporal.tls.clientCertSecret }}
    items:
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
{{- end }}
{{- end -}}

{{/*
The pod-level fields every app shares; call with (dict "root" $ "app" "gateway" "values" .Values.gateway).
*/}}
{{- define "billing.podCommon" -}}
{{- $root := .root -}}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
terminationGracePeriodSeconds: {{ .values.terminationGracePeriodSeconds }}
{{- with (default $root.Values.topologySpreadConstraints .values.topologySpreadConstraints) }}
topologySpreadConstraints:
  {{- range . }}
  - {{ toYaml . | nindent 4 | trim }}
    labelSelector:
      matchLabels:
        {{- include "billing.selectorLabels" (dict "root" $root "app" $.app) | nindent 8 }}
  {{- end }}
{{- end }}
{{- with (default $root.Values.nodeSelector .values.nodeSelector) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default $root.Values.tolerations .values.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default $root.Values.affinity .values.affinity) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Pod template metadata; call like billing.podCommon. */}}
{{- define "billing.podMetadata" -}}
labels:
  {{- include "billing.labels" . | nindent 2 }}
  {{- with .root.Values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  prometheus.io/scrape: "true"
  prometheus.io/port: {{ .values.metricsPort | quote }}
  prometheus.io/path: /metrics
  {{- with .root.Values.podAnnotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end -}}

{{/* The container fields every app shares: image, security, /tmp, preStop. */}}
{{- define "billing.containerCommon" -}}
image: {{ include "billing.image" . }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
securityContext:
  {{- toYaml .root.Values.containerSecurityContext | nindent 2 }}
resources:
  {{- toYaml .values.resources | nindent 2 }}
{{- if gt (int .values.preStopSleepSeconds) 0 }}
lifecycle:
  # Endpoints drop the pod while it still serves; SIGTERM (and the drain) comes after.
  preStop:
    sleep:
      seconds: {{ .values.preStopSleepSeconds }}
{{- end }}
{{- end -}}

{{/* A PodDisruptionBudget when more than one pod may run; call like billing.podCommon. */}}
{{- define "billing.pdb" -}}
{{- $least := .values.replicaCount -}}
{{- if and .values.autoscaling .values.autoscaling.enabled -}}
{{- $least = .values.autoscaling.minReplicas -}}
{{- end -}}
{{- if and .values.podDisruptionBudget (gt (int $least) 1) }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "billing.fullname" .root }}-{{ .app }}
  labels:
    {{- include "billing.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .values.podDisruptionBudget.maxUnavailable }}
  # A crash-looping pod must not block a node drain.
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "billing.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/* autoscaling/v2 on CPU for a stateless app; call like billing.podCommon. */}}
{{- define "billing.hpa" -}}
{{- if and .values.autoscaling .values.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "billing.fullname" .root }}-{{ .app }}
  labels:
    {{- include "billing.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "billing.fullname" .root }}-{{ .app }}
  minReplicas: {{ .values.autoscaling.minReplicas }}
  maxReplicas: {{ .values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .values.autoscaling.targetCPUUtilizationPercentage }}
  behavior:
    scaleDown:
      # Five minutes of lower load before a pod goes: scaling down drains connections and streams.
      stabilizationWindowSeconds: 300
{{- end }}
{{- end -}}
