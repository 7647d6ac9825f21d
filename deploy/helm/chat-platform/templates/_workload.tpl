{{/*
The shapes every service shares: Deployment, Service, HorizontalPodAutoscaler,
PodDisruptionBudget and the migration Job. Each service's folder instantiates them with its
scope, (dict "root" $ "component" "<service>"), and brings its own environment
(`chat.env.<service>`) and NetworkPolicy.
*/}}

{{/* The volumes and mounts of a container on a read-only root filesystem. */}}
{{- define "chat.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{- define "chat.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{/* Where a pod runs: node selection, tolerations, affinity, spreading. Scope. */}}
{{- define "chat.scheduling" -}}
{{- $values := index .root.Values .component }}
{{- with $values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "chat.deployment" -}}
{{- $root := .root }}
{{- $values := index $root.Values .component -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "chat.componentName" . }}
  namespace: {{ $root.Release.Namespace | quote }}
  labels:
    {{- include "chat.labels" . | nindent 4 }}
spec:
  {{- if not $values.autoscaling.enabled }}
  replicas: {{ int $values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: {{ int $root.Values.revisionHistoryLimit }}
  selector:
    matchLabels:
      {{- include "chat.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Start the new pod before an old one goes: no capacity is lost during a rollout.
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "chat.labels" . | nindent 8 }}
      annotations:
        checksum/secrets: {{ include "chat.secretsChecksum" $root | quote }}
        {{- with $values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "chat.serviceAccountName" $root }}
      # The services never call the Kubernetes API.
      automountServiceAccountToken: false
      {{- with $root.Values.image.pullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      # Longer than the preStop pause plus the service's own shutdown (drain, then a 20 s hard
      # limit), so Kubernetes never kills a pod that is still finishing requests.
      terminationGracePeriodSeconds: {{ int $values.terminationGracePeriodSeconds }}
      containers:
        - name: {{ .component }}
          image: {{ include "chat.image" . | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ int $values.port }}
              protocol: TCP
          env:
            {{- include (printf "chat.env.%s" .component) . | nindent 12 }}
            {{- with $values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          # Up once it serves HTTP; the other probes start only then.
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            {{- toYaml $root.Values.probes.startup | nindent 12 }}
          # Ready only while its database, broker (and Redis) answer: out of the Service otherwise.
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            {{- toYaml $root.Values.probes.readiness | nindent 12 }}
          # Restarted only when the process itself stops answering, never for a dependency.
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            {{- toYaml $root.Values.probes.liveness | nindent 12 }}
          lifecycle:
            preStop:
              # Keep serving while the endpoint removal reaches every load balancer and
              # kube-proxy; SIGTERM (and the drain) comes after this pause.
              exec:
                command: ["sleep", "{{ int $values.preStopSleepSeconds }}"]
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            {{- include "chat.tmpVolumeMount" . | nindent 12 }}
      volumes:
        {{- include "chat.tmpVolume" . | nindent 8 }}
      {{- include "chat.scheduling" . | nindent 6 }}
{{- end }}

{{- define "chat.service" -}}
{{- $values := index .root.Values .component -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "chat.componentName" . }}
  namespace: {{ .root.Release.Namespace | quote }}
  labels:
    {{- include "chat.labels" . | nindent 4 }}
  {{- with $values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $values.service.type }}
  selector:
    {{- include "chat.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ int $values.port }}
      targetPort: http
      protocol: TCP
{{- end }}

{{- define "chat.hpa" -}}
{{- $autoscaling := (index .root.Values .component).autoscaling -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "chat.componentName" . }}
  namespace: {{ .root.Release.Namespace | quote }}
  labels:
    {{- include "chat.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "chat.componentName" . }}
  minReplicas: {{ int $autoscaling.minReplicas }}
  maxReplicas: {{ int $autoscaling.maxReplicas }}
  metrics:
    {{- with $autoscaling.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ int . }}
    {{- end }}
    {{- with $autoscaling.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ int . }}
    {{- end }}
  {{- with $autoscaling.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{- define "chat.pdb" -}}
{{- $budget := (index .root.Values .component).podDisruptionBudget -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "chat.componentName" . }}
  namespace: {{ .root.Release.Namespace | quote }}
  labels:
    {{- include "chat.labels" . | nindent 4 }}
spec:
  {{- if $budget.minAvailable }}
  minAvailable: {{ $budget.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $budget.maxUnavailable | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "chat.selectorLabels" . | nindent 6 }}
{{- end }}

{{/*
A data service's migrations, once per release: a hook Job that runs
`node services/<service>/src/migrate.ts` and exits, before the Deployment changes. It reads the
database URL only (and the log level). Hook resources exist before the release's own, so the Job
uses no chart-made ServiceAccount. Scope.
*/}}
{{- define "chat.migrationJob" -}}
{{- $root := .root }}
{{- $migrations := $root.Values.migrations }}
{{- $scope := dict "root" $root "component" (printf "%s-migrate" .component) -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "chat.componentName" $scope }}
  namespace: {{ $root.Release.Namespace | quote }}
  labels:
    {{- include "chat.labels" $scope | nindent 4 }}
  annotations:
    helm.sh/hook: {{ include "chat.migrationHookEvents" $root }}
    helm.sh/hook-weight: "0"
    # A failed Job stays for its logs until the next attempt replaces it.
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ int $migrations.backoffLimit }}
  activeDeadlineSeconds: {{ int $migrations.activeDeadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "chat.labels" $scope | nindent 8 }}
    spec:
      restartPolicy: Never
      {{- with $migrations.serviceAccountName }}
      serviceAccountName: {{ . }}
      {{- end }}
      automountServiceAccountToken: false
      {{- with $root.Values.image.pullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      containers:
        - name: migrate
          image: {{ include "chat.image" . | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: ["node", "services/{{ .component }}/src/migrate.ts"]
          env:
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: {{ include "chat.migrationsSecretName" $root }}
                  key: {{ include "chat.databaseSecretKey" . }}
            - name: LOG_LEVEL
              value: {{ $root.Values.config.logLevel | quote }}
          resources:
            {{- toYaml $migrations.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            {{- include "chat.tmpVolumeMount" . | nindent 12 }}
      volumes:
        {{- include "chat.tmpVolume" . | nindent 8 }}
      {{- include "chat.scheduling" . | nindent 6 }}
{{- end }}

{{/* A service's Deployment and Service, and its autoscaler and disruption budget when enabled. Scope. */}}
{{- define "chat.workload" -}}
{{- $values := index .root.Values .component -}}
---
{{ include "chat.deployment" . }}
---
{{ include "chat.service" . }}
{{- if $values.autoscaling.enabled }}
---
{{ include "chat.hpa" . }}
{{- end }}
{{- if $values.podDisruptionBudget.enabled }}
---
{{ include "chat.pdb" . }}
{{- end }}
{{- end }}
