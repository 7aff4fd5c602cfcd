{{/*
istio-zero-trust.validate fails the render with every cross-field error at once: the rules a
JSON schema cannot state. scripts/lib/values-rules.ts checks the same rules with the same
messages, and the golden error tests hold both to them; the exceptions are the schema backstops
(validateNothingEmpty, validateSelectorLabels, empty jwtRules and their lists, empty
requiredClaims), which only fire when a
render skips schema validation and which the TypeScript validator leaves to the schema.
Call: include "istio-zero-trust.validate" $
*/}}
{{- define "istio-zero-trust.validate" -}}
{{- $errors := list -}}
{{- $ns := include "istio-zero-trust.namespace" . -}}
{{- $rootNs := .Values.istio.rootNamespace -}}
{{- if hasKey (.Values.commonAnnotations | default dict) "istio.io/dry-run" -}}
{{- $errors = append $errors "commonAnnotations: istio.io/dry-run cannot be set for every resource; use dryRun: true on each authorization policy to try out" -}}
{{- end -}}

{{- /* PeerAuthentication */ -}}
{{- $peer := .Values.peerAuthentication -}}
{{- $peerNames := dict -}}
{{- if include "istio-zero-trust.isOn" $peer.namespace -}}
{{- $_ := set $peerNames $peer.namespace.name "peerAuthentication.namespace.name" -}}
{{- $errors = concat $errors (include "istio-zero-trust.validateAnnotations" (dict "path" "peerAuthentication.namespace" "entry" $peer.namespace "kind" "PeerAuthentication") | fromJsonArray) -}}
{{- end -}}
{{- if include "istio-zero-trust.isOn" $peer.mesh -}}
{{- if and (eq $ns $rootNs) (include "istio-zero-trust.isOn" $peer.namespace) -}}
{{- $errors = append $errors (printf "peerAuthentication.mesh.enabled: the release namespace is the root namespace %s, so the namespace-wide policy is already mesh-wide; switch off peerAuthentication.mesh or peerAuthentication.namespace" $rootNs) -}}
{{- end -}}
{{- $errors = concat $errors (include "istio-zero-trust.validateAnnotations" (dict "path" "peerAuthentication.mesh" "entry" $peer.mesh "kind" "PeerAuthentication") | fromJsonArray) -}}
{{- end -}}
{{- range $name, $workload := $peer.workloads -}}
{{- if include "istio-zero-trust.isOn" $workload -}}
{{- $path := printf "peerAuthentication.workloads.%s" $name -}}
{{- if hasKey $peerNames $name -}}
{{- $errors = append $errors (printf "%s: the name %s is also used by %s; give one of them another name" $path $name (get $peerNames $name)) -}}
{{- end -}}
{{- $_ := set $peerNames $name $path -}}
{{- $errors = concat $errors (include "istio-zero-trust.validateSelectorLabels" (dict "path" $path "entry" $workload) | fromJsonArray) -}}
{{- if not (or $workload.mode $workload.portLevelMtls) -}}
{{- $errors = append $errors (printf "%s: sets neither mode nor portLevelMtls; set one of them or remove the entry" $path) -}}
{{- end -}}
{{- if eq $ns $rootNs -}}
{{- $errors = append $errors (printf "%s: Istio ignores a PeerAuthentication with a selector in the root namespace %s; install it in the workload's namespace" $path $rootNs) -}}
{{- end -}}
{{- $errors = concat $errors (include "istio-zero-trust.validateAnnotations" (dict "path" $path "entry" $workload "kind" "PeerAuthentication") | fromJsonArray) -}}
{{- end -}}
{{- end -}}

{{- /* AuthorizationPolicy */ -}}
{{- $policyNames := dict -}}
{{- $defaultDeny := .Values.authorization.defaultDeny -}}
{{- if include "istio-zero-trust.isOn" $defaultDeny -}}
{{- $_ := set $policyNames $defaultDeny.name "authorization.defaultDeny.name" -}}
{{- $errors = concat $errors (include "istio-zero-trust.validateAnnotations" (dict "path" "authorization.defaultDeny" "entry" $defaultDeny "kind" "AuthorizationPolicy") | fromJsonArray) -}}
{{- end -}}
{{- range $name, $policy := .Values.authorization.policies -}}
{{- if include "istio-zero-trust.isOn" $policy -}}
{{- $path := printf "authorization.policies.%s" $name -}}
{{- if hasKey $policyNames $name -}}
{{- $errors = append $errors (printf "%s: the name %s is also used by %s; give one of them another name" $path $name (get $policyNames $name)) -}}
{{- end -}}
{{- $_ := set $policyNames $name $path -}}
{{- $errors = concat $errors (include "istio-zero-trust.validatePolicy" (dict "path" $path "policy" $policy "namespace" $ns "rootNamespace" $rootNs) | fromJsonArray) -}}
{{- end -}}
{{- end -}}

{{- /* RequestAuthentication and the policies that make its token mandatory */ -}}
{{- range $name, $auth := .Values.requestAuthentication -}}
{{- if include "istio-zero-trust.isOn" $auth -}}
{{- $path := printf "requestAuthentication.%s" $name -}}
{{- $errors = concat $errors (include "istio-zero-trust.validateAttachment" (dict "path" $path "entry" $auth "namespace" $ns "rootNamespace" $rootNs) | fromJsonArray) -}}
{{- $errors = concat $errors (include "istio-zero-trust.validateAnnotations" (dict "path" $path "entry" $auth "kind" "RequestAuthentication") | fromJsonArray) -}}
{{- if not $auth.jwtRules -}}
{{- /* Schema backstop: without rules the RequestAuthentication checks nothing while its
require-token policy denies every request. */ -}}
{{- $errors = append $errors (printf "%s.jwtRules: is empty; give at least one issuer" $path) -}}
{{- end -}}
{{- range $index, $rule := $auth.jwtRules -}}
{{- $rulePath := printf "%s.jwtRules[%d]" $path $index -}}
{{- range $field, $value := $rule -}}
{{- if and (kindIs "slice" $value) (not $value) -}}
{{- /* Backs up the schema: an empty audiences list would accept any audience. */ -}}
{{- $errors = append $errors (printf "%s.%s: is empty, which Istio reads as not set; remove it or give it entries" $rulePath $field) -}}
{{- end -}}
{{- end -}}
{{- if not (or $rule.issuer $rule.jwksUri) -}}
{{- $errors = append $errors (printf "%s: sets neither issuer nor jwksUri; set issuer (with jwksUri or jwks)" $rulePath) -}}
{{- end -}}
{{- if and $rule.jwks $rule.jwksUri -}}
{{- $errors = append $errors (printf "%s: jwks and jwksUri are both set; keep one" $rulePath) -}}
{{- end -}}
{{- if $rule.jwks -}}
{{- $keySet := fromJson $rule.jwks -}}
{{- if or (hasKey $keySet "Error") (not (kindIs "slice" $keySet.keys)) (not $keySet.keys) -}}
{{- $errors = append $errors (printf "%s.jwks: not a JSON Web Key Set; paste the issuer's key set, a JSON object with a non-empty keys list" $rulePath) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $require := $auth.requireToken | default dict -}}
{{- if include "istio-zero-trust.isOn" $require -}}
{{- $requireName := $require.name | default (printf "%s-require-jwt" $name) -}}
{{- $requirePath := printf "%s.requireToken.name" $path -}}
{{- range $claim, $accepted := $require.requiredClaims -}}
{{- if not $accepted -}}
{{- /* Schema backstop: Istio rejects a condition without values. */ -}}
{{- $errors = append $errors (printf "%s.requireToken.requiredClaims.%s: is empty; list the accepted values" $path $claim) -}}
{{- end -}}
{{- end -}}
{{- if gt (len $requireName) 253 -}}
{{- $errors = append $errors (printf "%s: the policy name %s-require-jwt would be longer than 253 characters; set a shorter requireToken.name" $requirePath $name) -}}
{{- end -}}
{{- if hasKey $policyNames $requireName -}}
{{- $errors = append $errors (printf "%s: the name %s is also used by %s; give one of them another name" $requirePath $requireName (get $policyNames $requireName)) -}}
{{- end -}}
{{- $_ := set $policyNames $requireName $requirePath -}}
{{- $errors = concat $errors (include "istio-zero-trust.validateAnnotations" (dict "path" (printf "%s.requireToken" $path) "entry" $require "kind" "AuthorizationPolicy") | fromJsonArray) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- if $errors -}}
{{- fail (printf "istio-zero-trust: invalid values:\n- %s" (join "\n- " $errors)) -}}
{{- end -}}
{{- end -}}

{{/*
istio-zero-trust.validatePolicy returns the errors of one AuthorizationPolicy entry as JSON.
Call: include "istio-zero-trust.validatePolicy" (dict "path" $path "policy" $policy
  "namespace" $ns "rootNamespace" $rootNs) | fromJsonArray
*/}}
{{- define "istio-zero-trust.validatePolicy" -}}
{{- $errors := list -}}
{{- $path := .path -}}
{{- $policy := .policy -}}
{{- $action := $policy.action | default "ALLOW" -}}
{{- $errors = concat $errors (include "istio-zero-trust.validateAttachment" (dict "path" $path "entry" $policy "namespace" .namespace "rootNamespace" .rootNamespace) | fromJsonArray) -}}
{{- if and (has $action (list "DENY" "CUSTOM")) (not $policy.rules) -}}
{{- $errors = append $errors (printf "%s: action %s needs rules; add rules (rules: [{}] matches every request)" $path $action) -}}
{{- end -}}
{{- if and (eq $action "CUSTOM") (not $policy.provider) -}}
{{- $errors = append $errors (printf "%s: action CUSTOM needs provider.name; name an extension provider from meshConfig.extensionProviders" $path) -}}
{{- end -}}
{{- if and $policy.provider (ne $action "CUSTOM") -}}
{{- $errors = append $errors (printf "%s.provider: only action CUSTOM uses a provider; remove provider or set action: CUSTOM" $path) -}}
{{- end -}}
{{- if and $policy.dryRun (not (has $action (list "ALLOW" "DENY"))) -}}
{{- $errors = append $errors (printf "%s.dryRun: dry run works only with actions ALLOW and DENY; remove dryRun" $path) -}}
{{- end -}}
{{- if hasKey ($policy.annotations | default dict) "istio.io/dry-run" -}}
{{- $errors = append $errors (printf "%s.annotations: istio.io/dry-run is set through dryRun; remove the annotation and set dryRun: true" $path) -}}
{{- end -}}
{{- $identityFields := list "principals" "notPrincipals" "workloadIdentities" "notWorkloadIdentities" "namespaces" "notNamespaces" "serviceAccounts" "notServiceAccounts" "trustDomains" "notTrustDomains" "requestPrincipals" "notRequestPrincipals" -}}
{{- range $ruleIndex, $rule := $policy.rules -}}
{{- $errors = concat $errors (include "istio-zero-trust.validateNothingEmpty" (dict "path" (printf "%s.rules[%d]" $path $ruleIndex) "rule" $rule) | fromJsonArray) -}}
{{- range $fromIndex, $from := $rule.from -}}
{{- $source := $from.source -}}
{{- $sourcePath := printf "%s.rules[%d].from[%d].source" $path $ruleIndex $fromIndex -}}
{{- $source = $source | default dict -}}
{{- if and (or $source.serviceAccounts $source.notServiceAccounts) (or $source.principals $source.notPrincipals $source.workloadIdentities $source.notWorkloadIdentities $source.namespaces $source.notNamespaces) -}}
{{- $errors = append $errors (printf "%s: serviceAccounts cannot be combined with principals, workloadIdentities or namespaces in one source; put them in separate from entries" $sourcePath) -}}
{{- end -}}
{{- if eq $action "CUSTOM" -}}
{{- range $field := $identityFields -}}
{{- if hasKey $source $field -}}
{{- $errors = append $errors (printf "%s.%s: action CUSTOM cannot match on %s; match on it in an ALLOW or DENY policy" $sourcePath $field $field) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $whenIndex, $condition := $rule.when -}}
{{- $conditionPath := printf "%s.rules[%d].when[%d]" $path $ruleIndex $whenIndex -}}
{{- if not (or $condition.values $condition.notValues) -}}
{{- $errors = append $errors (printf "%s: sets neither values nor notValues; add one of them" $conditionPath) -}}
{{- end -}}
{{- if and (eq $action "CUSTOM") (or (has $condition.key (list "source.namespace" "source.serviceAccount" "source.trustDomain" "source.principal")) (hasPrefix "request.auth." $condition.key)) -}}
{{- $errors = append $errors (printf "%s.key: action CUSTOM cannot match on %s; match on it in an ALLOW or DENY policy" $conditionPath $condition.key) -}}
{{- end -}}
{{- $errors = concat $errors (include "istio-zero-trust.validateConditionValues" (dict "path" $conditionPath "condition" $condition) | fromJsonArray) -}}
{{- end -}}
{{- end -}}
{{- toJson $errors -}}
{{- end -}}

{{/*
istio-zero-trust.validateConditionValues returns, as JSON, the errors of condition values that
Istio parses (addresses, ports, service accounts) or that can never match (identities written
in a form the proxy never sees). Each pattern is the text of the schema field it stands for, and
scripts/lib/values-rules.ts holds the same texts (a test compares them).
Call: include "istio-zero-trust.validateConditionValues" (dict "path" $path "condition" $c) | fromJsonArray
*/}}
{{- define "istio-zero-trust.validateConditionValues" -}}
{{- $errors := list -}}
{{- $key := .condition.key -}}
{{- $ipOrCidr := list "^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}(/([0-9]|[1-2][0-9]|3[0-2]))?|([0-9A-Fa-f]{1,4}(:[0-9A-Fa-f]{1,4}){7}|([0-9A-Fa-f]{1,4}:){1,7}:|([0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|([0-9A-Fa-f]{1,4}:){1,5}(:[0-9A-Fa-f]{1,4}){1,2}|([0-9A-Fa-f]{1,4}:){1,4}(:[0-9A-Fa-f]{1,4}){1,3}|([0-9A-Fa-f]{1,4}:){1,3}(:[0-9A-Fa-f]{1,4}){1,4}|([0-9A-Fa-f]{1,4}:){1,2}(:[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(:[0-9A-Fa-f]{1,4}){1,6}|:((:[0-9A-Fa-f]{1,4}){1,7}|:))(/([0-9]|[1-9][0-9]|1[0-1][0-9]|12[0-8]))?)$" "an IP address or CIDR block such as 10.0.0.1 or 10.0.0.0/8" -}}
{{- $checks := dict
  "source.ip" $ipOrCidr
  "remote.ip" $ipOrCidr
  "destination.ip" $ipOrCidr
  "destination.port" (list "^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$" "a port number from 1 to 65535")
  "source.serviceAccount" (list "^([^/*]+/)?[^/*]+$" "a service account as <namespace>/<name> or <name>, without *")
  "source.principal" (list "^[!-9;-~]+$" "a peer identity <trust-domain>/ns/<namespace>/sa/<service-account>, without spiffe://, a colon or spaces")
  "source.namespace" (list "^(\\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?|\\*[-a-z0-9]*[a-z0-9]|[a-z0-9][-a-z0-9]*\\*)$" "a lower-case namespace name, with * only alone or at one end, such as shop, shop-* or *-prod")
  "request.auth.principal" (list "^(\\*.*|.*\\*|(.*[^:/])?/.*)$" "a JWT principal <issuer>/<subject>, such as https://auth.example.com/user-1, or * alone or at one end") -}}
{{- with get $checks $key -}}
{{- $pattern := index . 0 -}}
{{- $expected := index . 1 -}}
{{- range $field := list "values" "notValues" -}}
{{- range $index, $value := get $.condition $field | default list -}}
{{- if not (regexMatch $pattern $value) -}}
{{- $errors = append $errors (printf "%s.%s[%d]: key %s needs %s" $.path $field $index $key $expected) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $errors -}}
{{- end -}}

{{/*
istio-zero-trust.validateAttachment returns, as JSON, the errors of an entry's selector and
targetRefs.
Call: include "istio-zero-trust.validateAttachment" (dict "path" $path "entry" $entry
  "namespace" $ns "rootNamespace" $rootNs) | fromJsonArray
*/}}
{{- define "istio-zero-trust.validateAttachment" -}}
{{- $errors := list -}}
{{- $groups := dict "Service" "" "ServiceEntry" "networking.istio.io" "Gateway" "gateway.networking.k8s.io" "GatewayClass" "gateway.networking.k8s.io" -}}
{{- $errors = concat $errors (include "istio-zero-trust.validateSelectorLabels" (dict "path" .path "entry" .entry) | fromJsonArray) -}}
{{- if and .entry.selector .entry.targetRefs -}}
{{- $errors = append $errors (printf "%s: selector and targetRefs are both set; keep one (targetRefs for Gateway API gateways and waypoints, selector for sidecars and other gateways)" .path) -}}
{{- end -}}
{{- range $index, $ref := .entry.targetRefs -}}
{{- $refPath := printf "%s.targetRefs[%d]" $.path $index -}}
{{- $group := get $groups $ref.kind -}}
{{- if and (hasKey $ref "group") (ne $ref.group $group) (not (and (eq $ref.kind "Service") (eq $ref.group "core"))) -}}
{{- $errors = append $errors (printf "%s.group: a %s target belongs to group %q; correct the group or leave it out" $refPath $ref.kind $group) -}}
{{- end -}}
{{- if and (eq $ref.kind "GatewayClass") (or (ne $ref.name "istio-waypoint") (ne $.namespace $.rootNamespace)) -}}
{{- $errors = append $errors (printf "%s: a GatewayClass target takes effect only with name istio-waypoint, from the root namespace %s; attach to a Gateway or Service instead" $refPath $.rootNamespace) -}}
{{- end -}}
{{- end -}}
{{- toJson $errors -}}
{{- end -}}

{{/*
istio-zero-trust.validateAnnotations returns, as JSON, the error of an istio.io/dry-run
annotation on an entry that cannot carry one by hand.
Call: include "istio-zero-trust.validateAnnotations" (dict "path" $path "entry" $entry "kind" $kind) | fromJsonArray
*/}}
{{- define "istio-zero-trust.validateAnnotations" -}}
{{- $errors := list -}}
{{- if hasKey (.entry.annotations | default dict) "istio.io/dry-run" -}}
{{- if eq .kind "AuthorizationPolicy" -}}
{{- $errors = append $errors (printf "%s.annotations: istio.io/dry-run is set through dryRun; remove the annotation and set dryRun: true" .path) -}}
{{- else -}}
{{- $errors = append $errors (printf "%s.annotations: Istio rejects istio.io/dry-run on a %s; remove it" .path .kind) -}}
{{- end -}}
{{- end -}}
{{- toJson $errors -}}
{{- end -}}

{{/*
istio-zero-trust.validateNothingEmpty returns, as JSON, an error for every empty list, source or
operation in one rule. Istio reads an empty list as "not set", which in a rule means "anything",
so rendering one would widen the rule. The schema refuses them first; this keeps the chart closed
when schema validation is skipped (helm --skip-schema-validation), so the TypeScript rules leave
these cases to the schema.
Call: include "istio-zero-trust.validateNothingEmpty" (dict "path" $rulePath "rule" $rule) | fromJsonArray
*/}}
{{- define "istio-zero-trust.validateNothingEmpty" -}}
{{- $errors := list -}}
{{- $message := "is empty, which Istio reads as not set, so the rule would match more than intended; remove it or give it entries" -}}
{{- $parts := list -}}
{{- range $key := list "from" "to" "when" -}}
{{- if hasKey $.rule $key -}}
{{- $value := get $.rule $key -}}
{{- if not $value -}}
{{- $errors = append $errors (printf "%s.%s: %s" $.path $key $message) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $index, $entry := $.rule.from -}}
{{- $parts = append $parts (list (printf "%s.from[%d].source" $.path $index) (get ($entry | default dict) "source")) -}}
{{- end -}}
{{- range $index, $entry := $.rule.to -}}
{{- $parts = append $parts (list (printf "%s.to[%d].operation" $.path $index) (get ($entry | default dict) "operation")) -}}
{{- end -}}
{{- range $part := $parts -}}
{{- if not (index $part 1) -}}
{{- $errors = append $errors (printf "%s: %s" (index $part 0) $message) -}}
{{- end -}}
{{- end -}}
{{- /* A condition without values is its own error (validatePolicy); only its lists count here. */ -}}
{{- range $index, $entry := $.rule.when -}}
{{- $parts = append $parts (list (printf "%s.when[%d]" $.path $index) ($entry | default dict)) -}}
{{- end -}}
{{- range $part := $parts -}}
{{- $partPath := index $part 0 -}}
{{- $fields := index $part 1 | default dict -}}
{{- range $name, $value := $fields -}}
{{- if and (kindIs "slice" $value) (not $value) -}}
{{- $errors = append $errors (printf "%s.%s: %s" $partPath $name $message) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $errors -}}
{{- end -}}

{{/*
istio-zero-trust.validateSelectorLabels returns, as JSON, an error for a selector without labels
or an empty targetRefs, either of which makes the policy namespace-wide. Like validateNothingEmpty, it backs up the schema
for renders that skip schema validation.
Call: include "istio-zero-trust.validateSelectorLabels" (dict "path" $path "entry" $entry) | fromJsonArray
*/}}
{{- define "istio-zero-trust.validateSelectorLabels" -}}
{{- $errors := list -}}
{{- if and (hasKey .entry "selector") (not (get (.entry.selector | default dict) "matchLabels")) -}}
{{- $errors = append $errors (printf "%s.selector.matchLabels: is empty, so the policy would apply to every workload in the namespace; remove selector to mean that, or give labels" .path) -}}
{{- end -}}
{{- if and (hasKey .entry "targetRefs") (not .entry.targetRefs) -}}
{{- $errors = append $errors (printf "%s.targetRefs: is empty, so the policy would apply to every workload in the namespace; remove targetRefs to mean that, or give targets" .path) -}}
{{- end -}}
{{- toJson $errors -}}
{{- end -}}
