{{/* channels: its database, the broker and token verification. Scope. */}}
{{- define "chat.env.channels" -}}
{{ include "chat.env.common" . }}
{{ include "chat.env.database" . }}
{{- end }}
