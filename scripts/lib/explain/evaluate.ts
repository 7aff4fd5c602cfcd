// Decides one request offline, in the order a receiving Envoy proxy does: mTLS (PeerAuthentication),
// the token (RequestAuthentication), then authorization: CUSTOM, DENY, ALLOW (allowed by default
// only when no enforced ALLOW policy applies), with AUDIT and dry-run policies reported only.
//
//   const decision = explain(documents, request, DEFAULT_MESH);

import type { IstioDocument } from '../check/types.js';
import { actionOf, matchPolicy, type AuthorizationInput, type PolicyMatch } from './authorization.js';
import { normalizePath } from './match.js';
import { effectiveMtls } from './peer-authentication.js';
import { authenticateToken } from './request-authentication.js';
import { formatLabels, scopeOf, specOf, targetKind } from './scope.js';
import type {
  DecidedBy,
  Decision,
  DryRunResult,
  ExplainRequest,
  MeshSettings,
  Stage,
  Status,
  Step,
} from './types.js';

const DRY_RUN_ANNOTATION = 'istio.io/dry-run';
// The spellings Go's strconv.ParseBool reads as true.
const GO_TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const ORDER: readonly ('CUSTOM' | 'DENY' | 'ALLOW')[] = ['CUSTOM', 'DENY', 'ALLOW'];

/** The decision for one request, with the steps that led to it. */
export function explain(
  documents: readonly IstioDocument[],
  given: ExplainRequest,
  mesh: MeshSettings,
): Decision {
  const steps: Step[] = [];
  const step = (stage: Stage, message: string): void => {
    steps.push({ stage, message });
  };
  const dryRun: DryRunResult[] = [];
  const denied = (status: Status, decidedBy: DecidedBy | null): Decision => ({
    decision: 'DENY',
    status,
    decidedBy,
    dryRun,
    steps,
  });
  const request = withDefaults(given, step);
  const { target } = request;
  step('target', describeTarget(request));
  hintAboutNamespaces(documents, request, mesh, step);

  const mtls = effectiveMtls(documents, target, request.port, mesh);
  step('mtls', mtls.message);
  let peer = request.peer;
  if (mtls.mode === 'STRICT' && peer === undefined) {
    step('mtls', 'a plaintext caller is refused by STRICT mTLS: the connection is reset');
    return denied('connection-reset', mtls.decidedBy);
  }
  if (mtls.mode === 'DISABLE' && peer !== undefined) {
    step('mtls', "the caller's sidecar sends plaintext to a DISABLE port, so it has no peer identity");
    peer = undefined;
  }
  step('mtls', peer === undefined ? 'peer identity: none (plaintext)' : `peer identity: ${peer.principal}`);

  const malformed = request.protocol === 'http' ? malformedRequest(request) : undefined;
  if (malformed !== undefined) {
    step('target', `${malformed}: the proxy answers 400 before any policy is evaluated`);
    return denied(400, null);
  }
  const token = tokenToVerify(request, step);
  const authenticated = authenticateToken(documents, target, token, mesh);
  step('jwt', authenticated.message);
  if (authenticated.outcome === 'rejected') {
    return denied(authenticated.status, authenticated.decidedBy);
  }
  const verified = authenticated.outcome === 'verified' && token !== undefined;

  const input: AuthorizationInput = {
    protocol: request.protocol,
    ...(request.port === undefined ? {} : { port: request.port }),
    ...(peer === undefined ? {} : { peer }),
    ...(verified ? { requestPrincipal: { issuer: token.issuer, subject: token.subject } } : {}),
    claims: verified ? token.claims : {},
    spaceDelimitedClaims: authenticated.outcome === 'verified' ? authenticated.spaceDelimitedClaims : [],
    ...(request.method === undefined ? {} : { method: request.method }),
    ...(request.path === undefined ? {} : { path: normalizePath(request.path) }),
    ...(request.host === undefined ? {} : { host: request.host }),
    headers: request.headers,
    ...(request.sourceIp === undefined ? {} : { sourceIp: request.sourceIp }),
    ...(request.remoteIp === undefined ? {} : { remoteIp: request.remoteIp }),
  };
  if (request.path !== undefined && input.path !== request.path) {
    step('target', `path as authorization sees it (normalized, no query): ${input.path}`);
  }

  const applying = applyingPolicies(documents, request, mesh, step);
  const deniedStatus: Status = request.protocol === 'tcp' ? 'connection-reset' : 403;
  const enforced = applying.filter((policy) => !isDryRun(policy));
  for (const policy of applying.filter(isDryRun)) {
    const action = actionOf(policy);
    if (action !== 'ALLOW' && action !== 'DENY') continue;
    const match = matchPolicy(policy, input, mesh);
    dryRun.push({ namespace: policy.namespace, name: policy.name, action, matched: match.matched, ruleIndex: match.ruleIndex });
    step('dry-run', `${action} ${ref(policy)} (dry run, not enforced): ${describeMatch(match)}`);
  }
  for (const policy of enforced.filter((policy) => actionOf(policy) === 'AUDIT')) {
    const match = matchPolicy(policy, input, mesh);
    if (match.matched) step('audit', `AUDIT ${ref(policy)} rule ${match.ruleIndex}: the request is marked for audit`);
  }
  const conflict = conflictingProviders(enforced);
  if (conflict !== undefined) {
    step('custom', `CUSTOM policies name several providers (${conflict.providers.join(', ')}); istiod allows one per workload unless PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS is on, and denies otherwise`);
    return denied(deniedStatus, policyRef(conflict.policy, 'CUSTOM', null));
  }

  for (const action of ORDER) {
    const policies = enforced.filter((policy) => actionOf(policy) === action);
    const stage = action.toLowerCase() as Stage;
    if (action === 'ALLOW' && policies.length === 0) {
      const dryRunOnly = applying.some((policy) => isDryRun(policy) && actionOf(policy) === 'ALLOW');
      step('allow', `no ${dryRunOnly ? 'enforced ' : ''}ALLOW policy applies: allowed by default`);
      return { decision: 'ALLOW', status: 200, decidedBy: null, dryRun, steps };
    }
    for (const policy of policies) {
      const match = matchPolicy(policy, input, mesh);
      reportRuleChanges(policy, match, stage, step);
      step(stage, `${action} ${ref(policy)}: ${describeMatch(match)}`);
      if (!match.matched) continue;
      const decidedBy = policyRef(policy, action, match.ruleIndex);
      if (action === 'DENY') return denied(deniedStatus, decidedBy);
      if (action === 'ALLOW') return { decision: 'ALLOW', status: 200, decidedBy, dryRun, steps };
      if (mesh.externalAuthorizer === 'deny') {
        step('custom', 'the external authorizer denies (--ext-authz deny)');
        return denied(deniedStatus, decidedBy);
      }
      step('custom', 'the request goes to the external authorizer, taken to allow it (--ext-authz deny to simulate a denial)');
    }
  }
  step('allow', 'ALLOW policies apply but none matches: denied');
  return denied(deniedStatus, null);
}

// An HTTP request always has a method and a path: curl sends GET / unless told otherwise. TCP
// connections carry neither, nor headers or a host.
function withDefaults(request: ExplainRequest, step: (stage: Stage, message: string) => void): ExplainRequest {
  if (request.protocol === 'tcp') {
    const ignored = [
      request.method === undefined ? '' : '--method',
      request.path === undefined ? '' : '--path',
      request.host === undefined ? '' : '--host',
      Object.keys(request.headers).length === 0 ? '' : '--header',
    ].filter((flag) => flag !== '');
    if (ignored.length > 0) step('target', `a TCP connection has no ${ignored.join(', ')}; ignored`);
    const { method: _method, path: _path, host: _host, ...rest } = request;
    return { ...rest, headers: {} };
  }
  const assumed: string[] = [];
  if (request.method === undefined) assumed.push('method GET');
  if (request.path === undefined) assumed.push('path /');
  if (assumed.length > 0) step('target', `not given, so taken as curl sends it: ${assumed.join(', ')}`);
  return { ...request, method: request.method ?? 'GET', path: request.path ?? '/' };
}

// What Envoy refuses with 400 whatever the policies say.
function malformedRequest(request: ExplainRequest): string | undefined {
  if (request.method !== undefined && request.method !== request.method.toUpperCase()) {
    return `the method ${request.method} is not upper case`;
  }
  if (request.path !== undefined && /%00/.test(request.path)) return 'the path holds %00';
  const badHeader = Object.keys(request.headers).find((name) => /\s/.test(name));
  if (badHeader !== undefined) return `the header name "${badHeader}" holds whitespace`;
  return undefined;
}

// The token the proxy verifies: none on TCP, and none for a CORS preflight request.
function tokenToVerify(
  request: ExplainRequest,
  step: (stage: Stage, message: string) => void,
): ExplainRequest['token'] {
  if (request.token === undefined) return undefined;
  if (request.protocol === 'tcp') {
    step('jwt', 'a TCP connection carries no token; the JWT flags are ignored');
    return undefined;
  }
  const preflight =
    request.method === 'OPTIONS' &&
    request.headers.origin !== undefined &&
    request.headers['access-control-request-method'] !== undefined;
  if (preflight) {
    step('jwt', 'a CORS preflight request (OPTIONS with Origin and Access-Control-Request-Method) skips token checks');
    return undefined;
  }
  return request.token;
}

// Say when the input has nothing for the target's namespace: often a mistyped --to or a missing -n.
function hintAboutNamespaces(
  documents: readonly IstioDocument[],
  request: ExplainRequest,
  mesh: MeshSettings,
  step: (stage: Stage, message: string) => void,
): void {
  const namespaces = [...new Set(documents.map((document) => document.namespace))].sort();
  const relevant = namespaces.filter(
    (namespace) => namespace === request.target.namespace || namespace === mesh.rootNamespace,
  );
  if (documents.length > 0 && relevant.length === 0) {
    step('target', `no document of the input is in namespace ${request.target.namespace} or the root namespace ${mesh.rootNamespace} (they are in ${namespaces.join(', ')}); check --to, -n and --root-namespace`);
  }
}

function reportRuleChanges(
  policy: IstioDocument,
  match: PolicyMatch,
  stage: Stage,
  step: (stage: Stage, message: string) => void,
): void {
  for (const key of match.unknownKeys) {
    step(stage, `${ref(policy)}: the request carries no ${key}; a condition on it matches nothing here`);
  }
  if (match.droppedRules.length > 0) {
    step(stage, `${ref(policy)}: rule ${match.droppedRules.join(', ')} uses HTTP-only fields, so Istio drops it on TCP`);
  }
  if (match.broadenedRules.length > 0) {
    step(stage, `${ref(policy)}: rule ${match.broadenedRules.join(', ')} loses its HTTP-only fields on TCP, so it matches more connections`);
  }
}

// Two enforced CUSTOM policies naming different providers.
function conflictingProviders(
  policies: readonly IstioDocument[],
): { providers: string[]; policy: IstioDocument } | undefined {
  const custom = policies.filter((policy) => actionOf(policy) === 'CUSTOM');
  const providers = custom.map((policy) => {
    const provider = specOf(policy).provider;
    return typeof provider === 'object' && provider !== null ? String((provider as Record<string, unknown>).name) : '';
  });
  const distinct = [...new Set(providers)];
  if (distinct.length < 2) return undefined;
  const second = custom[providers.indexOf(distinct[1] ?? '')];
  return second === undefined ? undefined : { providers: distinct, policy: second };
}

function applyingPolicies(
  documents: readonly IstioDocument[],
  request: ExplainRequest,
  mesh: MeshSettings,
  step: (stage: Stage, message: string) => void,
): IstioDocument[] {
  const policies = documents.filter((document) => document.kind === 'AuthorizationPolicy');
  const applying = policies.filter((policy) => scopeOf(policy, request.target, mesh).applies);
  const names = applying.map((policy) => `${ref(policy)} (${scopeOf(policy, request.target, mesh).reason})`);
  step(
    'target',
    applying.length === 0
      ? `no AuthorizationPolicy applies (of ${policies.length})`
      : `AuthorizationPolicies that apply: ${names.join('; ')}`,
  );
  return applying.sort(byNamespaceAndName(mesh));
}

// Root-namespace policies first, then by namespace and name, so reports are stable.
function byNamespaceAndName(mesh: MeshSettings) {
  return (a: IstioDocument, b: IstioDocument): number => {
    const rootA = a.namespace === mesh.rootNamespace ? 0 : 1;
    const rootB = b.namespace === mesh.rootNamespace ? 0 : 1;
    if (rootA !== rootB) return rootA - rootB;
    const keyA = `${a.namespace}/${a.name}`;
    const keyB = `${b.namespace}/${b.name}`;
    return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
  };
}

export function isDryRun(policy: IstioDocument): boolean {
  const metadata = policy.object.metadata;
  if (typeof metadata !== 'object' || metadata === null) return false;
  const annotations = (metadata as Record<string, unknown>).annotations;
  if (typeof annotations !== 'object' || annotations === null) return false;
  const value = (annotations as Record<string, unknown>)[DRY_RUN_ANNOTATION];
  return typeof value === 'string' && GO_TRUE.includes(value);
}

function describeMatch(match: PolicyMatch): string {
  return match.matched ? `rule ${match.ruleIndex} matches` : 'no rule matches';
}

function describeTarget(request: ExplainRequest): string {
  const { target } = request;
  const kind = targetKind(target);
  const what = kind === 'sidecar' ? 'workload' : kind === 'gateway' ? 'gateway' : 'Gateway API gateway';
  const port = request.port === undefined ? 'port not given' : `port ${request.port}`;
  return `${request.protocol.toUpperCase()} to ${what} ${target.namespace}/${formatLabels(target.labels)}, ${port}`;
}

function ref(policy: IstioDocument): string {
  return `${policy.namespace}/${policy.name}`;
}

function policyRef(policy: IstioDocument, action: string, ruleIndex: number | null): DecidedBy {
  return { kind: 'AuthorizationPolicy', namespace: policy.namespace, name: policy.name, action, ruleIndex };
}
