{{/* Names and labels, in the style of `helm create`. */}}
{{- define "inferstream.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "inferstream.fullname" -}}
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

{{- define "inferstream.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "inferstream.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component (engine, serve). Call with (list . "engine"). */}}
{{- define "inferstream.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "inferstream.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "inferstream.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "inferstream.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile: {type: RuntimeDefault}
{{- end }}

{{- define "inferstream.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: {drop: [ALL]}
{{- end }}

{{/* The engine's properties: the user's, then what the chart owns (it wins). */}}
{{- define "inferstream.engineProperties" -}}
{{- $p := deepCopy .Values.engine.properties -}}
{{- range $key := list "bootstrap.servers" "group.id" "input.topics" "output.topic" "dead.letter.topic" }}
{{- if not (get $p $key) }}
{{- fail (printf "engine.properties.%s is required" $key) }}
{{- end }}
{{- end }}
{{- if not (or (get $p "model.path") (get $p "model.url") (get $p "model.topic")) }}
{{- $_ := set $p "model.path" (required "engine.properties needs a model location: model.path, model.url or model.topic (or engine.modelPath)" .Values.engine.modelPath) }}
{{- end }}
{{- if not (has .Values.engine.groupType (list "consumer" "share")) }}
{{- fail (printf "engine.groupType must be consumer or share, not %q" .Values.engine.groupType) }}
{{- end }}
{{- if and (eq .Values.engine.groupType "share") (eq (toString (get $p "processing.guarantee")) "exactly_once") }}
{{- fail "processing.guarantee=exactly_once is not available on a share group (engine.groupType=share)" }}
{{- end }}
{{- $_ := set $p "group.type" .Values.engine.groupType }}
{{- if and .Values.engine.groupProtocol (eq .Values.engine.groupType "consumer") }}
{{- $_ := set $p "consumer.group.protocol" .Values.engine.groupProtocol }}
{{- end }}
{{- $_ := set $p "metrics.port" (toString .Values.engine.metricsPort) }}
{{- $_ := set $p "metrics.host" "0.0.0.0" }}
{{- $_ := set $p "shutdown.timeout.ms" (toString (mul (max 1 (sub (int .Values.engine.terminationGracePeriodSeconds) 10)) 1000)) }}
{{- with .Values.kafka.securityProtocol }}
{{- $_ := set $p "security.protocol" . }}
{{- end }}
{{- if .Values.kafka.sasl.enabled }}
{{- $_ := set $p "sasl.mechanism" .Values.kafka.sasl.mechanism }}
{{- end }}
{{- if .Values.kafka.tls.enabled }}
{{- $_ := set $p "ssl.truststore.type" "PEM" }}
{{- $_ := set $p "ssl.truststore.location" (printf "/etc/inferstream/tls/%s" .Values.kafka.tls.caKey) }}
{{- if .Values.kafka.tls.keystoreKey }}
{{- $_ := set $p "ssl.keystore.type" "PEM" }}
{{- $_ := set $p "ssl.keystore.location" (printf "/etc/inferstream/tls/%s" .Values.kafka.tls.keystoreKey) }}
{{- end }}
{{- end }}
{{- range $i, $key := keys $p | sortAlpha }}
{{- if $i }}{{ "\n" }}{{ end }}{{ $key }}={{ get $p $key }}
{{- end }}
{{- end }}

{{/*
The engine's start: the ConfigMap's properties, plus the SASL login built from the Secret's environment variables
(so the password is never in a ConfigMap or in values), written to an emptyDir, then 'inferstream run'.
*/}}
{{- define "inferstream.engineCommand" -}}
- /bin/sh
- -ec
- |
  cp /etc/inferstream/config/engine.properties /var/run/inferstream/engine.properties
  {{- if .Values.kafka.sasl.enabled }}
  {{- $module := ternary "org.apache.kafka.common.security.plain.PlainLoginModule" "org.apache.kafka.common.security.scram.ScramLoginModule" (eq .Values.kafka.sasl.mechanism "PLAIN") }}
  printf 'sasl.jaas.config={{ $module }} required username="%s" password="%s";\n' "$KAFKA_SASL_USERNAME" "$KAFKA_SASL_PASSWORD" >> /var/run/inferstream/engine.properties
  {{- end }}
  exec /opt/inferstream/bin/inferstream run --config /var/run/inferstream/engine.properties
{{- end }}
