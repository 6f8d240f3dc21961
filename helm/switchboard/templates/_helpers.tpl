{{/* ---- names ------------------------------------------------------------------------------ */}}

{{- define "switchboard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped base name; components append "-edge", "-auth", … (so it is kept ≤ 50). */}}
{{- define "switchboard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "switchboard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The components this release runs, in a fixed order (space-separated). */}}
{{- define "switchboard.components" -}}
edge auth router presence{{ if .Values.api.enabled }} api{{ end }}
{{- end }}

{{/* Name of one component's objects. Call with (dict "root" $ "component" "edge"). */}}
{{- define "switchboard.componentName" -}}
{{- printf "%s-%s" (include "switchboard.fullname" .root) .component }}
{{- end }}

{{- define "switchboard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "switchboard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* ---- labels (Helm's recommended set) ---------------------------------------------------- */}}

{{- define "switchboard.labels" -}}
helm.sh/chart: {{ include "switchboard.chart" . }}
app.kubernetes.io/name: {{ include "switchboard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: switchboard
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of one component's objects. Call with (dict "root" $ "component" "edge"). */}}
{{- define "switchboard.componentLabels" -}}
{{ include "switchboard.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Selector labels: stable across upgrades (never add version or chart here). */}}
{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "switchboard.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* ---- image ------------------------------------------------------------------------------ */}}

{{- define "switchboard.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* ---- backends --------------------------------------------------------------------------- */}}

{{/* NATS URL when it is not read from a Secret: the dependency chart's Service, or externalNats.url. */}}
{{- define "switchboard.natsUrl" -}}
{{- if .Values.nats.enabled }}
{{- $name := .Values.nats.fullnameOverride | default (ternary .Release.Name (printf "%s-nats" .Release.Name) (contains "nats" .Release.Name)) }}
{{- printf "nats://%s.%s.svc:4222" ($name | trunc 63 | trimSuffix "-") .Release.Namespace }}
{{- else }}
{{- required "externalNats.url is required when nats.enabled is false" .Values.externalNats.url }}
{{- end }}
{{- end }}

{{- define "switchboard.redisUrl" -}}
{{- if .Values.valkey.enabled }}
{{- $name := .Values.valkey.fullnameOverride | default (ternary .Release.Name (printf "%s-valkey" .Release.Name) (contains "valkey" .Release.Name)) }}
{{- printf "redis://%s.%s.svc:6379" ($name | trunc 63 | trimSuffix "-") .Release.Namespace }}
{{- else }}
{{- required "externalRedis.url is required when valkey.enabled is false" .Values.externalRedis.url }}
{{- end }}
{{- end }}

{{/* ---- secrets ---------------------------------------------------------------------------- */}}

{{/* True when the tokens are checked with public keys (RS256/ES256) only. */}}
{{- define "switchboard.publicKeysOnly" -}}
{{- if and (or .Values.jwt.publicKeys .Values.jwt.existingPublicKeysSecret) (not .Values.jwt.hs256Secrets) (not .Values.jwt.existingSecret) }}true{{ end }}
{{- end }}

{{/*
The Secret holding SB_JWT_SECRETS (key "jwt-secrets"): jwt.existingSecret, else the chart's own
(from jwt.hs256Secrets, or generated once and kept across upgrades); none with public keys only.
*/}}
{{- define "switchboard.jwtSecretName" -}}
{{- if .Values.jwt.existingSecret }}
{{- .Values.jwt.existingSecret }}
{{- else if not (include "switchboard.publicKeysOnly" .) }}
{{- printf "%s-jwt" (include "switchboard.fullname" .) }}
{{- end }}
{{- end }}

{{- define "switchboard.jwtSecretKey" -}}
{{- if .Values.jwt.existingSecret }}{{ .Values.jwt.existingSecretKey }}{{ else }}jwt-secrets{{ end }}
{{- end }}

{{/* SB_JWT_PUBLIC_KEY_FILES: the mounted key files, comma-separated. */}}
{{- define "switchboard.publicKeyFiles" -}}
{{- $names := list }}
{{- if .Values.jwt.existingPublicKeysSecret }}
{{- $names = required "jwt.existingPublicKeysSecretKeys must list the PEM keys of jwt.existingPublicKeysSecret" .Values.jwt.existingPublicKeysSecretKeys }}
{{- else }}
{{- $names = keys .Values.jwt.publicKeys | sortAlpha }}
{{- end }}
{{- $files := list }}
{{- range $names }}
{{- $files = append $files (printf "/etc/switchboard/jwt/%s" .) }}
{{- end }}
{{- join "," $files }}
{{- end }}

{{/* The Secret whose keys are PEM public key files, if any. */}}
{{- define "switchboard.jwtPublicKeysSecretName" -}}
{{- if .Values.jwt.existingPublicKeysSecret }}
{{- .Values.jwt.existingPublicKeysSecret }}
{{- else if .Values.jwt.publicKeys }}
{{- printf "%s-jwt-public-keys" (include "switchboard.fullname" .) }}
{{- end }}
{{- end }}

{{/* The Secret holding SB_API_KEYS: apiKeys.existingSecret, else the chart's own (given or generated). */}}
{{- define "switchboard.apiKeysSecretName" -}}
{{- if .Values.apiKeys.existingSecret }}
{{- .Values.apiKeys.existingSecret }}
{{- else }}
{{- printf "%s-api-keys" (include "switchboard.fullname" .) }}
{{- end }}
{{- end }}

{{- define "switchboard.apiKeysSecretKey" -}}
{{- if .Values.apiKeys.existingSecret }}{{ .Values.apiKeys.existingSecretKey }}{{ else }}api-keys{{ end }}
{{- end }}

{{/* ---- edge drain ------------------------------------------------------------------------- */}}

{{/*
The edge's termination grace: preStop sleep + drain window + margin, unless set higher by
hand. Kubernetes kills the pod when the grace runs out, drain or not, so a smaller value fails.
*/}}
{{- define "switchboard.edgeGraceSeconds" -}}
{{- $d := .Values.edge.drain }}
{{- $needed := add $d.preStopSleepSeconds $d.windowSeconds $d.marginSeconds }}
{{- $set := .Values.edge.terminationGracePeriodSeconds }}
{{- if and $set (lt (int $set) (int $needed)) }}
{{- fail (printf "edge.terminationGracePeriodSeconds (%d) is shorter than edge.drain.preStopSleepSeconds + windowSeconds + marginSeconds (%d): pods would be killed mid-drain" (int $set) (int $needed)) }}
{{- end }}
{{- $set | default $needed }}
{{- end }}

{{/* ---- shared pod parts ------------------------------------------------------------------- */}}

{{/* Default spread of one component over zones and nodes, unless the component sets its own. */}}
{{- define "switchboard.topologySpread" -}}
{{- $c := index .root.Values .component }}
{{- if $c.topologySpreadConstraints }}
{{ toYaml $c.topologySpreadConstraints }}
{{- else if .root.Values.topologySpread.enabled }}
{{- range $key := list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
- maxSkew: {{ $.root.Values.topologySpread.maxSkew }}
  topologyKey: {{ $key }}
  whenUnsatisfiable: {{ $.root.Values.topologySpread.whenUnsatisfiable }}
  labelSelector:
    matchLabels:
      {{- include "switchboard.selectorLabels" $ | nindent 6 }}
  matchLabelKeys:
    - pod-template-hash
{{- end }}
{{- end }}
{{- end }}

{{/*
HPA behavior from a component's autoscaling values. Scale-up: the larger of a percentage and a
pod count per period. Scale-down: at most `pods` pods per period, after the stabilization
window (the highest recommendation within the window wins, so a dip does not shrink at once).
*/}}
{{- define "switchboard.hpaBehavior" -}}
scaleUp:
  stabilizationWindowSeconds: {{ .scaleUp.stabilizationWindowSeconds }}
  selectPolicy: Max
  policies:
    - type: Percent
      value: {{ .scaleUp.percent }}
      periodSeconds: {{ .scaleUp.periodSeconds }}
    - type: Pods
      value: {{ .scaleUp.pods }}
      periodSeconds: {{ .scaleUp.periodSeconds }}
scaleDown:
  stabilizationWindowSeconds: {{ .scaleDown.stabilizationWindowSeconds }}
  selectPolicy: Min
  policies:
    - type: Pods
      value: {{ .scaleDown.pods }}
      periodSeconds: {{ .scaleDown.periodSeconds }}
{{- end }}
