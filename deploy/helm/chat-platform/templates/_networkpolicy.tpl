{{/*
One NetworkPolicy per service: who may call it, what it may reach. Everything else is refused in
both directions. Scope, plus these four lists (each given, empty or not):
  "callers": components of this release allowed in on the HTTP port;
  "clients": peers from outside the release allowed in on the HTTP port (the ingress controller);
  "calls":   components it calls over HTTP;
  "stores":  data stores it reaches (keys of networkPolicy.dataStores).
Every pod may also resolve names (DNS) and be scraped by networkPolicy.metricsFrom.
*/}}
{{- define "chat.networkPolicy" -}}
{{- $root := .root -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "chat.componentName" . }}
  namespace: {{ $root.Release.Namespace | quote }}
  labels:
    {{- include "chat.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "chat.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  ingress:
    {{- if .callers }}
    - from:
        {{- range $caller := .callers }}
        {{- include "chat.networkPolicy.podPeer" (dict "root" $root "component" $caller) | nindent 8 }}
        {{- end }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    {{- with .clients }}
    - from:
        {{- toYaml . | nindent 8 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    {{- with $root.Values.networkPolicy.metricsFrom }}
    - from:
        {{- toYaml . | nindent 8 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
  egress:
    - ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
      {{- with $root.Values.networkPolicy.dns.to }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- range $callee := .calls }}
    - to:
        {{- include "chat.networkPolicy.podPeer" (dict "root" $root "component" $callee) | nindent 8 }}
      ports:
        - port: {{ int (index $root.Values $callee).port }}
          protocol: TCP
    {{- end }}
    {{- range $store := .stores }}
    {{- $rule := index $root.Values.networkPolicy.dataStores $store }}
    - ports:
        {{- range $rule.ports }}
        - port: {{ int . }}
          protocol: TCP
        {{- end }}
      {{- with $rule.to }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
    {{- with $root.Values.networkPolicy.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}

{{/* The pods of one component of this release, as a peer in the same namespace. Scope. */}}
{{- define "chat.networkPolicy.podPeer" -}}
- podSelector:
    matchLabels:
      {{- include "chat.selectorLabels" . | nindent 6 }}
{{- end }}
