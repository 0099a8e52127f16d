{{/* The release's name prefix of every object: <release>, or <release>-varde when the release name lacks "varde". */}}
{{- define "varde.fullname" -}}
{{- if contains "varde" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-varde" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of one service's objects: (dict "root" $ "service" "triage"). */}}
{{- define "varde.serviceName" -}}
{{- printf "%s-%s" (include "varde.fullname" .root) .service -}}
{{- end -}}

{{/* Labels of every object; with varde.selectorLabels or varde.releasePodLabels for the name and instance. */}}
{{- define "varde.commonLabels" -}}
app.kubernetes.io/part-of: varde
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Labels selecting one service's pods: (dict "root" $ "service" "triage"). */}}
{{- define "varde.selectorLabels" -}}
app.kubernetes.io/name: varde
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{/* Labels of every Varde pod of this release (services and the migration Job). */}}
{{- define "varde.releasePodLabels" -}}
app.kubernetes.io/name: varde
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "varde.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The pod-level security context of every Varde pod. */}}
{{- define "varde.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile: { type: RuntimeDefault }
{{- end -}}

{{/* The container security context of every Varde container. */}}
{{- define "varde.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities: { drop: [ALL] }
seccompProfile: { type: RuntimeDefault }
{{- end -}}

{{/* DATABASE_URL of a service (dict "root" $ "service" "triage" "config" $config): its own Secret, or the shared one. */}}
{{- define "varde.databaseEnv" -}}
{{- $db := .root.Values.database -}}
{{- with .config.database }}{{ $db = . }}{{ end -}}
- name: DATABASE_URL
  valueFrom: { secretKeyRef: { name: {{ required "database.existingSecret: the name of a Secret holding the PostgreSQL URL is required" $db.existingSecret | quote }}, key: {{ $db.urlKey | default "DATABASE_URL" | quote }} } }
{{- end -}}

{{/* The container migrating one service's schema: (dict "root" $ "service" "triage"); the same image,
     SERVICE and DATABASE_URL as the service's Deployment. */}}
{{- define "varde.migrationContainer" -}}
{{- $root := .root -}}
{{- $config := index $root.Values.services .service -}}
- name: {{ .service }}
  image: {{ include "varde.image" $root | quote }}
  imagePullPolicy: {{ $root.Values.image.pullPolicy }}
  args: [dist/migrate.js]
  env:
    - { name: SERVICE, value: {{ .service | quote }} }
    {{- include "varde.databaseEnv" (dict "root" $root "service" .service "config" $config) | nindent 4 }}
    - { name: LOG_LEVEL, value: {{ $root.Values.logLevel | quote }} }
  resources:
    {{- toYaml $root.Values.migrations.resources | nindent 4 }}
  securityContext:
    {{- include "varde.containerSecurityContext" $root | nindent 4 }}
  volumeMounts:
    - { name: tmp, mountPath: /tmp }
{{- end -}}

{{/* Egress every Varde pod needs: DNS, and PostgreSQL on its ports (to its peers when given). */}}
{{- define "varde.egressDnsAndPostgres" -}}
- to:
    - namespaceSelector: {}
      podSelector: { matchLabels: { k8s-app: kube-dns } }
  ports:
    - { port: 53, protocol: UDP }
    - { port: 53, protocol: TCP }
- {{- with .Values.networkPolicy.postgres.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  ports:
    {{- range .Values.networkPolicy.postgres.ports }}
    - { port: {{ . }}, protocol: TCP }
    {{- end }}
{{- end -}}

{{/* The enabled services' HTTP base URLs, comma-separated. */}}
{{- define "varde.openApiPeers" -}}
{{- $peers := list -}}
{{- range $service, $config := .Values.services -}}
{{- if $config.enabled }}{{ $peers = append $peers (printf "http://%s:8080" (include "varde.serviceName" (dict "root" $ "service" $service))) }}{{ end -}}
{{- end -}}
{{- join "," $peers -}}
{{- end -}}

{{/*
Sharing's public event feed settings (PUBLIC_FEED_*): the feed's brokers, and the publisher's SCRAM user from a Secret.
*/}}
{{- define "varde.publicFeedEnv" -}}
{{- $feed := .Values.publicFeed -}}
- { name: PUBLIC_FEED_BROKERS, value: {{ $feed.brokers | quote }} }
- { name: PUBLIC_FEED_SASL_MECHANISM, value: {{ $feed.saslMechanism | quote }} }
- { name: PUBLIC_FEED_REPLICATION_FACTOR, value: {{ $feed.replicationFactor | quote }} }
- { name: PUBLIC_FEED_PARTITIONS, value: {{ $feed.partitions | quote }} }
{{- if ne $feed.saslMechanism "none" }}
{{- $secret := required "publicFeed.existingSecret: a Secret with the feed publisher's user and password is required when publicFeed.brokers is set" $feed.existingSecret }}
- name: PUBLIC_FEED_USERNAME
  valueFrom: { secretKeyRef: { name: {{ $secret | quote }}, key: {{ $feed.usernameKey | quote }} } }
- name: PUBLIC_FEED_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ $secret | quote }}, key: {{ $feed.passwordKey | quote }} } }
{{- end }}
{{- if $feed.tls.enabled }}
- { name: PUBLIC_FEED_TLS, value: "true" }
{{- if $feed.tls.caSecret }}
- { name: PUBLIC_FEED_TLS_CA_FILE, value: {{ printf "/etc/varde/public-feed-ca/%s" $feed.tls.caKey | quote }} }
{{- end }}
{{- else if $feed.tls.caSecret }}
{{- fail "publicFeed.tls.caSecret: set only with publicFeed.tls.enabled=true (the CA is for a TLS listener)" }}
{{- end }}
{{- end }}

{{/*
Whether sharing mounts the public feed's CA certificate (publicFeed.tls.caSecret with brokers set).
*/}}
{{- define "varde.publicFeedCa" -}}
{{- if and .Values.publicFeed.brokers .Values.publicFeed.tls.enabled .Values.publicFeed.tls.caSecret }}true{{ end }}
{{- end }}
