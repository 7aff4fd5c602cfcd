// Whether an AuthorizationPolicy's rules match a request, as Envoy proxies evaluate them.
//
// A policy matches when any rule does; a rule when any `from` entry, any `to` entry and every
// `when` condition do; inside an entry every field set must match, a field when any value does,
// and `notX` when no value does. On a TCP connection the HTTP-only fields cannot be read: an
// ALLOW rule using any of them is dropped (it never matches), while DENY, AUDIT and CUSTOM rules
// only lose those fields and so match more.

import type { IstioDocument } from '../check/types.js';
import { matchIpBlock, matchNamespace, matchPath, matchString } from './match.js';
import { isRecord, specOf } from './scope.js';
import type { Action, MeshSettings, PeerIdentity, Protocol } from './types.js';

/** The request as authorization sees it, after mTLS and token verification. */
export interface AuthorizationInput {
  protocol: Protocol;
  port?: number;
  /** The peer's identity; undefined on plaintext. */
  peer?: PeerIdentity;
  /** `iss/sub` of a verified token; undefined without one. */
  requestPrincipal?: { issuer: string; subject: string };
  claims: Readonly<Record<string, readonly string[]>>;
  /** Claims besides scope and permission that the verifying rule splits on spaces. */
  spaceDelimitedClaims: readonly string[];
  method?: string;
  /** The normalized path, without the query string. */
  path?: string;
  host?: string;
  headers: Readonly<Record<string, readonly string[]>>;
  sourceIp?: string;
  remoteIp?: string;
}

export interface PolicyMatch {
  matched: boolean;
  ruleIndex: number | null;
  /** Rules dropped on TCP because they use HTTP-only fields (ALLOW only). */
  droppedRules: number[];
  /** Rules that lose their HTTP-only fields on TCP and so match more (DENY, AUDIT, CUSTOM). */
  broadenedRules: number[];
  /** `when` keys the simulator has no value for (treated as absent). */
  unknownKeys: string[];
}

const HTTP_ONLY_SOURCE = ['requestPrincipals', 'notRequestPrincipals'];
const HTTP_ONLY_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
// Claims Envoy splits on single spaces before matching.
const SPACE_DELIMITED_CLAIMS = ['scope', 'permission'];

export function actionOf(policy: IstioDocument): Action {
  const action = specOf(policy).action;
  return action === 'DENY' || action === 'AUDIT' || action === 'CUSTOM' ? action : 'ALLOW';
}

/** Whether the policy matches, and which rule first does. */
export function matchPolicy(
  policy: IstioDocument,
  input: AuthorizationInput,
  mesh: MeshSettings,
): PolicyMatch {
  const action = actionOf(policy);
  const rules = Array.isArray(specOf(policy).rules) ? (specOf(policy).rules as unknown[]) : [];
  const result: PolicyMatch = {
    matched: false,
    ruleIndex: null,
    droppedRules: [],
    broadenedRules: [],
    unknownKeys: [],
  };
  const context: Context = { input, mesh, policyNamespace: policy.namespace, unknownKeys: [] };
  for (const [index, rule] of rules.entries()) {
    if (!isRecord(rule)) continue;
    if (input.protocol === 'tcp' && usesHttpOnlyField(rule)) {
      if (action === 'ALLOW') {
        result.droppedRules.push(index);
        continue;
      }
      result.broadenedRules.push(index);
    }
    if (matchRule(rule, context)) {
      result.matched = true;
      result.ruleIndex = index;
      break;
    }
  }
  result.unknownKeys = [...new Set(context.unknownKeys)];
  return result;
}

interface Context {
  input: AuthorizationInput;
  mesh: MeshSettings;
  policyNamespace: string;
  unknownKeys: string[];
}

function matchRule(rule: Record<string, unknown>, context: Context): boolean {
  const from = entries(rule.from, 'source');
  const to = entries(rule.to, 'operation');
  const when = Array.isArray(rule.when) ? rule.when.filter(isRecord) : [];
  const tcp = context.input.protocol === 'tcp';
  const sourceMatches =
    from.length === 0 || from.some((source) => matchSource(omit(source, tcp ? HTTP_ONLY_SOURCE : []), context));
  const operationMatches =
    to.length === 0 ||
    to.some((operation) => matchOperation(omit(operation, tcp ? HTTP_ONLY_OPERATION : []), context));
  const conditions = tcp ? when.filter((condition) => !isHttpOnlyKey(String(condition.key))) : when;
  return sourceMatches && operationMatches && conditions.every((condition) => matchCondition(condition, context));
}

// The `source` or `operation` maps of `from` or `to`; an empty or absent list means any.
function entries(list: unknown, key: 'source' | 'operation'): Record<string, unknown>[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).map((entry) => (isRecord(entry[key]) ? entry[key] : {}));
}

function omit(fields: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([key]) => !keys.includes(key)));
}

/** True when the rule uses a field only HTTP requests have. */
function usesHttpOnlyField(rule: Record<string, unknown>): boolean {
  const from = entries(rule.from, 'source');
  const to = entries(rule.to, 'operation');
  const when = Array.isArray(rule.when) ? rule.when.filter(isRecord) : [];
  return (
    from.some((source) => HTTP_ONLY_SOURCE.some((key) => listOf(source[key]) !== undefined)) ||
    to.some((operation) => HTTP_ONLY_OPERATION.some((key) => listOf(operation[key]) !== undefined)) ||
    when.some((condition) => isHttpOnlyKey(String(condition.key)))
  );
}

function isHttpOnlyKey(key: string): boolean {
  return key.startsWith('request.headers[') || key.startsWith('request.auth.');
}

// A field: its positive list must match (any value), its negative list must not (no value).
function field(
  fields: Record<string, unknown>,
  name: string,
  matches: (pattern: string) => boolean,
): boolean {
  const positive = listOf(fields[name]);
  const negative = listOf(fields[`not${name[0]?.toUpperCase()}${name.slice(1)}`]);
  if (positive !== undefined && !positive.some(matches)) return false;
  if (negative !== undefined && negative.some(matches)) return false;
  return true;
}

// A list of values; absent and empty lists mean no constraint (istiod reads [] as absent).
function listOf(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.map(String);
}

function matchSource(source: Record<string, unknown>, context: Context): boolean {
  const { input, mesh } = context;
  const peer = input.peer;
  return (
    field(source, 'principals', (pattern) => matchPrincipal(pattern, peer, mesh)) &&
    field(source, 'namespaces', (pattern) => matchNamespace(pattern, peer?.namespace)) &&
    field(source, 'serviceAccounts', (pattern) =>
      matchServiceAccount(pattern, peer, context.policyNamespace),
    ) &&
    field(source, 'trustDomains', (pattern) => matchTrustDomain(pattern, peer, mesh)) &&
    field(source, 'requestPrincipals', (pattern) =>
      matchRequestPrincipal(pattern, input.requestPrincipal),
    ) &&
    field(source, 'ipBlocks', (block) => matchIpBlock(block, input.sourceIp)) &&
    field(source, 'remoteIpBlocks', (block) => matchIpBlock(block, input.remoteIp ?? input.sourceIp))
  );
}

function matchOperation(operation: Record<string, unknown>, context: Context): boolean {
  const { input } = context;
  const port = input.port === undefined ? undefined : String(input.port);
  return (
    field(operation, 'hosts', (pattern) => matchString(pattern, input.host, true)) &&
    field(operation, 'ports', (pattern) => pattern === port) &&
    field(operation, 'methods', (pattern) => matchString(pattern, input.method)) &&
    field(operation, 'paths', (pattern) => matchPath(pattern, input.path))
  );
}

// A condition on an attribute the request does not carry matches nothing, even with notValues:
// the simulator cannot tell, and says so.
function matchCondition(condition: Record<string, unknown>, context: Context): boolean {
  const key = String(condition.key);
  const matches = conditionMatcher(key, context);
  return matches !== undefined && field(condition, 'values', matches);
}

// How one value of a `when` condition is compared, by key.
function conditionMatcher(key: string, context: Context): ((pattern: string) => boolean) | undefined {
  const { input, mesh } = context;
  const peer = input.peer;
  const header = /^request\.headers\[(.+)\]$/.exec(key);
  if (header?.[1] !== undefined) {
    const values = input.headers[header[1].toLowerCase()];
    const joined = values === undefined ? undefined : values.join(',');
    return (pattern) => matchString(pattern, joined);
  }
  const claim = /^request\.auth\.claims((?:\[[^\]]+\])+)$/.exec(key);
  if (claim?.[1] !== undefined) {
    const name = [...claim[1].matchAll(/\[([^\]]+)\]/g)].map((part) => part[1]).join('.');
    const values = claimValues(input, name);
    return (pattern) => values.some((value) => matchString(pattern, value));
  }
  switch (key) {
    case 'source.ip':
      return (block) => matchIpBlock(block, input.sourceIp);
    case 'remote.ip':
      return (block) => matchIpBlock(block, input.remoteIp ?? input.sourceIp);
    case 'source.namespace':
      return (pattern) => matchNamespace(pattern, peer?.namespace);
    case 'source.principal':
      return (pattern) => matchPrincipal(pattern, peer, mesh);
    case 'source.serviceAccount':
      return (pattern) => matchServiceAccount(pattern, peer, context.policyNamespace);
    case 'source.trustDomain':
      return (pattern) => matchTrustDomain(pattern, peer, mesh);
    case 'request.auth.principal':
      return (pattern) => matchRequestPrincipal(pattern, input.requestPrincipal);
    case 'request.auth.audiences':
      return (pattern) => claimValues(input, 'aud').some((value) => matchString(pattern, value));
    case 'request.auth.presenter':
      return (pattern) => claimValues(input, 'azp').some((value) => matchString(pattern, value));
    case 'destination.port':
      return (pattern) => input.port !== undefined && pattern === String(input.port);
    default:
      // destination.ip, connection.sni, experimental.*: the request flags do not carry them.
      context.unknownKeys.push(key);
      return undefined;
  }
}

// A verified token's claim values; Envoy splits scope and permission on single spaces.
function claimValues(input: AuthorizationInput, name: string): readonly string[] {
  if (input.requestPrincipal === undefined) return [];
  const values = input.claims[name] ?? [];
  const split = SPACE_DELIMITED_CLAIMS.includes(name) || input.spaceDelimitedClaims.includes(name);
  return split ? values.flatMap((value) => value.split(' ')) : values;
}

/**
 * A principal pattern against the peer's identity. A pattern naming the local trust domain, one
 * of its aliases, or cluster.local also matches the same identity in each of those.
 */
function matchPrincipal(pattern: string, peer: PeerIdentity | undefined, mesh: MeshSettings): boolean {
  if (peer === undefined) return false;
  return expandTrustDomains(pattern, mesh).some((expanded) => matchString(expanded, peer.principal));
}

function expandTrustDomains(pattern: string, mesh: MeshSettings): string[] {
  if (pattern.startsWith('*')) return [pattern];
  const slash = pattern.indexOf('/');
  if (slash < 0) return [pattern];
  const trustDomain = pattern.slice(0, slash);
  const local = [mesh.trustDomain, ...mesh.trustDomainAliases];
  if (!local.includes(trustDomain) && trustDomain !== 'cluster.local') return [pattern];
  return local.map((domain) => `${domain}${pattern.slice(slash)}`);
}

function matchTrustDomain(pattern: string, peer: PeerIdentity | undefined, mesh: MeshSettings): boolean {
  if (peer === undefined) return false;
  const local = [mesh.trustDomain, ...mesh.trustDomainAliases];
  if (local.includes(pattern)) return local.includes(peer.trustDomain);
  return matchString(pattern, peer.trustDomain);
}

// `ns/sa`, or a bare `sa` in the policy's own namespace; exact, any trust domain.
function matchServiceAccount(
  pattern: string,
  peer: PeerIdentity | undefined,
  policyNamespace: string,
): boolean {
  if (peer === undefined) return false;
  const slash = pattern.indexOf('/');
  const namespace = slash < 0 ? policyNamespace : pattern.slice(0, slash);
  const account = slash < 0 ? pattern : pattern.slice(slash + 1);
  return peer.namespace === namespace && peer.serviceAccount === account;
}

/**
 * `iss/sub` split at the last `/`, each part a string form; `*` needs both present. Without a
 * `/`, `*abc` is a subject suffix and `abc*` an issuer prefix; a plain value is an issuer with
 * an empty subject.
 */
function matchRequestPrincipal(
  pattern: string,
  principal: { issuer: string; subject: string } | undefined,
): boolean {
  if (principal === undefined) return false;
  const { issuer, subject } = principal;
  if (pattern === '*') return issuer !== '' && subject !== '';
  const slash = pattern.lastIndexOf('/');
  if (slash >= 0) {
    return (
      matchString(pattern.slice(0, slash), issuer) && matchString(pattern.slice(slash + 1), subject)
    );
  }
  if (pattern.startsWith('*')) return matchString(pattern, subject);
  if (pattern.endsWith('*')) return matchString(pattern, issuer);
  return issuer === pattern && subject === '';
}
