{{/*
Names, labels, images and the Secrets every workload reads.

Templates that concern one component take a scope: (dict "root" $ "component" "<component>"),
where <component> is `channels`, `messaging`, `tickets` or `gateway` (the key of its values), or
a helper component such as `dev-postgresql`.
*/}}

{{/* The chart's name, as it appears in labels. */}}
{{- define "chat.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's base name: every resource name starts with it. */}}
{{- define "chat.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* One component's resource name (also its Service's DNS name). Scope. */}}
{{- define "chat.componentName" -}}
{{- printf "%s-%s" (include "chat.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "chat.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that pick a component's pods: Deployment selectors, Services, policies. Scope. */}}
{{- define "chat.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chat.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The standard labels of every resource. Scope. */}}
{{- define "chat.labels" -}}
helm.sh/chart: {{ include "chat.chart" .root }}
{{ include "chat.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: {{ include "chat.name" .root }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
A component's image: `<registry>/<repository>:<tag>`, or `...@<digest>` when a digest is given.
The tag falls back to `image.tag`, then to the chart's appVersion. Scope.
*/}}
{{- define "chat.image" -}}
{{- $image := (index .root.Values .component).image }}
{{- $repository := $image.repository }}
{{- with .root.Values.image.registry }}
{{- $repository = printf "%s/%s" (trimSuffix "/" .) $repository }}
{{- end }}
{{- if $image.digest }}
{{- printf "%s@%s" $repository $image.digest }}
{{- else }}
{{- $tag := $image.tag | default $.root.Values.image.tag | default $.root.Chart.AppVersion }}
{{- printf "%s:%s" $repository (toString $tag) }}
{{- end }}
{{- end }}

{{- define "chat.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "chat.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* ---- Secrets: chart-made from values, or an existing one per concern ---- */}}

{{- define "chat.databaseSecretName" -}}
{{- .Values.postgresql.existingSecret | default (printf "%s-database" (include "chat.fullname" .)) }}
{{- end }}

{{/* The key of a service's database URL in the database Secret. Scope. */}}
{{- define "chat.databaseSecretKey" -}}
{{- if .root.Values.postgresql.existingSecret }}
{{- index .root.Values.postgresql.existingSecretKeys .component }}
{{- else }}
{{- .component }}
{{- end }}
{{- end }}

{{- define "chat.rabbitmqSecretName" -}}
{{- .Values.rabbitmq.existingSecret | default (printf "%s-rabbitmq" (include "chat.fullname" .)) }}
{{- end }}

{{- define "chat.rabbitmqSecretKey" -}}
{{- if .Values.rabbitmq.existingSecret }}{{ .Values.rabbitmq.existingSecretKey }}{{ else }}url{{ end }}
{{- end }}

{{- define "chat.redisSecretName" -}}
{{- .Values.redis.existingSecret | default (printf "%s-redis" (include "chat.fullname" .)) }}
{{- end }}

{{- define "chat.redisSecretKey" -}}
{{- if .Values.redis.existingSecret }}{{ .Values.redis.existingSecretKey }}{{ else }}url{{ end }}
{{- end }}

{{- define "chat.jwtSecretName" -}}
{{- .Values.jwt.existingSecret | default (printf "%s-jwt" (include "chat.fullname" .)) }}
{{- end }}

{{/*
The Secret the migration Jobs read their database URLs from. Hooks run before the release's
own resources exist, so the chart makes a short-lived hook copy of the URLs; an existing
Secret is already there and is read directly.
*/}}
{{- define "chat.migrationsSecretName" -}}
{{- .Values.postgresql.existingSecret | default (printf "%s-migrations" (include "chat.fullname" .)) }}
{{- end }}

{{/* ---- Connection strings (chart-made Secrets only) ---- */}}

{{/* A service's PostgreSQL URL: from values, or the in-cluster development server. Scope. */}}
{{- define "chat.databaseUrl" -}}
{{- $url := index .root.Values.postgresql.urls .component }}
{{- if and (not $url) .root.Values.dev.enabled }}
{{- $dev := .root.Values.dev.postgresql }}
{{- $host := include "chat.componentName" (dict "root" .root "component" "dev-postgresql") }}
{{- $url = printf "postgres://%s:%s@%s:5432/%s" $dev.user $dev.password $host .component }}
{{- end }}
{{- required (printf "postgresql.urls.%s is required (or set postgresql.existingSecret)" .component) $url }}
{{- end }}

{{- define "chat.rabbitmqUrl" -}}
{{- $url := .Values.rabbitmq.url }}
{{- if and (not $url) .Values.dev.enabled }}
{{- $dev := .Values.dev.rabbitmq }}
{{- $host := include "chat.componentName" (dict "root" . "component" "dev-rabbitmq") }}
{{- $url = printf "amqp://%s:%s@%s:5672" $dev.user $dev.password $host }}
{{- end }}
{{- required "rabbitmq.url is required (or set rabbitmq.existingSecret)" $url }}
{{- end }}

{{- define "chat.redisUrl" -}}
{{- $url := .Values.redis.url }}
{{- if and (not $url) .Values.dev.enabled }}
{{- $url = printf "redis://%s:6379" (include "chat.componentName" (dict "root" . "component" "dev-redis")) }}
{{- end }}
{{- required "redis.url is required (or set redis.existingSecret)" $url }}
{{- end }}

{{/*
A digest of every chart-made Secret's source values, put on the pods so that changing a URL or
a key rolls them (an existing Secret changed outside Helm needs `kubectl rollout restart`).
*/}}
{{- define "chat.secretsChecksum" -}}
{{- toJson (dict "jwt" .Values.jwt "postgresql" .Values.postgresql "rabbitmq" .Values.rabbitmq "redis" .Values.redis "dev" .Values.dev.enabled) | sha256sum }}
{{- end }}

{{/*
The migrations run as Helm hooks before the release's resources change, so the pods start on a
migrated schema. The in-cluster development stores are release resources, created only after
pre-install hooks, so with `dev.enabled` the first migration runs right after install instead.
*/}}
{{- define "chat.migrationHookEvents" -}}
{{- if .Values.dev.enabled }}post-install,pre-upgrade{{ else }}pre-install,pre-upgrade{{ end }}
{{- end }}

{{/* ---- Checks that stop a broken release before anything is applied ---- */}}
{{- define "chat.validate" -}}
{{- if not .Values.jwt.existingSecret }}
{{- $keys := compact (list .Values.jwt.secret .Values.jwt.publicKey .Values.jwt.jwksUrl) }}
{{- if ne (len $keys) 1 }}
{{- fail "jwt: set exactly one of jwt.secret, jwt.publicKey or jwt.jwksUrl (or name a Secret in jwt.existingSecret)" }}
{{- end }}
{{- end }}
{{- range $component := list "channels" "messaging" "tickets" "gateway" }}
{{- range (index $.Values $component).extraEnv }}
{{- if eq (toString .name) "DEV_AUTH" }}
{{- fail (printf "%s.extraEnv: DEV_AUTH opens a route that mints tokens for anyone and is never set by this chart" $component) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and .Values.ingress.enabled (not .Values.ingress.hosts) }}
{{- fail "ingress.hosts: name at least one host when ingress.enabled is true" }}
{{- end }}
{{- end }}
