// Warnings: values the chart accepts and renders, but whose effect in Istio is likely not what
// was meant. Each check is a small function of the coalesced values (which passed the schema) and
// has a stable code; validation.ts runs them all.
//
//   import { checkWarnings } from './lib/values-warnings.js';
//   for (const warning of checkWarnings(values)) console.error(formatFinding(warning));

import type { Finding } from './validation.js';
import { isOn, PEER_IDENTITY_FIELDS, sortedEntries, truthy } from './values-rules.js';
import { isValuesMap, type ValuesMap } from './yaml-values.js';
import { WELL_KNOWN_TCP_PORTS } from './istio-facts.js';

type WarningCheck = (values: ValuesMap) => Finding[];

const HTTP_ONLY_SOURCE_FIELDS = ['requestPrincipals', 'notRequestPrincipals'];
const HTTP_ONLY_OPERATION_FIELDS = [
  'hosts',
  'notHosts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
];
const IDENTITY_CONDITION_KEYS = [
  'source.principal',
  'source.namespace',
  'source.serviceAccount',
  'source.trustDomain',
];
const WILDCARD_SOURCE_FIELDS = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces'];
const WILDCARD_OPERATION_FIELDS = [
  'hosts',
  'notHosts',
  'paths',
  'notPaths',
  'methods',
  'notMethods',
];
const PATH_TEMPLATE = /\{\*\*?\}/g;

/** Every warning check, in the order their findings are reported. */
export const WARNING_CHECKS: readonly WarningCheck[] = [
  warnRequireTokenOff,
  warnDenyWithoutPorts,
  warnAllowHttpFieldsOnTcpPort,
  warnDefaultDenyOff,
  warnIdentityWithoutStrictMtls,
  warnPathBypass,
  warnNamespaceWideJwt,
  warnLiteralWildcard,
  warnEverythingDenied,
  warnMatchEverythingRule,
  warnTargetRefsWithV1beta1,
];

/** All warnings for coalesced values that passed the schema; none when the chart is disabled. */
export function checkWarnings(values: ValuesMap): Finding[] {
  if (!truthy(values.enabled)) return [];
  return WARNING_CHECKS.flatMap((check) => check(values));
}

/** IZT-W001: requireToken switched off, so a request without a token passes as anonymous. */
export function warnRequireTokenOff(values: ValuesMap): Finding[] {
  return requestAuthentications(values)
    .filter(({ auth }) => isValuesMap(auth.requireToken) && !isOn(auth.requireToken))
    .map(({ path }) =>
      warning(
        `${path}.requireToken.enabled`,
        'IZT-W001',
        'requireToken is off, so a request without a token passes as anonymous; remove enabled: false, or require requestPrincipals: ["*"] in an ALLOW policy',
      ),
    );
}

/** IZT-W002: a DENY rule with HTTP-only fields and a `to` entry without ports. */
export function warnDenyWithoutPorts(values: ValuesMap): Finding[] {
  const findings = policyRules(values, (action) => action === 'DENY')
    .filter(({ rule }) => httpOnlyFields(rule).length > 0 && !everyToHasPorts(rule))
    .map(({ path, rule }) =>
      warning(
        path,
        'IZT-W002',
        `DENY rule uses HTTP-only fields (${httpOnlyFields(rule).join(', ')}) without ports in every to entry: on a TCP port Istio drops those fields and denies every connection; add ports to its to entries`,
      ),
    );
  for (const { path, require } of requireTokens(values)) {
    if (truthy(require.ports)) continue;
    findings.push(
      warning(
        `${path}.requireToken`,
        'IZT-W002',
        'the DENY policy that requires a token has no ports: on a TCP port it would deny every connection; set requireToken.ports to the HTTP ports',
      ),
    );
  }
  return findings;
}

/**
 * IZT-W003: an ALLOW rule that uses HTTP-only fields on a port where a well-known non-HTTP
 * protocol listens. Istio drops such a rule on a TCP port, leaving the port deny-all. The port's
 * real protocol is unknown here, so only ports with a well-known TCP protocol are flagged;
 * flagging every port would warn on every ordinary HTTP rule.
 */
export function warnAllowHttpFieldsOnTcpPort(values: ValuesMap): Finding[] {
  const findings: Finding[] = [];
  for (const { path, rule } of policyRules(values, (action) => action === 'ALLOW')) {
    const httpFields = httpOnlyFields(rule);
    if (httpFields.length === 0) continue;
    const tcpPorts = operations(rule)
      .flatMap(({ operation }) => (Array.isArray(operation.ports) ? operation.ports : []))
      .filter((port): port is string => typeof port === 'string' && port in WELL_KNOWN_TCP_PORTS);
    const port = tcpPorts[0];
    if (port === undefined) continue;
    findings.push(
      warning(
        path,
        'IZT-W003',
        `ALLOW rule uses HTTP-only fields (${httpFields.join(', ')}) with port ${port}, usually ${WELL_KNOWN_TCP_PORTS[port]} over TCP: on a TCP port Istio drops the whole rule and the port stays denied; remove the HTTP-only fields, or ignore this if the port serves HTTP`,
      ),
    );
  }
  return findings;
}

/**
 * IZT-W010: an ALLOW or DENY rule that sets none of from, to and when matches every request,
 * so an ALLOW rule undoes default deny for the workloads it selects and a DENY rule blocks them.
 */
export function warnMatchEverythingRule(values: ValuesMap): Finding[] {
  return policyRules(values, (action) => action === 'ALLOW' || action === 'DENY')
    .filter(({ rule }) => !truthy(rule.from) && !truthy(rule.to) && !truthy(rule.when))
    .map(({ path, action }) =>
      warning(
        path,
        'IZT-W010',
        action === 'ALLOW'
          ? 'the rule {} matches every request, so this policy allows everything to the workloads it selects, whatever default deny says; add from, to or when'
          : 'the rule {} matches every request, so this policy denies everything to the workloads it selects; add from, to or when unless that is the intent',
      ),
    );
}

/**
 * IZT-W011: targetRefs (Istio 1.22+) with security.istio.io/v1beta1, the version chosen for Istio
 * before 1.22. Either the version or the targetRefs is likely a mistake: an older Istio's CRDs
 * reject targetRefs.
 */
export function warnTargetRefsWithV1beta1(values: ValuesMap): Finding[] {
  if (field(values.istio, 'securityApiVersion') !== 'security.istio.io/v1beta1') return [];
  const entries = [
    ...policies(values).map(({ path, policy }) => ({ path, entry: policy })),
    ...requestAuthentications(values).map(({ path, auth }) => ({ path, entry: auth })),
  ];
  return entries
    .filter(({ entry }) => truthy(entry.targetRefs))
    .map(({ path }) =>
      warning(
        `${path}.targetRefs`,
        'IZT-W011',
        'targetRefs needs Istio 1.22 or later, while istio.securityApiVersion is v1beta1, the choice for Istio before 1.22; on an older Istio the CRD rejects targetRefs, so use a selector there, or set securityApiVersion to security.istio.io/v1',
      ),
    );
}

/** IZT-W004: default deny switched off. */
export function warnDefaultDenyOff(values: ValuesMap): Finding[] {
  const defaultDeny = field(values.authorization, 'defaultDeny');
  if (!isValuesMap(defaultDeny) || isOn(defaultDeny)) return [];
  return [
    warning(
      'authorization.defaultDeny.enabled',
      'IZT-W004',
      'default deny is off: workloads no ALLOW policy selects accept every request; set enabled: true (with dryRun: true to try it first)',
    ),
  ];
}

/** IZT-W005: peer identity fields while plaintext requests may be accepted. */
export function warnIdentityWithoutStrictMtls(values: ValuesMap): Finding[] {
  const mtls = plaintextMode(values);
  if (mtls === undefined) return [];
  const findings: Finding[] = [];
  for (const { path, policy } of policies(values)) {
    const uses = identityUses(path, policy);
    const first = uses[0];
    if (first === undefined) continue;
    const fields = [...new Set(uses.map(({ name }) => name))].join(', ');
    findings.push(
      warning(
        first.path,
        'IZT-W005',
        `matches on peer identity (${fields}) while ${mtls}: a plaintext request carries no identity, so positive matches never match it and not-forms always do; set peerAuthentication.namespace.mode: STRICT`,
      ),
    );
  }
  return findings;
}

/** IZT-W006: DENY with paths, or ALLOW with notPaths: bypassable through path normalization. */
export function warnPathBypass(values: ValuesMap): Finding[] {
  const findings: Finding[] = [];
  for (const { path, action, rule } of policyRules(values, () => true)) {
    for (const { path: operationPath, operation } of operations(rule, path)) {
      if (action === 'DENY' && truthy(operation.paths)) {
        findings.push(
          warning(
            `${operationPath}.paths`,
            'IZT-W006',
            'a DENY rule on paths misses equivalent paths the pattern does not list (//, %2F, case): the request gets through; prefer an ALLOW policy with paths, or notPaths in the DENY rule',
          ),
        );
      }
      if (action === 'ALLOW' && truthy(operation.notPaths)) {
        findings.push(
          warning(
            `${operationPath}.notPaths`,
            'IZT-W006',
            'an ALLOW rule with notPaths allows every path that is not written exactly so (//, %2F, case): variants of the excluded paths get through; list the allowed paths instead',
          ),
        );
      }
    }
  }
  for (const { path, require } of requireTokens(values)) {
    if (!truthy(require.paths)) continue;
    findings.push(
      warning(
        `${path}.requireToken.paths`,
        'IZT-W006',
        'a token is required only on paths written exactly so: a variant path (//, %2F, case) needs no token; require it everywhere and list the exceptions in excludePaths',
      ),
    );
  }
  return findings;
}

/** IZT-W007: a RequestAuthentication for the whole namespace. */
export function warnNamespaceWideJwt(values: ValuesMap): Finding[] {
  return requestAuthentications(values)
    .filter(({ auth }) => !truthy(auth.selector) && !truthy(auth.targetRefs))
    .map(({ path }) =>
      warning(
        path,
        'IZT-W007',
        'has neither selector nor targetRefs, so it applies to every workload in the namespace: a request with a bearer token of another issuer gets 401 there; add selector.matchLabels',
      ),
    );
}

/** IZT-W008: a `*` inside a value, which Istio matches literally. */
export function warnLiteralWildcard(values: ValuesMap): Finding[] {
  const findings: Finding[] = [];
  const check = (path: string, list: unknown, isPath: boolean): void => {
    listOf(list).forEach((value, index) => {
      if (
        typeof value === 'string' &&
        hasLiteralStar(isPath ? value.replace(PATH_TEMPLATE, '') : value)
      ) {
        findings.push(
          warning(
            `${path}[${index}]`,
            'IZT-W008',
            `${JSON.stringify(value)} has a * that Istio matches literally: only a lone *, or one at the start or end, is a wildcard; split it into prefix* or *suffix values`,
          ),
        );
      }
    });
  };
  for (const { path, rule } of policyRules(values, () => true)) {
    for (const { path: sourcePath, source } of sources(rule, path)) {
      for (const name of WILDCARD_SOURCE_FIELDS)
        check(`${sourcePath}.${name}`, source[name], false);
    }
    for (const { path: operationPath, operation } of operations(rule, path)) {
      for (const name of WILDCARD_OPERATION_FIELDS) {
        check(`${operationPath}.${name}`, operation[name], name.toLowerCase().endsWith('paths'));
      }
    }
  }
  for (const { path, require } of requireTokens(values)) {
    check(`${path}.requireToken.paths`, require.paths, true);
    check(`${path}.requireToken.excludePaths`, require.excludePaths, true);
  }
  return findings;
}

/** IZT-W009: default deny enforced and no enforced ALLOW policy with rules: all is denied. */
export function warnEverythingDenied(values: ValuesMap): Finding[] {
  const defaultDeny = field(values.authorization, 'defaultDeny');
  if (!isOn(defaultDeny) || truthy(defaultDeny.dryRun)) return [];
  const allows = policies(values).some(
    ({ policy }) => actionOf(policy) === 'ALLOW' && !truthy(policy.dryRun) && truthy(policy.rules),
  );
  if (allows) return [];
  return [
    warning(
      'authorization.policies',
      'IZT-W009',
      'default deny is on and no enabled ALLOW policy with rules is enforced, so every request to the namespace is denied; add an ALLOW policy, or set authorization.defaultDeny.dryRun: true to log denials first',
    ),
  ];
}

interface PathedPolicy {
  path: string;
  policy: ValuesMap;
}
interface PathedRule {
  path: string;
  action: string;
  rule: ValuesMap;
}
interface PathedAuth {
  path: string;
  auth: ValuesMap;
}
interface PathedRequire {
  path: string;
  require: ValuesMap;
}

function policies(values: ValuesMap): PathedPolicy[] {
  return sortedEntries(field(values.authorization, 'policies'))
    .filter((entry): entry is [string, ValuesMap] => isOn(entry[1]))
    .map(([name, policy]) => ({ path: `authorization.policies.${name}`, policy }));
}

function policyRules(values: ValuesMap, wanted: (action: string) => boolean): PathedRule[] {
  return policies(values)
    .filter(({ policy }) => wanted(actionOf(policy)))
    .flatMap(({ path, policy }) =>
      listOf(policy.rules).flatMap((rule, index) =>
        isValuesMap(rule)
          ? [{ path: `${path}.rules[${index}]`, action: actionOf(policy), rule }]
          : [],
      ),
    );
}

function requestAuthentications(values: ValuesMap): PathedAuth[] {
  return sortedEntries(values.requestAuthentication)
    .filter((entry): entry is [string, ValuesMap] => isOn(entry[1]))
    .map(([name, auth]) => ({ path: `requestAuthentication.${name}`, auth }));
}

// The requireToken DENY policies the chart renders: on unless requireToken.enabled is false.
function requireTokens(values: ValuesMap): PathedRequire[] {
  return requestAuthentications(values).flatMap(({ path, auth }) => {
    const require = isValuesMap(auth.requireToken) ? auth.requireToken : {};
    return isOn(require) ? [{ path, require }] : [];
  });
}

function sources(rule: ValuesMap, rulePath = ''): { path: string; source: ValuesMap }[] {
  return listOf(rule.from).flatMap((from, index) => {
    const source = field(from, 'source');
    return isValuesMap(source) ? [{ path: `${rulePath}.from[${index}].source`, source }] : [];
  });
}

function operations(rule: ValuesMap, rulePath = ''): { path: string; operation: ValuesMap }[] {
  return listOf(rule.to).flatMap((to, index) => {
    const operation = field(to, 'operation');
    return isValuesMap(operation)
      ? [{ path: `${rulePath}.to[${index}].operation`, operation }]
      : [];
  });
}

function conditionKeys(rule: ValuesMap): string[] {
  return listOf(rule.when).map((condition) => String(field(condition, 'key') ?? ''));
}

/** The HTTP-only fields a rule uses, each named once, in source, operation, condition order. */
function httpOnlyFields(rule: ValuesMap): string[] {
  const used = new Set<string>();
  for (const { source } of sources(rule)) {
    for (const name of HTTP_ONLY_SOURCE_FIELDS) if (truthy(source[name])) used.add(name);
  }
  for (const { operation } of operations(rule)) {
    for (const name of HTTP_ONLY_OPERATION_FIELDS) if (truthy(operation[name])) used.add(name);
  }
  for (const key of conditionKeys(rule)) {
    if (key.startsWith('request.headers[') || key.startsWith('request.auth.')) used.add(key);
  }
  return [...used];
}

// A rule without `to` entries matches every port; so does any `to` entry without ports.
function everyToHasPorts(rule: ValuesMap): boolean {
  const entries = operations(rule);
  return (
    entries.length > 0 &&
    entries.every(({ operation }) => truthy(operation.ports) || truthy(operation.notPorts))
  );
}

function identityUses(policyPath: string, policy: ValuesMap): { path: string; name: string }[] {
  const uses: { path: string; name: string }[] = [];
  listOf(policy.rules).forEach((rule, ruleIndex) => {
    if (!isValuesMap(rule)) return;
    const rulePath = `${policyPath}.rules[${ruleIndex}]`;
    for (const { path, source } of sources(rule, rulePath)) {
      for (const name of PEER_IDENTITY_FIELDS) {
        if (truthy(source[name])) uses.push({ path: `${path}.${name}`, name });
      }
    }
    conditionKeys(rule).forEach((key, index) => {
      if (IDENTITY_CONDITION_KEYS.includes(key)) {
        uses.push({ path: `${rulePath}.when[${index}].key`, name: key });
      }
    });
  });
  return uses;
}

// How plaintext gets in, or undefined when the namespace (or this release's mesh policy) is
// STRICT. UNSET, or no namespace policy, inherits from the mesh-wide policy.
function plaintextMode(values: ValuesMap): string | undefined {
  const peer = values.peerAuthentication;
  const namespace = field(peer, 'namespace');
  const mesh = field(peer, 'mesh');
  const namespaceMode = isOn(namespace) ? String(field(namespace, 'mode') ?? 'UNSET') : undefined;
  if (namespaceMode === 'STRICT') return undefined;
  if (namespaceMode !== undefined && namespaceMode !== 'UNSET') {
    return `peerAuthentication.namespace.mode is ${namespaceMode}`;
  }
  if (isOn(mesh) && field(mesh, 'mode') === 'STRICT') return undefined;
  return namespaceMode === undefined
    ? 'peerAuthentication.namespace is disabled'
    : 'peerAuthentication.namespace.mode is UNSET';
}

// Only a lone *, a leading * (suffix match) or a trailing * (prefix match) is a wildcard; a
// leading * wins, so in "*abc*" the last * is literal.
function hasLiteralStar(value: string): boolean {
  if (value === '*') return false;
  if (value.startsWith('*')) return value.slice(1).includes('*');
  if (value.endsWith('*')) return value.slice(0, -1).includes('*');
  return value.includes('*');
}

function actionOf(policy: ValuesMap): string {
  return truthy(policy.action) ? String(policy.action) : 'ALLOW';
}

function warning(path: string, code: string, message: string): Finding {
  return { severity: 'warning', path, code, message };
}

function field(map: unknown, key: string): unknown {
  return isValuesMap(map) && Object.hasOwn(map, key) ? map[key] : undefined;
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
