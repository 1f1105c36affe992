{{/*
A gRPC app (bill-service, rates-service): Deployment, ClusterIP Service, a headless Service (one
address per ready pod, for clients that balance per call), PDB and HPA. Call with (dict "root" $
"app" "bill-service" "values" .Values.billService "env" <rendered env entries> "temporal" true).
*/}}
{{- define "billing.grpcApp" -}}
{{- $root := .root -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "billing.fullname" $root }}-{{ .app }}
  labels:
    {{- include "billing.labels" . | nindent 4 }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxUnavailable: 0, maxSurge: 1 }
  selector:
    matchLabels:
      {{- include "billing.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      {{- include "billing.podMetadata" . | nindent 6 }}
    spec:
      {{- include "billing.podCommon" . | trim | nindent 6 }}
      containers:
        - name: {{ .app }}
          {{- include "billing.containerCommon" . | nindent 10 }}
          ports:
            - { name: grpc, containerPort: {{ $v.port }}, protocol: TCP }
            - { name: metrics, containerPort: {{ $v.metricsPort }}, protocol: TCP }
          env:
            {{- include "billing.commonEnv" $root | nindent 12 }}
            - { name: METRICS_PORT, value: {{ $v.metricsPort | quote }} }
            - { name: OTEL_SERVICE_NAME, value: {{ .app }} }
            {{- .env | nindent 12 }}
            {{- include "billing.secretEnv" (dict "name" "BILLING_SERVICE_TOKEN" "ref" $root.Values.secrets.serviceToken) | nindent 12 }}
            {{- if .temporal }}
            {{- include "billing.temporalEnv" $root | nindent 12 }}
            {{- end }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          # The metrics endpoint answers from the app's event loop and needs no dependency: a
          # PostgreSQL or Temporal outage makes the pod unready, never restarts it.
          livenessProbe:
            httpGet: { path: /metrics, port: metrics }
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 6
          # grpc.health.v1 (grpc-kit): SERVING only while every dependency answers, NOT_SERVING
          # from the first moment of a drain.
          readinessProbe:
            grpc: { port: {{ $v.port }} }
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          startupProbe:
            tcpSocket: { port: grpc }
            periodSeconds: 2
            failureThreshold: 30
          volumeMounts:
            - { name: tmp, mountPath: /tmp }
            {{- if .temporal }}
            {{- include "billing.temporalVolumeMounts" $root | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: { medium: Memory, sizeLimit: 16Mi }
        {{- if .temporal }}
        {{- include "billing.temporalVolumes" $root | nindent 8 }}
        {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "billing.fullname" $root }}-{{ .app }}
  labels:
    {{- include "billing.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "billing.selectorLabels" . | nindent 4 }}
  ports:
    - { name: grpc, port: {{ $v.port }}, targetPort: grpc, protocol: TCP, appProtocol: kubernetes.io/h2c }
    - { name: metrics, port: {{ $v.metricsPort }}, targetPort: metrics, protocol: TCP }
---
# One DNS address per ready pod: a ClusterIP balances connections, and an HTTP/2 client keeps one
# connection, so per-call balancing needs the pods' own addresses (or a mesh); docs/deploy.md.
apiVersion: v1
kind: Service
metadata:
  name: {{ include "billing.fullname" $root }}-{{ .app }}-pods
  labels:
    {{- include "billing.labels" . | nindent 4 }}
spec:
  clusterIP: None
  selector:
    {{- include "billing.selectorLabels" . | nindent 4 }}
  ports:
    - { name: grpc, port: {{ $v.port }}, targetPort: grpc, protocol: TCP, appProtocol: kubernetes.io/h2c }
{{- include "billing.pdb" . }}
{{- include "billing.hpa" . }}
{{- end -}}
