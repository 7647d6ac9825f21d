{{/*
The gateway: the broker, Redis (Socket.IO adapter, presence, rate limits), the three services
it routes `/api/chat/...` to, token verification, CORS and rate limits. Never DEV_AUTH. Scope.
*/}}
{{- define "chat.env.gateway" -}}
{{- $gateway := .root.Values.gateway -}}
{{ include "chat.env.common" . }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "chat.redisSecretName" .root }}
      key: {{ include "chat.redisSecretKey" .root }}
{{ include "chat.env.serviceUrl" (dict "root" .root "component" "channels" "name" "CHANNELS_URL") }}
{{ include "chat.env.serviceUrl" (dict "root" .root "component" "messaging" "name" "MESSAGING_URL") }}
{{ include "chat.env.serviceUrl" (dict "root" .root "component" "tickets" "name" "TICKETS_URL") }}
- name: RATE_LIMIT_USER
  value: {{ int $gateway.rateLimit.perUser | quote }}
- name: RATE_LIMIT_TENANT
  value: {{ int $gateway.rateLimit.perTenant | quote }}
{{- with $gateway.corsOrigins }}
- name: CORS_ORIGINS
  value: {{ join "," . | quote }}
{{- end }}
{{- end }}
