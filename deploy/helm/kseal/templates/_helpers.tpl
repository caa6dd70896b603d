{{/* The object name: the release name, or release-chart when they differ. */}}
{{- define "kseal.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "kseal.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kseal.labels" -}}
{{ include "kseal.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "kseal.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kseal.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The enabled controllers, comma-separated, in a fixed order. */}}
{{- define "kseal.controllers" -}}
{{- $on := list -}}
{{- range $c := list "externalsecret" "sealedsecret" "sopssecret" "rollout" -}}
{{- if index $.Values.controllers $c -}}{{- $on = append $on $c -}}{{- end -}}
{{- end -}}
{{- if eq (len $on) 0 -}}{{- fail "controllers: enable at least one" -}}{{- end -}}
{{- join "," $on -}}
{{- end -}}

{{/* RBAC rules for namespaced resources in watched namespaces (ClusterRole, or Role with watchNamespace). */}}
{{- define "kseal.namespacedRules" -}}
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- if .Values.controllers.externalsecret }}
- apiGroups: [external-secrets.io]
  resources: [secretstores]
  verbs: [get, list, watch]
- apiGroups: [external-secrets.io]
  # create/update/delete: ClusterExternalSecrets fan out into ExternalSecrets.
  resources: [externalsecrets]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [external-secrets.io]
  resources: [externalsecrets/status, secretstores/status]
  verbs: [get, patch, update]
- apiGroups: [generators.external-secrets.io]
  # dataFrom[].sourceRef.generatorRef: Password and UUID generators, read on demand.
  resources: [passwords, uuids]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [serviceaccounts/token]
  verbs: [create]
{{- end }}
{{- if .Values.controllers.sealedsecret }}
- apiGroups: [bitnami.com]
  resources: [sealedsecrets]
  verbs: [get, list, watch]
- apiGroups: [bitnami.com]
  resources: [sealedsecrets/status]
  verbs: [get, patch, update]
{{- end }}
{{- if .Values.controllers.sopssecret }}
- apiGroups: [kseal.dev]
  resources: [sopssecrets]
  verbs: [get, list, watch]
- apiGroups: [kseal.dev]
  resources: [sopssecrets/status]
  verbs: [get, patch, update]
# Migration from isindir/sops-secrets-operator: its SopsSecrets, whenever their CRD is served.
- apiGroups: [isindir.github.com]
  resources: [sopssecrets]
  verbs: [get, list, watch]
- apiGroups: [isindir.github.com]
  resources: [sopssecrets/status]
  verbs: [get, patch, update]
{{- end }}
{{- if .Values.controllers.rollout }}
- apiGroups: [apps]
  resources: [deployments, statefulsets, daemonsets]
  verbs: [get, list, watch, patch]
{{- end }}
{{- end -}}
