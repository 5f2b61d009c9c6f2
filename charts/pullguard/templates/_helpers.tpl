{{/* Names. */}}
{{- define "pullguard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "pullguard.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "pullguard.serviceAccountName" -}}
{{- default (include "pullguard.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "pullguard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pullguard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "pullguard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "pullguard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pullguard
{{- end -}}

{{- define "pullguard.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The server runs outside the cluster: webhooks call admissionWebhooks.url, no workload is rendered. */}}
{{- define "pullguard.inCluster" -}}
{{- if not .Values.admissionWebhooks.url -}}true{{- end -}}
{{- end -}}

{{/* Where the config file and cert-manager's certificate are mounted. */}}
{{- define "pullguard.configDir" -}}/etc/pullguard/config{{- end -}}
{{- define "pullguard.tlsDir" -}}/etc/pullguard/tls{{- end -}}

{{/*
The configuration file: exactly the configuration keys of the values (the top-level keys of
server/config/schema.ts; tests/unit/chart/schema-sync.test.ts keeps this list in step), with the keys the chart
derives from the release filled in where left empty.
*/}}
{{- define "pullguard.configKeys" -}}
server tls webhook admission registries credentials cache controller log
{{- end -}}

{{- define "pullguard.configObject" -}}
{{- $config := dict -}}
{{- range $key := splitList " " (include "pullguard.configKeys" .) -}}
{{- if hasKey $.Values $key -}}
{{- $_ := set $config $key (deepCopy (get $.Values $key)) -}}
{{- end -}}
{{- end -}}
{{- $fullname := include "pullguard.fullname" . -}}
{{- $tls := $config.tls | default dict -}}
{{- if .Values.certManager.enabled -}}
{{- $_ := set $tls "source" "files" -}}
{{- $_ := set $tls "certFile" (printf "%s/tls.crt" (include "pullguard.tlsDir" .)) -}}
{{- $_ := set $tls "keyFile" (printf "%s/tls.key" (include "pullguard.tlsDir" .)) -}}
{{- end -}}
{{- if not $tls.secretName -}}{{- $_ := set $tls "secretName" (printf "%s-tls" $fullname) -}}{{- end -}}
{{- if not $tls.serviceName -}}{{- $_ := set $tls "serviceName" $fullname -}}{{- end -}}
{{- if not $tls.namespace -}}{{- $_ := set $tls "namespace" .Release.Namespace -}}{{- end -}}
{{- if and (not $tls.webhookConfigurations) (eq $tls.source "secret") -}}
{{- $_ := set $tls "webhookConfigurations" (list $fullname) -}}
{{- end -}}
{{- $_ := set $config "tls" $tls -}}
{{- toJson $config -}}
{{- end -}}

{{/* The configuration as a dict, for templates that need a derived value. */}}
{{- define "pullguard.config" -}}
{{- include "pullguard.configObject" . | fromJson | toYaml -}}
{{- end -}}

{{/* namespaceSelector expressions shared by every webhook: opted in with `mode`, never an excluded namespace. */}}
{{- define "pullguard.namespaceSelector" -}}
{{- $root := index . 0 -}}
{{- $modes := index . 1 -}}
matchExpressions:
  - key: pullguard.dev/mode
    operator: In
    values:
      {{- toYaml $modes | nindent 6 }}
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values:
      {{- toYaml (append $root.Values.admissionWebhooks.excludeNamespaces $root.Release.Namespace | uniq) | nindent 6 }}
{{- end -}}

{{/* clientConfig of a webhook calling `path`: the Service, or admissionWebhooks.url when running outside. */}}
{{- define "pullguard.clientConfig" -}}
{{- $root := index . 0 -}}
{{- $path := index . 1 -}}
{{- if $root.Values.admissionWebhooks.url }}
url: {{ printf "%s%s" (trimSuffix "/" $root.Values.admissionWebhooks.url) $path | quote }}
{{- else }}
service:
  name: {{ include "pullguard.fullname" $root }}
  namespace: {{ $root.Release.Namespace }}
  path: {{ $path | quote }}
  port: {{ $root.Values.service.port }}
{{- end }}
{{- with $root.Values.admissionWebhooks.caBundle }}
caBundle: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Annotations of the webhook configurations: cert-manager's cainjector fills caBundle when it issues the cert. */}}
{{- define "pullguard.webhookAnnotations" -}}
{{- $annotations := deepCopy .Values.admissionWebhooks.annotations | default dict -}}
{{- if and .Values.certManager.enabled (not .Values.admissionWebhooks.caBundle) -}}
{{- $_ := set $annotations "cert-manager.io/inject-ca-from" (printf "%s/%s-serving" .Release.Namespace (include "pullguard.fullname" .)) -}}
{{- end -}}
{{- with $annotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The resources and operations every validating webhook reviews (DESIGN.md §3). */}}
{{- define "pullguard.validatingRules" -}}
- operations: ["CREATE", "UPDATE"]
  apiGroups: [""]
  apiVersions: ["v1"]
  resources: ["pods", "pods/ephemeralcontainers", "replicationcontrollers", "podtemplates"]
  scope: "Namespaced"
- operations: ["CREATE", "UPDATE"]
  apiGroups: ["apps"]
  apiVersions: ["v1"]
  resources: ["deployments", "statefulsets", "daemonsets", "replicasets"]
  scope: "Namespaced"
- operations: ["CREATE", "UPDATE"]
  apiGroups: ["batch"]
  apiVersions: ["v1"]
  resources: ["jobs", "cronjobs"]
  scope: "Namespaced"
{{- end -}}

{{/* Checks of value combinations the schema cannot express. */}}
{{- define "pullguard.validate" -}}
{{- $config := include "pullguard.configObject" . | fromJson -}}
{{- if and (eq $config.tls.source "files") (or (not $config.tls.certFile) (not $config.tls.keyFile)) -}}
{{- fail "tls.source=files needs tls.certFile and tls.keyFile (mounted with extraVolumes), or certManager.enabled=true" -}}
{{- end -}}
{{- if and .Values.certManager.enabled .Values.admissionWebhooks.url -}}
{{- fail "certManager.enabled issues a certificate for the in-cluster Service: it cannot be combined with admissionWebhooks.url" -}}
{{- end -}}
{{- if and (not .Values.serviceAccount.create) (not .Values.serviceAccount.name) -}}
{{- fail "serviceAccount.create=false needs serviceAccount.name" -}}
{{- end -}}
{{- end -}}
