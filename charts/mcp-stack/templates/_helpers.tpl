{{/* Names, labels and the values other templates derive. */}}

{{- define "mcp-stack.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mcp-stack.fullname" -}}
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

{{/* <fullname>-<component>, within 63 characters. */}}
{{- define "mcp-stack.componentName" -}}
{{- printf "%s-%s" (include "mcp-stack.fullname" .root | trunc 50 | trimSuffix "-") .component }}
{{- end }}

{{- define "mcp-stack.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mcp-stack.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mcp-stack.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "mcp-stack.labels" -}}
helm.sh/chart: {{ include "mcp-stack.chart" .root }}
{{ include "mcp-stack.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: {{ include "mcp-stack.name" .root }}
{{- end }}

{{/* An image reference: repository@digest, or repository:tag (default appVersion). */}}
{{- define "mcp-stack.image" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}
{{- end }}

{{/* Whether the demo authorization server is deployed. */}}
{{- define "mcp-stack.demoAs" -}}
{{- if eq .Values.auth.mode "demo" }}true{{ end }}
{{- end }}

{{- define "mcp-stack.hosts.mcp" -}}
{{- if .Values.ingress.enabled }}{{ .Values.ingress.host }}{{ else if and .Values.gatewayApi.enabled .Values.gatewayApi.hostnames }}{{ first .Values.gatewayApi.hostnames }}{{ end }}
{{- end }}

{{- define "mcp-stack.hosts.oauth" -}}
{{- if .Values.ingress.enabled }}{{ .Values.ingress.oauthHost }}{{ else if and .Values.gatewayApi.enabled .Values.gatewayApi.oauthHostnames }}{{ first .Values.gatewayApi.oauthHostnames }}{{ end }}
{{- end }}

{{/* The external URL of /mcp: the audience of its tokens. */}}
{{- define "mcp-stack.publicUrl" -}}
{{- $host := include "mcp-stack.hosts.mcp" . }}
{{- if .Values.publicUrl }}{{ .Values.publicUrl }}
{{- else if $host }}https://{{ $host }}/mcp
{{- else }}http://localhost:3000/mcp
{{- end }}
{{- end }}

{{/* The demo authorization server's issuer URL, as browsers see it. */}}
{{- define "mcp-stack.issuerUrl" -}}
{{- $host := include "mcp-stack.hosts.oauth" . }}
{{- if .Values.oauth.issuerUrl }}{{ .Values.oauth.issuerUrl }}
{{- else if $host }}https://{{ $host }}
{{- else }}http://localhost:3001
{{- end }}
{{- end }}

{{/* The demo authorization server inside the cluster. */}}
{{- define "mcp-stack.oauthInternalUrl" -}}
http://{{ include "mcp-stack.componentName" (dict "root" . "component" "oauth") }}.{{ .Release.Namespace }}.svc:{{ .Values.oauth.service.port }}
{{- end }}

{{/* Secrets: the chart's own, unless the values name existing ones. */}}
{{- define "mcp-stack.secrets.name" -}}
{{- include "mcp-stack.componentName" (dict "root" . "component" "secrets") }}
{{- end }}

{{- define "mcp-stack.redisName" -}}
{{- include "mcp-stack.componentName" (dict "root" . "component" "redis") }}
{{- end }}

{{/* REDIS_URL, when Redis is used: built from the password Secret for the internal Redis
(Kubernetes expands $(REDIS_PASSWORD), so the URL never appears in the pod spec), or read from
a Secret for an external one. */}}
{{- define "mcp-stack.redisEnv" -}}
{{- if eq .Values.redis.mode "internal" }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ default (include "mcp-stack.secrets.name" .) .Values.redis.internal.existingSecret }}
      key: redis-password
- name: REDIS_URL
  value: {{ printf "redis://:$(REDIS_PASSWORD)@%s.%s.svc:6379/0" (include "mcp-stack.redisName" .) .Release.Namespace | quote }}
{{- else if eq .Values.redis.mode "external" }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ default (include "mcp-stack.secrets.name" .) .Values.redis.external.existingSecret }}
      key: {{ ternary .Values.redis.external.existingSecretKey "redis-url" (ne .Values.redis.external.existingSecret "") }}
{{- end }}
{{- end }}

{{/* A generated secret value that survives upgrades: the one already in the cluster, else a
new one (`generate`). */}}
{{- define "mcp-stack.keptSecret" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace (include "mcp-stack.secrets.name" .root) }}
{{- if and $existing (hasKey $existing.data .key) }}
{{- index $existing.data .key }}
{{- else }}
{{- .generate | b64enc }}
{{- end }}
{{- end }}

{{/* OTLP export settings shared by both servers. */}}
{{- define "mcp-stack.otelEnv" -}}
{{- if .root.Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .root.Values.otel.endpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ .root.Values.otel.protocol | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ .service | quote }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "service.instance.id=$(POD_NAME),k8s.namespace.name=%s%s" .root.Release.Namespace (ternary (printf ",%s" .root.Values.otel.resourceAttributes) "" (ne .root.Values.otel.resourceAttributes "")) | quote }}
{{- end }}
{{- end }}

{{/* Plain env (a map) then raw EnvVars (a list). */}}
{{- define "mcp-stack.extraEnv" -}}
{{- range $name, $value := .env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- with .extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Host names /mcp answers to: the public URL's, the in-cluster service names, and extras. */}}
{{- define "mcp-stack.mcpAllowedHosts" -}}
{{- $service := include "mcp-stack.componentName" (dict "root" . "component" "mcp") }}
{{- $public := urlParse (include "mcp-stack.publicUrl" .) }}
{{- $hosts := list (regexReplaceAll ":[0-9]+$" $public.host "") "localhost" "127.0.0.1" $service (printf "%s.%s" $service .Release.Namespace) (printf "%s.%s.svc" $service .Release.Namespace) (printf "%s.%s.svc.cluster.local" $service .Release.Namespace) }}
{{- join "," (uniq (concat $hosts .Values.mcp.allowedHosts)) }}
{{- end }}

{{/* The MCP server's authentication settings for auth.mode. */}}
{{- define "mcp-stack.mcpAuthEnv" -}}
{{- if eq .Values.auth.mode "disabled" }}
- name: DISABLE_AUTH
  value: "true"
{{- else }}
- name: MCP_REQUIRED_SCOPES
  value: {{ .Values.auth.requiredScopes | quote }}
{{- if eq .Values.auth.mode "managedIdp" }}
- name: AUTH_TOKEN_MODE
  value: jwt
- name: JWT_ISSUER
  value: {{ .Values.auth.managedIdp.issuer | quote }}
{{- with .Values.auth.managedIdp.audience }}
- name: JWT_AUDIENCE
  value: {{ . | quote }}
{{- end }}
{{- with .Values.auth.managedIdp.jwksUrl }}
- name: JWT_JWKS_URL
  value: {{ . | quote }}
{{- end }}
{{- with .Values.auth.managedIdp.algorithms }}
- name: JWT_ALGORITHMS
  value: {{ . | quote }}
{{- end }}
{{- with .Values.auth.managedIdp.tokenTypes }}
- name: JWT_TOKEN_TYPES
  value: {{ . | quote }}
{{- end }}
{{- else if eq .Values.auth.tokenMode "jwt" }}
- name: AUTH_TOKEN_MODE
  value: jwt
- name: JWT_ISSUER
  value: {{ include "mcp-stack.issuerUrl" . | quote }}
- name: JWT_JWKS_URL
  value: {{ printf "%s/.well-known/jwks.json" (include "mcp-stack.oauthInternalUrl" .) | quote }}
{{- else }}
- name: AUTH_TOKEN_MODE
  value: introspection
- name: OAUTH_SERVER_URL
  value: {{ include "mcp-stack.issuerUrl" . | quote }}
- name: OAUTH_INTROSPECT_URL
  value: {{ printf "%s/introspect" (include "mcp-stack.oauthInternalUrl" .) | quote }}
- name: OAUTH_CLIENT_ID
  value: {{ .Values.auth.introspection.clientId | quote }}
- name: OAUTH_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ default (include "mcp-stack.secrets.name" .) .Values.auth.introspection.existingSecret }}
      key: client-secret
- name: MCP_INTROSPECTION_CACHE_SECS
  value: {{ .Values.auth.introspection.cacheSeconds | quote }}
{{- end }}
{{- end }}
{{- end }}
