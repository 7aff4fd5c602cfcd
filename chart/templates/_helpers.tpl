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
Every user value goes through toYaml, so no user string can change the YAML structure. Maps
whose keys the user chooses (labels, annotations, matchLabels, portLevelMtls) are printed one
key at a time in byte order: toYaml's own key order is not stable for keys such as "1e6-8" and
"0123-9" and changed from one render to the next (Helm 3.17 and 4.1 alike).
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
{{- $fixedKeys := omit .spec "selector" "portLevelMtls" }}
---
apiVersion: {{ toYaml $root.Values.istio.securityApiVersion }}
kind: {{ .kind }}
metadata:
{{- with $annotations }}
  annotations:
{{ include "istio-zero-trust.sortedMap" (dict "map" . "indent" 4) }}
{{- end }}
  labels:
{{ include "istio-zero-trust.sortedMap" (dict "map" $labels "indent" 4) }}
  name: {{ toYaml .name }}
  namespace: {{ toYaml .namespace }}
{{- if .spec }}
spec:
{{- with $fixedKeys }}
{{ toYaml . | indent 2 }}
{{- end }}
{{- with .spec.portLevelMtls }}
  portLevelMtls:
{{ include "istio-zero-trust.sortedMap" (dict "map" . "indent" 4 "numeric" true) }}
{{- end }}
{{- with .spec.selector }}
  selector:
    matchLabels:
{{ include "istio-zero-trust.sortedMap" (dict "map" .matchLabels "indent" 6) }}
{{- end }}
{{- else }}
spec: {}
{{- end }}
{{- end -}}

{{/*
istio-zero-trust.sortedMap prints a map as YAML, one key at a time in byte order, or in numeric
order when "numeric" is true (port numbers, which the schema ensures are digits).
Call: include "istio-zero-trust.sortedMap" (dict "map" $map "indent" 4 ["numeric" true])
*/}}
{{- define "istio-zero-trust.sortedMap" -}}
{{- $map := .map -}}
{{- $bySortKey := dict -}}
{{- range $key, $value := $map -}}
{{- if $.numeric -}}
{{- $_ := set $bySortKey (printf "%010d" (atoi $key)) $key -}}
{{- else -}}
{{- $_ := set $bySortKey $key $key -}}
{{- end -}}
{{- end -}}
{{- $entries := list -}}
{{- range $sortKey := keys $bySortKey | sortAlpha -}}
{{- $key := get $bySortKey $sortKey -}}
{{- $entries = append $entries (toYaml (dict $key (get $map $key))) -}}
{{- end -}}
{{- join "\n" $entries | indent .indent -}}
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
