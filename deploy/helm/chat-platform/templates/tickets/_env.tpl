{{/*
tickets: its database, the broker, token verification, and channels, which it asks when its
own copy of a channel cannot yet answer (read-your-writes). Scope.
*/}}
{{- define "chat.env.tickets" -}}
{{ include "chat.env.common" . }}
{{ include "chat.env.database" . }}
{{ include "chat.env.serviceUrl" (dict "root" .root "component" "channels" "name" "CHANNELS_URL") }}
{{- end }}
