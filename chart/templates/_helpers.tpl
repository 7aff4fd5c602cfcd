{{/*
istio-zero-trust.name returns the chart name, or nameOverride, cut to 63 characters.
*/}}
{{- define "istio-zero-trust.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
istio-zero-trust.chart returns name-version for the helm.sh/chart label.
*/}}
{{- define "istio-zero-trust.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
istio-zero-trust.namespace returns the namespace the resources go to.
*/}}
{{- define "istio-zero-trust.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride -}}
{{- end -}}

{{/*
istio-zero-trust.isOn returns "true" when a map entry is present and not switched off.
Call: include "istio-zero-trust.isOn" $entry
An absent `enabled` means on; a null entry (removed by a later values file) means off.
*/}}
{{- define "istio-zero-trust.isOn" -}}
{{- if and (kindIs "map" .) (or (not (hasKey . "enabled")) .enabled) -}}true{{- end -}}
{{- end -}}

{{/*
istio-zero-trust.resource prints one document: the standard metadata around the given spec.
Call: include "istio-zero-trust.resource" (dict "root" $ "kind" "PeerAuthentication"
  "name" $name "namespace" $ns "annotations" $annotations "spec" $spec)
The whole document goes through toYaml, so no user string can change the YAML structure.
*/}}
{{- define "istio-zero-trust.resource" -}}
{{- $root := .root -}}
{{- $labels := dict
  "app.kubernetes.io/name" (include "istio-zero-trust.name" $root)
  "app.kubernetes.io/instance" $root.Release.Name
  "app.kubernetes.io/managed-by" $root.Release.Service
  "helm.sh/chart" (include "istio-zero-trust.chart" $root) -}}
{{- with $root.Chart.AppVersion }}
{{- $_ := set $labels "app.kubernetes.io/version" . -}}
{{- end }}
{{- $labels = merge $labels ($root.Values.commonLabels | default dict) -}}
{{- $annotations := merge (deepCopy (.annotations | default dict)) ($root.Values.commonAnnotations | default dict) -}}
{{- $metadata := dict "name" .name "namespace" .namespace "labels" $labels -}}
{{- if $annotations }}
{{- $_ := set $metadata "annotations" $annotations -}}
{{- end }}
{{- $doc := dict "apiVersion" $root.Values.istio.securityApiVersion "kind" .kind "metadata" $metadata "spec" .spec }}
---
{{ toYaml $doc }}
{{- end -}}

{{/*
istio-zero-trust.targetRefs returns targetRefs as JSON, each with the group Istio expects for
its kind when the values leave group out.
Call: include "istio-zero-trust.targetRefs" $refs | fromJsonArray
Every field is a string, so the JSON round trip cannot change a value.
*/}}
{{- define "istio-zero-trust.targetRefs" -}}
{{- $groups := dict "Service" "" "ServiceEntry" "networking.istio.io" "Gateway" "gateway.networking.k8s.io" "GatewayClass" "gateway.networking.k8s.io" -}}
{{- $refs := list -}}
{{- range . -}}
{{- $refs = append $refs (dict "group" (hasKey . "group" | ternary .group (get $groups .kind)) "kind" .kind "name" .name) -}}
{{- end -}}
{{- toJson $refs -}}
{{- end -}}

{{/*
istio-zero-trust.dryRunAnnotations returns the entry's annotations, plus istio.io/dry-run
when dryRun is on, as JSON.
Call: include "istio-zero-trust.dryRunAnnotations" $entry | fromJson
*/}}
{{- define "istio-zero-trust.dryRunAnnotations" -}}
{{- $annotations := deepCopy (.annotations | default dict) -}}
{{- if .dryRun -}}
{{- $_ := set $annotations "istio.io/dry-run" "true" -}}
{{- end -}}
{{- toJson $annotations -}}
{{- end -}}
