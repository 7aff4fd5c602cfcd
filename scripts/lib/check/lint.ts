// Lint rules for `check`: warnings for Istio security resources that Istio accepts but that are
// likely not to do what their author meant. Each rule is a small named function with a stable
// code (IZT-C-W<NNN>), a one-line message and a one-line fix; run.ts runs them all.
//
//   import { LINT_DOCUMENT_RULES, LINT_INPUT_RULES } from './lint.js';
//   const findings = LINT_DOCUMENT_RULES.flatMap((rule) => rule(document));
//
// Decisions the rules share:
// - The root namespace is not known from the input; DEFAULT_ROOT_NAMESPACE (Istio's default
//   meshConfig.rootNamespace) stands in for it.
// - Rules that need mTLS facts (IZT-C-W004) only speak when the input holds a PeerAuthentication
//   that decides the mode; with none at all they say nothing, since the cluster may be STRICT.
// - Port protocols are not in the input: an HTTP-only field next to `ports` is taken to be
//   scoped to HTTP ports (IZT-C-W001/W002 stay quiet), except for ports whose usual protocol is
//   not HTTP (IZT-C-W016).
// - Inputs that the CRD or webhook rules reject (wrong types, missing fields) are skipped here
//   rather than reported twice; no rule throws on a malformed document.

import { listOf, setsAny } from './lists.js';
import { memoizedByDocument } from './memo.js';
import { policyRules, type PolicyEntry, type PolicyRule } from './policy.js';
import { keyPath } from './path.js';
import type { DocumentRule, InputRule, IstioDocument, RuleFinding } from './types.js';
import { webhookWarnsDenyHttpOnly } from './webhook.js';
import { WELL_KNOWN_TCP_PORTS } from '../istio-facts.js';

/** Istio's default meshConfig.rootNamespace: policies here apply to the whole mesh. */
export const DEFAULT_ROOT_NAMESPACE = 'istio-system';

const DRY_RUN_ANNOTATION = 'istio.io/dry-run';
// Values Go's strconv.ParseBool reads as false, the only ones the webhook lets through.
const GO_FALSE_VALUES = ['0', 'f', 'F', 'false', 'FALSE', 'False'];

const HTTP_ONLY_SOURCE_FIELDS = ['requestPrincipals', 'notRequestPrincipals'];
const HTTP_ONLY_OPERATION_FIELDS = [
  'hosts',
  'notHosts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
];
const HTTP_ONLY_KEY = /^request\.(headers\[|auth\.)/;
const HOST_FIELDS = ['hosts', 'notHosts'];
const METHOD_FIELDS = ['methods', 'notMethods'];
const RULE_PARTS = ['from', 'to', 'when'];
const PORT_FIELDS = ['ports', 'notPorts'];
// `when` keys that also limit a rule to some ports.
const PORT_KEYS = ['destination.port'];

// Fields and keys whose values exist only for mTLS peers (empty on plaintext).
const IDENTITY_SOURCE_FIELDS = [
  'principals',
  'notPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'trustDomains',
  'notTrustDomains',
];
const IDENTITY_KEYS = [
  'source.principal',
  'source.namespace',
  'source.serviceAccount',
  'source.trustDomain',
];

const NEGATIVE_SOURCE_FIELDS = [
  'notPrincipals',
  'notNamespaces',
  'notServiceAccounts',
  'notTrustDomains',
  'notRequestPrincipals',
  'notIpBlocks',
  'notRemoteIpBlocks',
];
const NEGATIVE_OPERATION_FIELDS = ['notHosts', 'notPorts', 'notMethods', 'notPaths'];

// Fields and keys matched with exact/prefix/suffix/presence forms, where an inner `*` is literal.
// Namespaces are left out: Envoy compiles every `*` there to `.*`.
const LITERAL_STAR_SOURCE_FIELDS = ['principals', 'notPrincipals'];
const LITERAL_STAR_OPERATION_FIELDS = HTTP_ONLY_OPERATION_FIELDS;
const LITERAL_STAR_KEY = /^(source\.principal|request\.headers\[.*\]|request\.auth\..*)$/;
// Split at the last `/` into issuer and subject, each matched on its own.
const REQUEST_PRINCIPAL_SOURCE_FIELDS = HTTP_ONLY_SOURCE_FIELDS;
const REQUEST_PRINCIPAL_KEY = 'request.auth.principal';
const PATH_TEMPLATE = /\{\*\*?\}/;

// `*` in these means "any mTLS peer", not "anyone".
const ANY_PEER_SOURCE_FIELDS = ['principals', 'namespaces', 'trustDomains'];
const ANY_PEER_KEYS = ['source.principal', 'source.namespace', 'source.trustDomain'];


const MODE_STRICT = 'STRICT';
const MODE_UNSET = 'UNSET';

export const LINT_DOCUMENT_RULES: DocumentRule[] = [
  denyHttpFieldsWithoutPorts,
  allowHttpFieldsWithoutPorts,
  negativeMatchInAllow,
  positivePathInDeny,
  literalInnerWildcard,
  lowerCaseMethod,
  hostWithoutPortVariant,
  selectorPeerAuthenticationInRootNamespace,
  meshWideInRootNamespace,
  matchEverythingRule,
  anyPeerWildcardInAllow,
  dryRunFalse,
  httpFieldsOnTcpPort,
];

export const LINT_INPUT_RULES: InputRule[] = [
  requestAuthenticationNotRequired,
  identityWithoutStrictMtls,
  duplicateNamespacePeerAuthentication,
];

// ---- IZT-C-W001 / W002: HTTP-only fields without ports -------------------------------------

/**
 * IZT-C-W001: a DENY rule with HTTP-only fields and no ports denies whole TCP connections. Quiet
 * where istiod's own warning (IZT-C-WH-DENY-HTTP-ONLY) already reports the rule.
 */
function denyHttpFieldsWithoutPorts(document: IstioDocument): RuleFinding[] {
  if (authorizationAction(document) !== 'DENY') return [];
  return rulesOf(document)
    .filter((rule) => httpOnlyFields(rule).length > 0 && !limitsPorts(rule))
    .filter((rule) => !webhookWarnsDenyHttpOnly(rule.body))
    .map((rule) =>
      warning('IZT-C-W001', rule.path, {
        message: `DENY rule uses HTTP-only ${httpOnlyFields(rule).join(', ')} without ports; on TCP ports those are ignored, so it denies whole connections (all, if nothing else is left)`,
        fix: "add `ports` (the workload's HTTP ports) to every `to` operation of this rule",
      }),
    );
}

/** IZT-C-W002: an ALLOW rule with HTTP-only fields and no ports is dropped on TCP ports. */
function allowHttpFieldsWithoutPorts(document: IstioDocument): RuleFinding[] {
  if (authorizationAction(document) !== 'ALLOW') return [];
  return rulesOf(document)
    .filter((rule) => httpOnlyFields(rule).length > 0 && !limitsPorts(rule))
    .map((rule) =>
      warning('IZT-C-W002', rule.path, {
        message: `ALLOW rule uses HTTP-only ${httpOnlyFields(rule).join(', ')} without ports; on TCP ports the whole rule is dropped, so TCP traffic it was meant to allow is denied`,
        fix: "add `ports` (the workload's HTTP ports) to the rule, and write a separate rule without HTTP fields for TCP ports",
      }),
    );
}

/** IZT-C-W016: an HTTP-only field scoped to a port whose usual protocol is not HTTP. */
function httpFieldsOnTcpPort(document: IstioDocument): RuleFinding[] {
  const action = authorizationAction(document);
  if (action !== 'ALLOW' && action !== 'DENY') return [];
  const effect =
    action === 'ALLOW'
      ? 'the whole rule is dropped there'
      : 'the rule denies whole connections there';
  const findings: RuleFinding[] = [];
  for (const rule of rulesOf(document)) {
    const fields = httpOnlyFields(rule);
    if (fields.length === 0) continue;
    for (const { body, path: opPath } of entriesOf(rule, 'to')) {
      for (const port of stringsOf(body.ports)) {
        if (!(port in WELL_KNOWN_TCP_PORTS)) continue;
        findings.push(
          warning('IZT-C-W016', `${opPath}.ports[${stringsOf(body.ports).indexOf(port)}]`, {
            message: `${action} rule ${rule.path} uses HTTP-only ${fields.join(', ')} on port ${port} (usually ${WELL_KNOWN_TCP_PORTS[port]}, not HTTP); ${effect}`,
            fix: `move port ${port} to a rule without HTTP-only fields, or check that the port is declared as HTTP`,
          }),
        );
      }
    }
  }
  return findings;
}

function httpOnlyFields(rule: RuleView): string[] {
  rule.httpOnlyFields ??= findHttpOnlyFields(rule);
  return rule.httpOnlyFields;
}

// Each field or key once, in the order first seen.
function findHttpOnlyFields(rule: RuleView): string[] {
  const fields: string[] = [];
  for (const { lists } of entriesOf(rule, 'from')) {
    for (const field of HTTP_ONLY_SOURCE_FIELDS) {
      if (listOf(lists, field) !== undefined && !fields.includes(field)) fields.push(field);
    }
  }
  for (const { lists } of entriesOf(rule, 'to')) {
    for (const field of HTTP_ONLY_OPERATION_FIELDS) {
      if (listOf(lists, field) !== undefined && !fields.includes(field)) fields.push(field);
    }
  }
  for (const { body } of conditionsOf(rule)) {
    const key = body.key;
    if (typeof key === 'string' && HTTP_ONLY_KEY.test(key) && !fields.includes(key)) {
      fields.push(key);
    }
  }
  return fields;
}

/** Whether the rule only matches some ports: `to` entries are ORed, so every one must say. */
function limitsPorts(rule: RuleView): boolean {
  const operations = entriesOf(rule, 'to');
  const inOperations =
    operations.length > 0 &&
    operations.every(({ lists }) => setsAny(lists, PORT_FIELDS));
  return inOperations || conditionKeys(rule).some((key) => PORT_KEYS.includes(key));
}

// ---- IZT-C-W005 / W006: matching direction against Istio's best practices --------------------

/** IZT-C-W005: negative matching in ALLOW: a value that fails to match lets the request in. */
function negativeMatchInAllow(document: IstioDocument): RuleFinding[] {
  if (authorizationAction(document) !== 'ALLOW') return [];
  const paths: string[] = [];
  for (const rule of rulesOf(document)) {
    addFieldPaths(paths, rule, 'from', NEGATIVE_SOURCE_FIELDS);
    addFieldPaths(paths, rule, 'to', NEGATIVE_OPERATION_FIELDS);
    for (const { body, path } of conditionsOf(rule)) {
      if (hasItems(body.notValues)) paths.push(`${path}.notValues`);
    }
  }
  return paths.map((path) =>
    warning('IZT-C-W005', path, {
      message: `ALLOW with negative matching (${lastSegment(path)}): any request the negation misses, e.g. an unnormalized path or an empty identity, is allowed`,
      fix: 'list what to allow with positive matching, or move the negation into a DENY policy',
    }),
  );
}

/** IZT-C-W006: positive path matching in DENY: another spelling of the path gets through. */
function positivePathInDeny(document: IstioDocument): RuleFinding[] {
  if (authorizationAction(document) !== 'DENY') return [];
  const paths: string[] = [];
  for (const rule of rulesOf(document)) addFieldPaths(paths, rule, 'to', ['paths']);
  return paths.map((path) =>
    warning('IZT-C-W006', path, {
      message:
        'DENY with positive path matching: a path spelled differently (`//`, case, encoding) is not denied',
      fix: 'prefer DENY with `notPaths` (deny everything but the allowed paths) or ALLOW with `paths`, and choose a strict meshConfig.pathNormalization',
    }),
  );
}

// ---- IZT-C-W007 / W008 / W009: values matched differently than they read ---------------------

/** IZT-C-W007: a `*` inside a value is matched literally, so the value likely never matches. */
function literalInnerWildcard(document: IstioDocument): RuleFinding[] {
  if (document.kind !== 'AuthorizationPolicy') return [];
  const found: FoundValue[] = [];
  for (const rule of rulesOf(document)) {
    const plain = isPlainLiteralStar;
    addValuePaths(found, rule, 'from', LITERAL_STAR_SOURCE_FIELDS, plain);
    addValuePaths(found, rule, 'to', LITERAL_STAR_OPERATION_FIELDS, plain);
    addConditionValuePaths(found, rule, isLiteralStarKey, plain);
    const principal = isPrincipalLiteralStar;
    addValuePaths(found, rule, 'from', REQUEST_PRINCIPAL_SOURCE_FIELDS, principal);
    addConditionValuePaths(found, rule, isRequestPrincipalKey, principal);
  }
  return found.map(({ path, value }) =>
    warning('IZT-C-W007', path, {
      message: `"${value}" has a \`*\` that Istio matches literally (only a leading, trailing or lone \`*\` is a wildcard)`,
      fix: 'use one leading or trailing `*` (prefix/suffix match), or list the values explicitly',
    }),
  );
}

function isLiteralStarKey(key: string): boolean {
  return LITERAL_STAR_KEY.test(key) && key !== REQUEST_PRINCIPAL_KEY;
}

function isRequestPrincipalKey(key: string): boolean {
  return key === REQUEST_PRINCIPAL_KEY;
}

/** IZT-C-W008: the proxy rejects lower-case methods with 400, so the value never matches. */
function lowerCaseMethod(document: IstioDocument): RuleFinding[] {
  if (document.kind !== 'AuthorizationPolicy') return [];
  const found: FoundValue[] = [];
  for (const rule of rulesOf(document)) {
    addValuePaths(found, rule, 'to', METHOD_FIELDS, isNotUpperCase);
  }
  return found.map(({ path, value }) =>
    warning('IZT-C-W008', path, {
      message: `method "${value}" is not upper-case; the proxy rejects lower-case methods with 400, so it never matches`,
      fix: `write "${value.toUpperCase()}"`,
    }),
  );
}

/** IZT-C-W009: a host without its `:*` variant misses requests whose Host carries a port. */
function hostWithoutPortVariant(document: IstioDocument): RuleFinding[] {
  if (document.kind !== 'AuthorizationPolicy') return [];
  const findings: RuleFinding[] = [];
  for (const rule of rulesOf(document)) {
    for (const { body, path, lists } of entriesOf(rule, 'to')) {
      for (const field of HOST_FIELDS) {
        if (listOf(lists, field) === undefined) continue;
        findings.push(...hostsWithoutPortVariant(body, path, field));
      }
    }
  }
  return findings;
}

// The index in the path counts the string hosts only.
function hostsWithoutPortVariant(operation: Obj, path: string, field: string): RuleFinding[] {
  const hosts = stringsOf(operation[field]);
  const listed = new Set(hosts.map((host) => host.toLowerCase()));
  return hosts
    .map((host, index) => ({ host, index }))
    .filter(({ host }) => needsPortVariant(host) && !listed.has(`${host.toLowerCase()}:*`))
    .map(({ host, index }) =>
      warning('IZT-C-W009', `${path}.${field}[${index}]`, {
        message: `host "${host}" has no "${host}:*" beside it; a Host header with a port does not match`,
        fix: `add "${host}:*" to ${field}`,
      }),
    );
}

function isNotUpperCase(value: string): boolean {
  return value !== value.toUpperCase();
}

function needsPortVariant(host: string): boolean {
  // A trailing `*` already matches any port; a `:` means a port (or IPv6) is written out. With a
  // leading `*` the suffix match wins and a trailing `*` would be literal (IZT-C-W007), so no
  // `:*` variant can be written.
  return host !== '' && !host.startsWith('*') && !host.endsWith('*') && !host.includes(':');
}

function isPlainLiteralStar(value: string): boolean {
  return !PATH_TEMPLATE.test(value) && hasLiteralStar(value);
}

function isPrincipalLiteralStar(value: string): boolean {
  return requestPrincipalParts(value).some(hasLiteralStar);
}

function hasLiteralStar(value: string): boolean {
  if (value === '*' || value === '') return false;
  if (value.startsWith('*')) return value.slice(1).includes('*');
  if (value.endsWith('*')) return value.slice(0, -1).includes('*');
  return value.includes('*');
}

function requestPrincipalParts(value: string): string[] {
  const slash = value.lastIndexOf('/');
  return slash < 0 ? [value] : [value.slice(0, slash), value.slice(slash + 1)];
}

// ---- IZT-C-W010 / W011 / W012: scope pitfalls ------------------------------------------------

/** IZT-C-W010: a PeerAuthentication with a workload selector in the root namespace is ignored. */
function selectorPeerAuthenticationInRootNamespace(document: IstioDocument): RuleFinding[] {
  if (document.kind !== 'PeerAuthentication') return [];
  if (document.namespace !== DEFAULT_ROOT_NAMESPACE || !hasSelectorLabels(specOf(document))) {
    return [];
  }
  return [
    warning('IZT-C-W010', 'spec.selector', {
      message: `PeerAuthentication with a workload selector in the root namespace ${DEFAULT_ROOT_NAMESPACE} is ignored by Istio`,
      fix: 'move it to the namespace of the selected workloads, or drop the selector to make it mesh-wide',
    }),
  ];
}

/**
 * IZT-C-W011: only the oldest namespace-level PeerAuthentication of a namespace counts. The same
 * name twice (v1 and v1beta1, or two files) is one object in a cluster, the later replacing the
 * earlier, so only distinct names count. Documents without metadata.namespace are left out: their
 * namespace is given at apply time (as in Istio's mTLS migration steps).
 */
function duplicateNamespacePeerAuthentication(documents: readonly IstioDocument[]) {
  const byNamespace = new Map<string, IstioDocument[]>();
  for (const document of documents) {
    if (document.kind !== 'PeerAuthentication' || hasSelectorLabels(specOf(document))) continue;
    if (document.namespace === '') continue;
    byNamespace.set(document.namespace, [...(byNamespace.get(document.namespace) ?? []), document]);
  }
  return [...byNamespace.values()]
    .map((group) => ({ group, names: [...new Set(group.map(nameOf))] }))
    .filter(({ names }) => names.length > 1)
    .flatMap(({ group, names }) =>
      group.map((document) => ({
        document,
        finding: warning('IZT-C-W011', 'metadata.name', {
          message: `${names.length} namespace-level PeerAuthentications in ${document.namespace} (${names.join(', ')}); only the oldest counts, the others are ignored`,
          fix: 'keep one PeerAuthentication without selector per namespace (conventionally named `default`)',
        }),
      })),
    );
}

/** IZT-C-W012: a selector-less AuthorizationPolicy/RequestAuthentication in the root namespace. */
function meshWideInRootNamespace(document: IstioDocument): RuleFinding[] {
  if (document.kind === 'PeerAuthentication' || document.namespace !== DEFAULT_ROOT_NAMESPACE) {
    return [];
  }
  const spec = specOf(document);
  if (hasSelectorLabels(spec) || spec.targetRef !== undefined || hasItems(spec.targetRefs)) {
    return [];
  }
  return [
    warning('IZT-C-W012', spec.selector === undefined ? 'spec' : 'spec.selector', {
      message: `${document.kind} without a selector in the root namespace ${DEFAULT_ROOT_NAMESPACE} applies to every workload in the mesh, gateways included`,
      fix: 'add selector.matchLabels for the workloads it is meant for, or move it to their namespace',
    }),
  ];
}

// ---- IZT-C-W013 / W014: rules that match more than they read ---------------------------------

/** IZT-C-W013: an empty rule matches every request: ALLOW allows all, DENY denies all. */
function matchEverythingRule(document: IstioDocument): RuleFinding[] {
  const action = authorizationAction(document);
  if (action !== 'ALLOW' && action !== 'DENY') return [];
  const effect = action === 'ALLOW' ? 'allows every request' : 'denies every request';
  return rulesOf(document)
    .filter((rule) => RULE_PARTS.every((part) => !hasItems(rule.body[part])))
    .map(({ path }) =>
      warning('IZT-C-W013', path, {
        message: `${action} rule with no from, to or when matches everything: it ${effect} to the selected workloads`,
        fix: 'add from/to/when to say what the rule is for; if everything is meant, keep it and note why',
      }),
    );
}

/** IZT-C-W014: `*` in an identity field of an ALLOW means "any mTLS peer", not "anyone". */
function anyPeerWildcardInAllow(document: IstioDocument): RuleFinding[] {
  if (authorizationAction(document) !== 'ALLOW') return [];
  const found: FoundValue[] = [];
  for (const rule of rulesOf(document)) {
    addValuePaths(found, rule, 'from', ANY_PEER_SOURCE_FIELDS, isLoneStar);
    addConditionValuePaths(found, rule, isAnyPeerKey, isLoneStar);
  }
  return found.map(({ path }) =>
    warning('IZT-C-W014', path, {
      message:
        '`*` here means any authenticated (mTLS) peer, not anyone: plaintext callers without a sidecar are denied',
      fix: 'keep it if only mesh workloads may call; to allow anyone, drop the source field',
    }),
  );
}

function isAnyPeerKey(key: string): boolean {
  return ANY_PEER_KEYS.includes(key);
}

// ---- IZT-C-W015: the dry-run annotation -----------------------------------------------------

/** IZT-C-W015: `istio.io/dry-run` set to a false value changes nothing. */
function dryRunFalse(document: IstioDocument): RuleFinding[] {
  const action = authorizationAction(document);
  if (action !== 'ALLOW' && action !== 'DENY') return [];
  const value = annotationsOf(document)[DRY_RUN_ANNOTATION];
  if (typeof value !== 'string' || !GO_FALSE_VALUES.includes(value)) return [];
  return [
    warning('IZT-C-W015', keyPath('metadata.annotations', DRY_RUN_ANNOTATION), {
      message: `${DRY_RUN_ANNOTATION}: "${value}" has no effect; the policy is enforced as without the annotation`,
      fix: `remove the annotation, or set it to "true" to evaluate the policy without enforcing it`,
    }),
  ];
}

// ---- IZT-C-W003: a RequestAuthentication that nothing requires -------------------------------

/** IZT-C-W003: without a policy requiring a token, requests without one are accepted. */
function requestAuthenticationNotRequired(documents: readonly IstioDocument[]) {
  const requests = documents
    // A RequestAuthentication without jwtRules has no effect at all.
    .filter((document) => document.kind === 'RequestAuthentication')
    .filter((document) => hasItems(specOf(document).jwtRules));
  // Most inputs hold no RequestAuthentication: then no policy needs reading.
  const policies = requests.length === 0 ? [] : documents.filter(requiresToken);
  return (
    requests
      .filter((document) => !policies.some((policy) => coversSameWorkloads(policy, document)))
      .map((document) => ({
        document,
        finding: warning('IZT-C-W003', 'spec', {
          message:
            'no AuthorizationPolicy in the input requires a token for these workloads; requests without a token are accepted',
          fix: 'add an AuthorizationPolicy for the same workloads: ALLOW with `requestPrincipals: ["*"]`, or DENY with `notRequestPrincipals: ["*"]` (with ports)',
        }),
      }))
  );
}

function requiresToken(document: IstioDocument): boolean {
  const action = authorizationAction(document);
  if (action !== 'ALLOW' && action !== 'DENY') return false;
  const [field, valuesField] =
    action === 'ALLOW' ? ['requestPrincipals', 'values'] : ['notRequestPrincipals', 'notValues'];
  return rulesOf(document).some(
    (rule) =>
      entriesOf(rule, 'from').some(({ lists }) => listOf(lists, field) !== undefined) ||
      conditionsOf(rule).some(
        ({ body }) =>
          typeof body.key === 'string' &&
          body.key.startsWith('request.auth.') &&
          hasItems(body[valuesField]),
      ),
  );
}

function coversSameWorkloads(policy: IstioDocument, request: IstioDocument): boolean {
  if (policy.namespace !== request.namespace && policy.namespace !== DEFAULT_ROOT_NAMESPACE) {
    return false;
  }
  const policySpec = specOf(policy);
  const requestSpec = specOf(request);
  const policyScope = scopeKey(policySpec);
  return policyScope === '' || policyScope === scopeKey(requestSpec);
}

/** A canonical string for selector labels or targetRefs; '' for the whole namespace. */
function scopeKey(spec: Obj): string {
  const labels = asObj(asObj(spec.selector).matchLabels);
  const refs = [...objectsOf(spec.targetRefs), ...(isObj(spec.targetRef) ? [spec.targetRef] : [])];
  if (refs.length > 0) {
    return `refs:${refs
      .map((ref) => JSON.stringify(sortedObject(ref)))
      .sort()
      .join(',')}`;
  }
  return Object.keys(labels).length > 0 ? `labels:${JSON.stringify(sortedObject(labels))}` : '';
}

// ---- IZT-C-W004: identity matching without STRICT mTLS ---------------------------------------

/** IZT-C-W004: identity fields are empty for plaintext callers where mTLS is not STRICT. */
function identityWithoutStrictMtls(documents: readonly IstioDocument[]) {
  const peerAuthentications = documents.filter(
    (document) => document.kind === 'PeerAuthentication',
  );
  if (peerAuthentications.length === 0) return [];
  const found: { document: IstioDocument; finding: RuleFinding }[] = [];
  for (const document of documents) {
    if (document.kind !== 'AuthorizationPolicy') continue;
    // The PeerAuthentications first: most policies are under STRICT mTLS, and then the policy's
    // fields need no reading.
    const lax = laxPeerAuthentication(document, peerAuthentications);
    const path = lax === undefined ? undefined : firstIdentityPath(document);
    if (path === undefined || lax === undefined) continue;
    found.push({
      document,
      finding: warning('IZT-C-W004', path, {
        message: `matches peer identity, but PeerAuthentication ${lax.namespace}/${nameOf(lax.document)} leaves mTLS ${lax.mode}; plaintext callers have no identity and ${notePlaintext(document)}`,
        fix: 'set mTLS to STRICT for these workloads, or require an identity: add `principals: ["*"]` to ALLOW sources / a DENY with `notPrincipals: ["*"]`',
      }),
    });
  }
  return found;
}

function notePlaintext(document: IstioDocument): string {
  return authorizationAction(document) === 'ALLOW'
    ? 'pass `not…` matches'
    : 'slip past positive matches';
}

function firstIdentityPath(document: IstioDocument): string | undefined {
  for (const rule of rulesOf(document)) {
    const paths: string[] = [];
    addFieldPaths(paths, rule, 'from', IDENTITY_SOURCE_FIELDS);
    for (const { body, path } of conditionsOf(rule)) {
      if (typeof body.key === 'string' && IDENTITY_KEYS.includes(body.key)) paths.push(path);
    }
    if (paths.length > 0) return paths[0];
  }
  return undefined;
}

interface LaxMode {
  document: IstioDocument;
  namespace: string;
  mode: string;
}

/**
 * The PeerAuthentication in the input that leaves mTLS below STRICT for some of the policy's
 * workloads, if any: the namespace-level one (else the mesh-level one) of the policy's namespace,
 * then workload-level ones whose selector may overlap the policy's.
 */
function laxPeerAuthentication(
  policy: IstioDocument,
  peerAuthentications: readonly IstioDocument[],
): LaxMode | undefined {
  const rootPolicy = policy.namespace === DEFAULT_ROOT_NAMESPACE;
  const namespaceLevel = rootPolicy
    ? []
    : levelOf(peerAuthentications, policy.namespace).filter((pa) => modeOf(pa) !== MODE_UNSET);
  const base =
    namespaceLevel.length > 0
      ? namespaceLevel
      : levelOf(peerAuthentications, DEFAULT_ROOT_NAMESPACE);
  for (const pa of base) {
    // At mesh level UNSET means PERMISSIVE.
    const mode = modeOf(pa) === MODE_UNSET ? 'PERMISSIVE' : modeOf(pa);
    if (mode !== MODE_STRICT) return { document: pa, namespace: pa.namespace, mode };
  }
  const workloadLevel = peerAuthentications.filter(
    (pa) =>
      hasSelectorLabels(specOf(pa)) &&
      pa.namespace !== DEFAULT_ROOT_NAMESPACE &&
      (rootPolicy || pa.namespace === policy.namespace) &&
      selectorsMayOverlap(specOf(policy), specOf(pa)),
  );
  for (const pa of workloadLevel) {
    const mode = [modeOf(pa), ...portModesOf(pa)].find(
      (m) => m !== MODE_STRICT && m !== MODE_UNSET,
    );
    if (mode !== undefined) return { document: pa, namespace: pa.namespace, mode };
  }
  return undefined;
}

/** The PeerAuthentications without a workload selector in `namespace`. */
function levelOf(peerAuthentications: readonly IstioDocument[], namespace: string) {
  return peerAuthentications.filter(
    (pa) => pa.namespace === namespace && !hasSelectorLabels(specOf(pa)),
  );
}

function modeOf(document: IstioDocument): string {
  const mode = asObj(specOf(document).mtls).mode;
  return typeof mode === 'string' ? mode : MODE_UNSET;
}

function portModesOf(document: IstioDocument): string[] {
  return Object.values(asObj(specOf(document).portLevelMtls))
    .map((entry) => asObj(entry).mode)
    .filter((mode): mode is string => typeof mode === 'string');
}

function selectorsMayOverlap(policySpec: Obj, peerSpec: Obj): boolean {
  if (policySpec.targetRef !== undefined || hasItems(policySpec.targetRefs)) return false;
  const a = asObj(asObj(policySpec.selector).matchLabels);
  const b = asObj(asObj(peerSpec.selector).matchLabels);
  return Object.keys(a).every((key) => !(key in b) || a[key] === b[key]);
}

// ---- Reading documents -----------------------------------------------------------------------

type Obj = Record<string, unknown>;

interface Located {
  body: Obj;
  path: string;
}

/** A rule of a policy, with views of it filled in on first use (see rulesOf). */
interface RuleView extends Located {
  rule: PolicyRule;
  sources: PolicyEntry[] | undefined;
  operations: PolicyEntry[] | undefined;
  conditions: Located[] | undefined;
  httpOnlyFields: string[] | undefined;
}

function warning(code: string, path: string, text: { message: string; fix: string }): RuleFinding {
  return { severity: 'warning', code, path, ...text };
}

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObj(value: unknown): Obj {
  return isObj(value) ? value : {};
}

function hasItems(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

function objectsOf(value: unknown): Obj[] {
  return Array.isArray(value) ? value.filter(isObj) : [];
}

function sortedObject(value: Obj): Obj {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}

function specOf(document: IstioDocument): Obj {
  return asObj(document.object.spec);
}

function annotationsOf(document: IstioDocument): Obj {
  return asObj(asObj(document.object.metadata).annotations);
}

function nameOf(document: IstioDocument): string {
  return document.name || '(no name)';
}

function hasSelectorLabels(spec: Obj): boolean {
  return Object.keys(asObj(asObj(spec.selector).matchLabels)).length > 0;
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

/** The action of an AuthorizationPolicy (ALLOW when unset), or undefined for other kinds. */
function authorizationAction(document: IstioDocument): string | undefined {
  if (document.kind !== 'AuthorizationPolicy') return undefined;
  const action = specOf(document).action;
  return action === undefined ? 'ALLOW' : typeof action === 'string' ? action : undefined;
}

/** The rules of a policy, each with the views of it that several lint rules read. */
const rulesOf = memoizedByDocument((document: IstioDocument): RuleView[] => {
  const views: RuleView[] = [];
  for (const rule of policyRules(document)) {
    // A `null` rule decodes to `{}` in istiod; other items that are not maps are left out.
    if (rule.item === null || isObj(rule.item)) views.push(ruleView(rule));
  }
  return views;
});

// Every view has every field from the start, so all views share one shape.
function ruleView(rule: PolicyRule): RuleView {
  return {
    body: rule.rule,
    path: rule.path,
    rule,
    sources: undefined,
    operations: undefined,
    conditions: undefined,
    httpOnlyFields: undefined,
  };
}

/**
 * The `source`/`operation` maps of a rule's `from`/`to` entries (others are left out), with their
 * paths and match lists (policy.ts: the fields of a source or operation only).
 */
function entriesOf(rule: RuleView, part: 'from' | 'to'): PolicyEntry[] {
  if (part === 'from') {
    rule.sources ??= mapEntries(rule.rule.from);
    return rule.sources;
  }
  rule.operations ??= mapEntries(rule.rule.to);
  return rule.operations;
}

function mapEntries(entries: PolicyEntry[]): PolicyEntry[] {
  return entries.every(({ inner }) => isObj(inner))
    ? entries
    : entries.filter(({ inner }) => isObj(inner));
}

function conditionsOf(rule: RuleView): Located[] {
  rule.conditions ??= rule.rule.when
    .filter(({ item }) => isObj(item))
    .map(({ condition, path }) => ({ body: condition, path }));
  return rule.conditions;
}

function conditionKeys(rule: RuleView): string[] {
  return conditionsOf(rule)
    .map(({ body }) => body.key)
    .filter((key): key is string => typeof key === 'string');
}

/** Adds the paths of the given fields that hold a non-empty list. */
function addFieldPaths(
  paths: string[],
  rule: RuleView,
  part: 'from' | 'to',
  fields: readonly string[],
): void {
  for (const { path, lists } of entriesOf(rule, part)) {
    for (const field of fields) {
      if (listOf(lists, field) !== undefined) paths.push(`${path}.${field}`);
    }
  }
}

interface FoundValue {
  value: string;
  path: string;
}

/** Adds the string values of the given fields that pass `test`, with their paths. */
function addValuePaths(
  found: FoundValue[],
  rule: RuleView,
  part: 'from' | 'to',
  fields: readonly string[],
  test: (value: string) => boolean,
): void {
  for (const { path, lists } of entriesOf(rule, part)) {
    for (const field of fields) addStrings(found, listOf(lists, field), path, field, test);
  }
}

/** Adds the string values and notValues of conditions on matching keys that pass `test`. */
function addConditionValuePaths(
  found: FoundValue[],
  rule: RuleView,
  keyMatches: (key: string) => boolean,
  test: (value: string) => boolean,
): void {
  for (const { body, path } of conditionsOf(rule)) {
    if (typeof body.key !== 'string' || !keyMatches(body.key)) continue;
    addStrings(found, body.values, path, 'values', test);
    addStrings(found, body.notValues, path, 'notValues', test);
  }
}

// Only the values that pass get a path: most pass no lint rule's test.
function addStrings(
  found: FoundValue[],
  list: unknown,
  parent: string,
  field: string,
  test: (value: string) => boolean,
): void {
  if (!Array.isArray(list)) return;
  for (let index = 0; index < list.length; index += 1) {
    const value: unknown = list[index];
    if (typeof value === 'string' && test(value)) {
      found.push({ value, path: `${parent}.${field}[${index}]` });
    }
  }
}

function isLoneStar(value: string): boolean {
  return value === '*';
}
