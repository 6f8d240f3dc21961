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

{{/*
A value the chart generates once: the one already stored in Secret `name` under `key`, else —
when Helm talks to a cluster (install, upgrade, --dry-run=server) — a new random one, which
the next upgrade then finds and keeps. Under `helm template` (Argo CD, Flux's post-renderers,
client dry-runs) there is no cluster to read, and a random value would change on every render
and every sync: the result is empty and the Secret is not rendered (give the value or an
existingSecret instead; docs/kubernetes.md). Call with (dict "root" $ "name" … "key" … "length" n).
*/}}
{{- define "switchboard.generatedValue" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .name }}
{{- if and $existing $existing.data (index $existing.data .key) }}
{{- index $existing.data .key | b64dec }}
{{- else if include "switchboard.clusterReachable" .root }}
{{- randAlphaNum (int .length) }}
{{- end }}
{{- end }}

{{/*
"true" when templates are rendered against a cluster. Listing Secrets of the release namespace
needs no permission beyond Helm's own (it stores releases there); it answers with a list, empty
or not, while `helm template` answers every lookup with an empty map.
*/}}
{{- define "switchboard.clusterReachable" -}}
{{- if lookup "v1" "Secret" .Release.Namespace "" }}true{{ end }}
{{- end }}

{{/*
What a Deployment's checksum annotation for a chart-managed Secret covers: the values given,
or "generated" for a value generated once (it never changes afterwards, and a random draw must
not reach the pod template — every render would roll the pods).
*/}}
{{- define "switchboard.secretSource" -}}
{{- if . }}{{ toJson . }}{{ else }}generated{{ end }}
{{- end }}

{{/*
The Secret with the password of the Valkey dependency's "default" user (key "default"):
valkey.auth.usersExistingSecret, by default <release>-valkey-users, which the chart generates.
Empty when the dependency is off or runs without auth.
*/}}
{{- define "switchboard.valkeyPasswordSecretName" -}}
{{- if and .Values.valkey.enabled .Values.valkey.auth .Values.valkey.auth.enabled .Values.valkey.auth.usersExistingSecret }}
{{- tpl .Values.valkey.auth.usersExistingSecret . }}
{{- end }}
{{- end }}

{{- define "switchboard.generatedValkeySecretName" -}}
{{- printf "%s-valkey-users" .Release.Name | trunc 63 | trimSuffix "-" }}
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

{{/*
Default spread of one component over zones and nodes, unless the component sets its own:
never two more on one node than on another (DoNotSchedule: two edges of a pair never share
a node, so one node failure cannot take both), zones balanced when possible (ScheduleAnyway:
a cluster in one zone, or a zone out of capacity, still schedules). pod-template-hash keeps a
rollout's new pods from being counted against the old ones.
*/}}
{{- define "switchboard.topologySpread" -}}
{{- $c := index .root.Values .component }}
{{- $spread := .root.Values.topologySpread }}
{{- if $c.topologySpreadConstraints }}
{{ toYaml $c.topologySpreadConstraints }}
{{- else if $spread.enabled }}
{{- range $pair := list (list "topology.kubernetes.io/zone" $spread.zones) (list "kubernetes.io/hostname" $spread.nodes) }}
- maxSkew: {{ (index $pair 1).maxSkew }}
  topologyKey: {{ index $pair 0 }}
  whenUnsatisfiable: {{ (index $pair 1).whenUnsatisfiable }}
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

{{/* ---- bus credentials -------------------------------------------------------------------- */}}

{{/*
The credential and CA files of one component's NATS and Redis connections, as a JSON list of
{env, secret, key, path}: each is a key of a Secret you manage, mounted read-only under
/etc/switchboard/bus/<path> and named by its SB_*_FILE variable. Only what the values set is
there (nothing by default): the running release's config loader refuses SB_* variables it does
not know, so these stay out until they are used. Redis files go to auth, router and presence
only (edge and api have no Redis link). Call with (dict "root" $ "component" "edge").
*/}}
{{- define "switchboard.busFiles" -}}
{{- $root := .root }}
{{- $c := index $root.Values .component }}
{{- $files := list }}
{{- with $c.natsAuth }}
{{- with .password }}{{ $files = append $files (dict "env" "SB_NATS_PASSWORD_FILE" "secret" .secretName "key" .key "path" "nats-password") }}{{ end }}
{{- with .creds }}{{ $files = append $files (dict "env" "SB_NATS_CREDS_FILE" "secret" .secretName "key" .key "path" "nats.creds") }}{{ end }}
{{- with .nkeySeed }}{{ $files = append $files (dict "env" "SB_NATS_NKEY_SEED_FILE" "secret" .secretName "key" .key "path" "nats-nkey.seed") }}{{ end }}
{{- with .clientCert }}
{{- $files = append $files (dict "env" "SB_NATS_CERT_FILE" "secret" .secretName "key" (.certKey | default "tls.crt") "path" "nats-tls.crt") }}
{{- $files = append $files (dict "env" "SB_NATS_KEY_FILE" "secret" .secretName "key" (.keyKey | default "tls.key") "path" "nats-tls.key") }}
{{- end }}
{{- end }}
{{- with $root.Values.natsCA }}{{ $files = append $files (dict "env" "SB_NATS_CA_FILE" "secret" .secretName "key" (.key | default "ca.crt") "path" "nats-ca.crt") }}{{ end }}
{{- if has .component (list "auth" "router" "presence") }}
{{- with $c.redisAuth }}
{{- with .password }}{{ $files = append $files (dict "env" "SB_REDIS_PASSWORD_FILE" "secret" .secretName "key" .key "path" "redis-password") }}{{ end }}
{{- with .clientCert }}
{{- $files = append $files (dict "env" "SB_REDIS_CERT_FILE" "secret" .secretName "key" (.certKey | default "tls.crt") "path" "redis-tls.crt") }}
{{- $files = append $files (dict "env" "SB_REDIS_KEY_FILE" "secret" .secretName "key" (.keyKey | default "tls.key") "path" "redis-tls.key") }}
{{- end }}
{{- end }}
{{- with $root.Values.redisCA }}{{ $files = append $files (dict "env" "SB_REDIS_CA_FILE" "secret" .secretName "key" (.key | default "ca.crt") "path" "redis-ca.crt") }}{{ end }}
{{- end }}
{{- toJson $files }}
{{- end }}

{{/* The plain-value bus variables (user names) of one component, as a JSON object. */}}
{{- define "switchboard.busUsers" -}}
{{- $c := index .root.Values .component }}
{{- $users := dict }}
{{- with $c.natsAuth }}{{ with .user }}{{ $_ := set $users "SB_NATS_USER" . }}{{ end }}{{ end }}
{{- if has .component (list "auth" "router" "presence") }}
{{- with $c.redisAuth }}{{ with .user }}{{ $_ := set $users "SB_REDIS_USER" . }}{{ end }}{{ end }}
{{- end }}
{{- toJson $users }}
{{- end }}
