// What the RequestAuthentication documents applying to a workload make of a request's token.
// All of them (workload, namespace, root namespace) merge into one set of jwtRules. A request
// without a token passes with no request identity; a token no rule accepts, or one that fails
// verification, is refused with 401; a token whose audience no accepting rule allows, with 403.
//
// The token is taken to sit where the accepting rule reads it (the Authorization header by
// default); the simulator does not model fromHeaders, fromParams or fromCookies.

import type { IstioDocument } from '../check/types.js';
import { isRecord, policyApplies, specOf } from './scope.js';
import type { DecidedBy, MeshSettings, RequestToken, Target } from './types.js';

export type TokenResult =
  | { outcome: 'none'; message: string }
  | { outcome: 'ignored'; message: string }
  | { outcome: 'rejected'; status: 401 | 403; decidedBy: DecidedBy; message: string }
  | {
      outcome: 'verified';
      principal: string;
      /** Claims the verifying rule splits on spaces (spaceDelimitedClaims). */
      spaceDelimitedClaims: string[];
      message: string;
    };

interface JwtRule {
  document: IstioDocument;
  issuer: string;
  audiences: string[];
  spaceDelimitedClaims: string[];
  /** Where the rule reads the token, when not the default Authorization header. */
  location: string | undefined;
}

/** The result of authenticating the request's token (undefined: the request has none). */
export function authenticateToken(
  documents: readonly IstioDocument[],
  target: Target,
  token: RequestToken | undefined,
  mesh: MeshSettings,
): TokenResult {
  const applying = documents.filter(
    (document) => document.kind === 'RequestAuthentication' && policyApplies(document, target, mesh),
  );
  const rules = applying.flatMap(jwtRulesOf);
  if (token === undefined) {
    const message =
      rules.length === 0
        ? 'no token, and no RequestAuthentication applies'
        : 'no token: accepted with no request identity (RequestAuthentication alone does not require one)';
    return { outcome: 'none', message };
  }
  if (rules.length === 0) {
    return {
      outcome: 'ignored',
      message: 'no RequestAuthentication applies: the token is not verified and gives no request identity',
    };
  }
  const accepting = rules.filter((rule) => rule.issuer === '' || rule.issuer === token.issuer);
  const first = accepting[0] ?? rules[0];
  if (first === undefined) throw new Error('unreachable: rules is not empty');
  if (token.invalid) {
    return rejected(401, first.document, 'the token fails verification (signature, expiry or format): 401');
  }
  if (accepting.length === 0) {
    const issuers = [...new Set(rules.map((rule) => rule.issuer))].join(', ');
    return rejected(401, first.document, `no jwtRule accepts issuer "${token.issuer}" (accepted: ${issuers}): 401`);
  }
  const audiences = token.claims.aud ?? [];
  const allowed = accepting.find(
    (rule) => rule.audiences.length === 0 || rule.audiences.some((aud) => audiences.includes(aud)),
  );
  if (allowed === undefined) {
    const wanted = [...new Set(accepting.flatMap((rule) => rule.audiences))].join(', ');
    return rejected(403, first.document, `the token's audience is not one of ${wanted}: 403`);
  }
  const principal = `${token.issuer}/${token.subject}`;
  const location = allowed.location === undefined ? '' : ` (taken to be sent in ${allowed.location}, where this rule reads it)`;
  return {
    outcome: 'verified',
    principal,
    spaceDelimitedClaims: allowed.spaceDelimitedClaims,
    message: `token verified by ${allowed.document.namespace}/${allowed.document.name}${location}: request principal ${principal}`,
  };
}

function rejected(status: 401 | 403, document: IstioDocument, message: string): TokenResult {
  return {
    outcome: 'rejected',
    status,
    decidedBy: {
      kind: 'RequestAuthentication',
      namespace: document.namespace,
      name: document.name,
      action: null,
      ruleIndex: null,
    },
    message: `${document.namespace}/${document.name}: ${message}`,
  };
}

function jwtRulesOf(document: IstioDocument): JwtRule[] {
  const rules = specOf(document).jwtRules;
  if (!Array.isArray(rules)) return [];
  return rules.filter(isRecord).map((rule) => ({
    document,
    issuer: typeof rule.issuer === 'string' ? rule.issuer : '',
    audiences: Array.isArray(rule.audiences) ? rule.audiences.map(String) : [],
    spaceDelimitedClaims: Array.isArray(rule.spaceDelimitedClaims) ? rule.spaceDelimitedClaims.map(String) : [],
    location: tokenLocation(rule),
  }));
}

function tokenLocation(rule: Record<string, unknown>): string | undefined {
  const names = (list: unknown, key: string | undefined): string[] =>
    Array.isArray(list) ? list.map((entry) => String(key === undefined ? entry : isRecord(entry) ? entry[key] : entry)) : [];
  const places = [
    ...names(rule.fromHeaders, 'name').map((name) => `header ${name}`),
    ...names(rule.fromParams, undefined).map((name) => `query parameter ${name}`),
    ...names(rule.fromCookies, undefined).map((name) => `cookie ${name}`),
  ];
  return places.length === 0 ? undefined : places.join(' or ');
}
