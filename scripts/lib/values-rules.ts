// The chart's cross-field rules, ported from chart/templates/_validate.tpl: same rules, same
// messages, same order. For any values that pass the schema, checkValuesRules gives exactly the
// lines Helm prints after "istio-zero-trust: invalid values:"; the golden error cases in
// test/golden/_error_ hold both to that.
//
// Go template semantics kept here: `range` over a map visits keys in sorted (byte) order, `if`
// treats false, 0, "", nil and empty lists and maps as false, and `| default` replaces those.
//
//   import { checkValuesRules, formatChartFailure } from './lib/values-rules.js';
//   const errors = checkValuesRules(values, 'shop');
//   if (errors.length > 0) console.error(formatChartFailure(errors));

import { isValuesMap, type ValuesMap } from './yaml-values.js';

/** One broken rule: the chart prints it as "<path>: <message>". */
export interface RuleViolation {
  path: string;
  message: string;
}

export const CHART_FAILURE_HEADER = 'istio-zero-trust: invalid values:';

const TARGET_GROUPS: Readonly<Record<string, string>> = {
  Service: '',
  ServiceEntry: 'networking.istio.io',
  Gateway: 'gateway.networking.k8s.io',
  GatewayClass: 'gateway.networking.k8s.io',
};
/** Source fields that match the peer's mTLS identity. */
export const PEER_IDENTITY_FIELDS = [
  'principals',
  'notPrincipals',
  'workloadIdentities',
  'notWorkloadIdentities',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'trustDomains',
  'notTrustDomains',
];
// Source fields a CUSTOM policy may not use, in _validate.tpl's order.
const IDENTITY_FIELDS = [...PEER_IDENTITY_FIELDS, 'requestPrincipals', 'notRequestPrincipals'];
// Kubernetes object names are DNS subdomains of at most 253 characters.
const MAX_NAME_LENGTH = 253;
const CUSTOM_IDENTITY_KEYS = [
  'source.namespace',
  'source.serviceAccount',
  'source.trustDomain',
  'source.principal',
];
// Condition values Istio parses or that can never match: key to [pattern, words]. The patterns
// are the texts of _validate.tpl's validateConditionValues and of the schema fields they stand
// for (principals, namespaces, requestPrincipals, ipBlocks), compared by test/values-rules.test.ts.
const IPV4_OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV6_GROUP = '[0-9A-Fa-f]{1,4}';
// Eight groups, or fewer around one :: that stands for at least one zero group; no embedded IPv4.
const IPV6 = `(${[
  `${IPV6_GROUP}(:${IPV6_GROUP}){7}`,
  `(${IPV6_GROUP}:){1,7}:`,
  `(${IPV6_GROUP}:){1,6}:${IPV6_GROUP}`,
  `(${IPV6_GROUP}:){1,5}(:${IPV6_GROUP}){1,2}`,
  `(${IPV6_GROUP}:){1,4}(:${IPV6_GROUP}){1,3}`,
  `(${IPV6_GROUP}:){1,3}(:${IPV6_GROUP}){1,4}`,
  `(${IPV6_GROUP}:){1,2}(:${IPV6_GROUP}){1,5}`,
  `${IPV6_GROUP}:(:${IPV6_GROUP}){1,6}`,
  `:((:${IPV6_GROUP}){1,7}|:)`,
].join('|')})`;
export const IP_OR_CIDR = `^(${IPV4_OCTET}(\\.${IPV4_OCTET}){3}(/([0-9]|[1-2][0-9]|3[0-2]))?|${IPV6}(/([0-9]|[1-9][0-9]|1[0-1][0-9]|12[0-8]))?)$`;
const IP_OR_CIDR_CHECK = [
  IP_OR_CIDR,
  'an IP address or CIDR block such as 10.0.0.1 or 10.0.0.0/8',
] as const;
export const CONDITION_VALUE_CHECKS: Readonly<Record<string, readonly [string, string]>> = {
  'source.ip': IP_OR_CIDR_CHECK,
  'remote.ip': IP_OR_CIDR_CHECK,
  'destination.ip': IP_OR_CIDR_CHECK,
  'destination.port': [
    '^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$',
    'a port number from 1 to 65535',
  ],
  'source.serviceAccount': [
    '^([^/*]+/)?[^/*]+$',
    'a service account as <namespace>/<name> or <name>, without *',
  ],
  'source.principal': [
    '^[!-9;-~]+$',
    'a peer identity <trust-domain>/ns/<namespace>/sa/<service-account>, without spiffe://, a colon or spaces',
  ],
  'source.namespace': [
    '^(\\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?|\\*[-a-z0-9]*[a-z0-9]|[a-z0-9][-a-z0-9]*\\*)$',
    'a lower-case namespace name, with * only alone or at one end, such as shop, shop-* or *-prod',
  ],
  'request.auth.principal': [
    '^(\\*.*|.*\\*|(.*[^:/])?/.*)$',
    'a JWT principal <issuer>/<subject>, such as https://auth.example.com/user-1, or * alone or at one end',
  ],
};

type Errors = string[];

/** The chart's failure text for these violations, without a trailing newline. */
export function formatChartFailure(errors: readonly RuleViolation[]): string {
  return `${CHART_FAILURE_HEADER}\n- ${errors.map(violationLine).join('\n- ')}`;
}

/** "<path>: <message>", one line of the chart's failure text. */
export function violationLine({ path, message }: RuleViolation): string {
  return `${path}: ${message}`;
}

/**
 * The cross-field errors of coalesced values that passed the schema, in the chart's order.
 * `releaseNamespace` is what `helm --namespace` would get.
 */
export function checkValuesRules(values: ValuesMap, releaseNamespace: string): RuleViolation[] {
  if (!truthy(values.enabled)) return []; // every template is inside `if .Values.enabled`
  const namespace = truthy(values.namespaceOverride)
    ? String(values.namespaceOverride)
    : releaseNamespace;
  const rootNamespace = String(field(values.istio, 'rootNamespace'));
  const errors: Errors = [];
  if (hasKey(orDict(values.commonAnnotations), 'istio.io/dry-run')) {
    errors.push(
      'commonAnnotations: istio.io/dry-run cannot be set for every resource; use dryRun: true on each authorization policy to try out',
    );
  }
  checkPeerAuthentication(errors, field(values, 'peerAuthentication'), namespace, rootNamespace);
  const policyNames = new Map<string, string>();
  checkAuthorization(errors, policyNames, field(values, 'authorization'), namespace, rootNamespace);
  checkRequestAuthentication(
    errors,
    policyNames,
    values.requestAuthentication,
    namespace,
    rootNamespace,
  );
  return errors.map(toViolation);
}

function checkPeerAuthentication(errors: Errors, peer: unknown, ns: string, rootNs: string): void {
  const peerNames = new Map<string, string>();
  const namespaceEntry = field(peer, 'namespace');
  if (isOn(namespaceEntry)) {
    peerNames.set(String(field(namespaceEntry, 'name')), 'peerAuthentication.namespace.name');
    errors.push(
      ...checkAnnotations('peerAuthentication.namespace', namespaceEntry, 'PeerAuthentication'),
    );
  }
  const mesh = field(peer, 'mesh');
  if (isOn(mesh)) {
    if (ns === rootNs && isOn(namespaceEntry)) {
      errors.push(
        `peerAuthentication.mesh.enabled: the release namespace is the root namespace ${rootNs}, so the namespace-wide policy is already mesh-wide; switch off peerAuthentication.mesh or peerAuthentication.namespace`,
      );
    }
    errors.push(...checkAnnotations('peerAuthentication.mesh', mesh, 'PeerAuthentication'));
  }
  for (const [name, workload] of sortedEntries(field(peer, 'workloads'))) {
    if (!isOn(workload)) continue;
    const path = `peerAuthentication.workloads.${name}`;
    errors.push(...claimName(peerNames, name, path));
    if (!truthy(field(workload, 'mode')) && !truthy(field(workload, 'portLevelMtls'))) {
      errors.push(
        `${path}: sets neither mode nor portLevelMtls; set one of them or remove the entry`,
      );
    }
    if (ns === rootNs) {
      errors.push(
        `${path}: Istio ignores a PeerAuthentication with a selector in the root namespace ${rootNs}; install it in the workload's namespace`,
      );
    }
    errors.push(...checkAnnotations(path, workload, 'PeerAuthentication'));
  }
}

function checkAuthorization(
  errors: Errors,
  policyNames: Map<string, string>,
  authorization: unknown,
  ns: string,
  rootNs: string,
): void {
  const defaultDeny = field(authorization, 'defaultDeny');
  if (isOn(defaultDeny)) {
    policyNames.set(String(field(defaultDeny, 'name')), 'authorization.defaultDeny.name');
    errors.push(
      ...checkAnnotations('authorization.defaultDeny', defaultDeny, 'AuthorizationPolicy'),
    );
  }
  for (const [name, policy] of sortedEntries(field(authorization, 'policies'))) {
    if (!isOn(policy)) continue;
    const path = `authorization.policies.${name}`;
    errors.push(...claimName(policyNames, name, path));
    errors.push(...checkPolicy(path, policy, ns, rootNs));
  }
}

function checkPolicy(path: string, policy: ValuesMap, ns: string, rootNs: string): Errors {
  const errors: Errors = [];
  const action = truthy(policy.action) ? String(policy.action) : 'ALLOW';
  errors.push(...checkAttachment(path, policy, ns, rootNs));
  if ((action === 'DENY' || action === 'CUSTOM') && !truthy(policy.rules)) {
    errors.push(
      `${path}: action ${action} needs rules; add rules (rules: [{}] matches every request)`,
    );
  }
  if (action === 'CUSTOM' && !truthy(policy.provider)) {
    errors.push(
      `${path}: action CUSTOM needs provider.name; name an extension provider from meshConfig.extensionProviders`,
    );
  }
  if (truthy(policy.provider) && action !== 'CUSTOM') {
    errors.push(
      `${path}.provider: only action CUSTOM uses a provider; remove provider or set action: CUSTOM`,
    );
  }
  if (truthy(policy.dryRun) && action !== 'ALLOW' && action !== 'DENY') {
    errors.push(`${path}.dryRun: dry run works only with actions ALLOW and DENY; remove dryRun`);
  }
  if (hasKey(orDict(policy.annotations), 'istio.io/dry-run')) {
    errors.push(
      `${path}.annotations: istio.io/dry-run is set through dryRun; remove the annotation and set dryRun: true`,
    );
  }
  listOf(policy.rules).forEach((rule, ruleIndex) => {
    listOf(field(rule, 'from')).forEach((from, fromIndex) => {
      const sourcePath = `${path}.rules[${ruleIndex}].from[${fromIndex}].source`;
      errors.push(...checkSource(sourcePath, field(from, 'source'), action));
    });
    listOf(field(rule, 'when')).forEach((condition, whenIndex) => {
      const conditionPath = `${path}.rules[${ruleIndex}].when[${whenIndex}]`;
      errors.push(...checkCondition(conditionPath, condition, action));
    });
  });
  return errors;
}

function checkSource(sourcePath: string, source: unknown, action: string): Errors {
  const errors: Errors = [];
  const has = (name: string): boolean => truthy(field(source, name));
  const serviceAccounts = has('serviceAccounts') || has('notServiceAccounts');
  const identities = [
    'principals',
    'notPrincipals',
    'workloadIdentities',
    'notWorkloadIdentities',
    'namespaces',
    'notNamespaces',
  ].some(has);
  if (serviceAccounts && identities) {
    errors.push(
      `${sourcePath}: serviceAccounts cannot be combined with principals, workloadIdentities or namespaces in one source; put them in separate from entries`,
    );
  }
  if (action === 'CUSTOM') {
    for (const name of IDENTITY_FIELDS) {
      if (hasKey(source, name)) {
        errors.push(
          `${sourcePath}.${name}: action CUSTOM cannot match on ${name}; match on it in an ALLOW or DENY policy`,
        );
      }
    }
  }
  return errors;
}

function checkCondition(conditionPath: string, condition: unknown, action: string): Errors {
  const errors: Errors = [];
  if (!truthy(field(condition, 'values')) && !truthy(field(condition, 'notValues'))) {
    errors.push(`${conditionPath}: sets neither values nor notValues; add one of them`);
  }
  const key = String(field(condition, 'key'));
  if (
    action === 'CUSTOM' &&
    (CUSTOM_IDENTITY_KEYS.includes(key) || key.startsWith('request.auth.'))
  ) {
    errors.push(
      `${conditionPath}.key: action CUSTOM cannot match on ${key}; match on it in an ALLOW or DENY policy`,
    );
  }
  errors.push(...checkConditionValues(conditionPath, condition, key));
  return errors;
}

function checkConditionValues(conditionPath: string, condition: unknown, key: string): Errors {
  const check = Object.hasOwn(CONDITION_VALUE_CHECKS, key)
    ? CONDITION_VALUE_CHECKS[key]
    : undefined;
  if (check === undefined) return [];
  const [pattern, expected] = check;
  const regex = new RegExp(pattern, 'u');
  const errors: Errors = [];
  for (const name of ['values', 'notValues']) {
    listOf(field(condition, name)).forEach((value, index) => {
      if (!regex.test(String(value))) {
        errors.push(`${conditionPath}.${name}[${index}]: key ${key} needs ${expected}`);
      }
    });
  }
  return errors;
}

function checkAttachment(path: string, entry: unknown, ns: string, rootNs: string): Errors {
  const errors: Errors = [];
  if (truthy(field(entry, 'selector')) && truthy(field(entry, 'targetRefs'))) {
    errors.push(
      `${path}: selector and targetRefs are both set; keep one (targetRefs for Gateway API gateways and waypoints, selector for sidecars and other gateways)`,
    );
  }
  listOf(field(entry, 'targetRefs')).forEach((ref, index) => {
    const refPath = `${path}.targetRefs[${index}]`;
    const kind = String(field(ref, 'kind'));
    const group = Object.hasOwn(TARGET_GROUPS, kind) ? (TARGET_GROUPS[kind] ?? '') : '';
    const refGroup = field(ref, 'group');
    const coreService = kind === 'Service' && refGroup === 'core';
    if (hasKey(ref, 'group') && refGroup !== group && !coreService) {
      errors.push(
        `${refPath}.group: a ${kind} target belongs to group ${JSON.stringify(group)}; correct the group or leave it out`,
      );
    }
    if (kind === 'GatewayClass' && (field(ref, 'name') !== 'istio-waypoint' || ns !== rootNs)) {
      errors.push(
        `${refPath}: a GatewayClass target takes effect only with name istio-waypoint, from the root namespace ${rootNs}; attach to a Gateway or Service instead`,
      );
    }
  });
  return errors;
}

/** Records that `path` names an object `name`; an error when another path already did. */
function claimName(names: Map<string, string>, name: string, path: string): Errors {
  const taken = names.get(name);
  names.set(name, path);
  if (taken === undefined) return [];
  return [`${path}: the name ${name} is also used by ${taken}; give one of them another name`];
}

function checkAnnotations(path: string, entry: unknown, kind: string): Errors {
  if (!hasKey(orDict(field(entry, 'annotations')), 'istio.io/dry-run')) return [];
  if (kind === 'AuthorizationPolicy') {
    return [
      `${path}.annotations: istio.io/dry-run is set through dryRun; remove the annotation and set dryRun: true`,
    ];
  }
  return [`${path}.annotations: Istio rejects istio.io/dry-run on a ${kind}; remove it`];
}

function checkRequestAuthentication(
  errors: Errors,
  policyNames: Map<string, string>,
  entries: unknown,
  ns: string,
  rootNs: string,
): void {
  for (const [name, auth] of sortedEntries(entries)) {
    if (!isOn(auth)) continue;
    const path = `requestAuthentication.${name}`;
    errors.push(...checkAttachment(path, auth, ns, rootNs));
    errors.push(...checkAnnotations(path, auth, 'RequestAuthentication'));
    listOf(auth.jwtRules).forEach((rule, index) => {
      errors.push(...checkJwtRule(`${path}.jwtRules[${index}]`, rule));
    });
    const require = orDict(auth.requireToken);
    if (isOn(require)) {
      const requireName = truthy(require.name) ? String(require.name) : `${name}-require-jwt`;
      const requirePath = `${path}.requireToken.name`;
      if (requireName.length > MAX_NAME_LENGTH) {
        errors.push(
          `${requirePath}: the policy name ${name}-require-jwt would be longer than 253 characters; set a shorter requireToken.name`,
        );
      }
      errors.push(...claimName(policyNames, requireName, requirePath));
      errors.push(...checkAnnotations(`${path}.requireToken`, require, 'AuthorizationPolicy'));
    }
  }
}

function checkJwtRule(rulePath: string, rule: unknown): Errors {
  const errors: Errors = [];
  const issuer = field(rule, 'issuer');
  const jwksUri = field(rule, 'jwksUri');
  const jwks = field(rule, 'jwks');
  if (!truthy(issuer) && !truthy(jwksUri)) {
    errors.push(`${rulePath}: sets neither issuer nor jwksUri; set issuer (with jwksUri or jwks)`);
  }
  if (truthy(jwks) && truthy(jwksUri)) {
    errors.push(`${rulePath}: jwks and jwksUri are both set; keep one`);
  }
  if (truthy(jwks) && !isKeySet(String(jwks))) {
    errors.push(
      `${rulePath}.jwks: not a JSON Web Key Set; paste the issuer's key set, a JSON object with a non-empty keys list`,
    );
  }
  return errors;
}

// Helm's fromJson: a JSON object, else a map holding only "Error"; JSON null gives a nil map. Go
// also reports a number beyond float64 (1e400) as an error, where JSON.parse gives Infinity.
function isKeySet(text: string): boolean {
  let parsed: unknown;
  let overflow = false;
  try {
    parsed = JSON.parse(text, (_key, value: unknown) => {
      if (typeof value === 'number' && !Number.isFinite(value)) overflow = true;
      return value;
    });
  } catch {
    return false;
  }
  if (overflow || !isValuesMap(parsed) || hasKey(parsed, 'Error')) return false;
  return Array.isArray(parsed.keys) && parsed.keys.length > 0;
}

function toViolation(line: string): RuleViolation {
  const separator = line.indexOf(': ');
  return { path: line.slice(0, separator), message: line.slice(separator + 2) };
}

/** Go template truth: false, 0, "", nil and empty lists and maps are false. */
export function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') {
    return false;
  }
  if (Array.isArray(value)) return value.length > 0;
  if (isValuesMap(value)) return Object.keys(value).length > 0;
  return true;
}

/** The chart's isOn: a map whose `enabled` is absent or true; a null entry is off. */
export function isOn(entry: unknown): entry is ValuesMap {
  return isValuesMap(entry) && (!Object.hasOwn(entry, 'enabled') || truthy(entry.enabled));
}

/** A map's entries in the order Go's `range` visits them: keys sorted by their UTF-8 bytes. */
export function sortedEntries(map: unknown): [string, unknown][] {
  if (!isValuesMap(map)) return [];
  return Object.entries(map).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function field(map: unknown, key: string): unknown {
  return isValuesMap(map) && Object.hasOwn(map, key) ? map[key] : undefined;
}

function hasKey(map: unknown, key: string): boolean {
  return isValuesMap(map) && Object.hasOwn(map, key);
}

function orDict(value: unknown): ValuesMap {
  return truthy(value) && isValuesMap(value) ? value : {};
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
