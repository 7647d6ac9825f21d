{{/*
Environment fragments shared by the services (API.md, "Operating"). Each service's own
`<service>/_env.tpl` composes its list from these. Connection strings and token settings come
from Secrets, never from plain values in the pod spec. All take a scope.
*/}}

{{/* What every service reads: its port, logs, the broker and token verification. */}}
{{- define "chat.env.common" -}}
{{- $values := .root.Values -}}
- name: PORT
  value: {{ int (index $values .component).port | quote }}
- name: LOG_LEVEL
  value: {{ $values.config.logLevel | quote }}
- name: EVENTS_EXCHANGE
  value: {{ $values.config.eventsExchange | quote }}
- name: AMQP_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "chat.rabbitmqSecretName" .root }}
      key: {{ include "chat.rabbitmqSecretKey" .root }}
{{ include "chat.env.jwt" . }}
{{- end }}

{{/*
Token verification. The Secret holds exactly one of the key variables and, when set, the issuer
and audience; the references are optional so that the ones it does not hold stay unset.
*/}}
{{- define "chat.env.jwt" -}}
{{- $secret := include "chat.jwtSecretName" .root }}
{{- $env := list }}
{{- range $name := list "JWT_SECRET" "JWT_PUBLIC_KEY" "JWT_JWKS_URL" "JWT_ISSUER" "JWT_AUDIENCE" }}
{{- $env = append $env (dict "name" $name "valueFrom" (dict "secretKeyRef" (dict "name" $secret "key" $name "optional" true))) }}
{{- end }}
{{- toYaml $env }}
{{- end }}

{{/*
A data service's own database. MIGRATE=0: the schema is migrated once per release by the
`<service>-migrate` hook Job, not by every pod at start.
*/}}
{{- define "chat.env.database" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "chat.databaseSecretName" .root }}
      key: {{ include "chat.databaseSecretKey" . }}
- name: MIGRATE
  value: "0"
{{- end }}

{{/*
Where another service answers HTTP, through its Service. Scope of the service called, plus
"name": the variable.
*/}}
{{- define "chat.env.serviceUrl" -}}
- name: {{ .name }}
  value: {{ printf "http://%s:%d" (include "chat.componentName" .) (int (index .root.Values .component).port) | quote }}
{{- end }}
