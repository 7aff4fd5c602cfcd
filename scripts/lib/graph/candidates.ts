// The requests `npm run graph` tries against a workload: candidate HTTP methods and paths drawn
// from the policies that apply to it, and the tokens its RequestAuthentications would accept.
// These are only inputs for the simulator, which alone decides what is allowed; a value that no
// candidate reaches (a header condition, a source IP) does not show in the graph.

import type { IstioDocument } from '../check/types.js';
import { policyApplies } from '../explain/scope.js';
import type { MeshSettings, RequestToken, Target } from '../explain/types.js';
import { compareText, isRecord, recordsOf, specOf, stringsOf } from './fields.js';

/** Tried on every HTTP port, in this order; methods the policies name follow, sorted. */
export const BASE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
export const BASE_PATH = '/';
/** The subject of the tokens tried; policies naming other subjects are not reached. */
export const TOKEN_SUBJECT = 'user';
/** The issuer tried for a jwtRule without one (it accepts any issuer). */
export const ANY_ISSUER = 'https://issuer.example';
// What stands in for the text a wildcard or a URI template operator matches.
const FILLER = 'x';

export interface Candidates {
  methods: string[];
  paths: string[];
  /** Tokens the applying RequestAuthentications accept; empty when none applies. */
  tokens: RequestToken[];
}

/** The candidate requests for a target, from the documents that apply to it. */
export function candidatesFor(
  documents: readonly IstioDocument[],
  target: Target,
  mesh: MeshSettings,
): Candidates {
  const applying = documents.filter((document) => policyApplies(document, target, mesh));
  const policies = applying.filter(({ kind }) => kind === 'AuthorizationPolicy');
  const operations = policies.flatMap(operationsOf);
  const named = operations.flatMap((operation) => [
    ...stringsOf(operation.methods),
    ...stringsOf(operation.notMethods),
  ]);
  const extraMethods = named.filter(
    (method) => !method.includes('*') && !BASE_METHODS.includes(method),
  );
  const paths = operations.flatMap((operation) => [
    ...stringsOf(operation.paths),
    ...stringsOf(operation.notPaths),
  ]);
  return {
    methods: [...BASE_METHODS, ...unique(extraMethods)],
    paths: unique([BASE_PATH, ...paths.flatMap(instantiatePath)]),
    tokens: tokensOf(applying.filter(({ kind }) => kind === 'RequestAuthentication')),
  };
}

/**
 * A concrete path the pattern matches: `/api/*` -> `/api/x`, `*.css` -> `/x.css`,
 * `/a/{*}/b/{**}` -> `/a/x/b/x`; none for `*` alone, which `/` already stands for.
 */
export function instantiatePath(pattern: string): string[] {
  if (pattern === '*' || pattern === '') return [];
  if (pattern.includes('{*}') || pattern.includes('{**}')) {
    return [
      pattern
        .split('/')
        .map((segment) => (segment === '{*}' || segment === '{**}' ? FILLER : segment))
        .join('/'),
    ];
  }
  if (pattern.startsWith('*')) return [`/${FILLER}${pattern.slice(1)}`];
  if (pattern.endsWith('*')) return [`${pattern.slice(0, -1)}${FILLER}`];
  return [pattern];
}

// One token per issuer and audience the jwtRules accept, so each rule is tried once.
function tokensOf(requestAuthentications: readonly IstioDocument[]): RequestToken[] {
  const tokens = new Map<string, RequestToken>();
  for (const rule of requestAuthentications.flatMap(jwtRulesOf)) {
    const issuer = typeof rule.issuer === 'string' && rule.issuer !== '' ? rule.issuer : ANY_ISSUER;
    const audience = stringsOf(rule.audiences)[0];
    const claims: Record<string, string[]> = audience === undefined ? {} : { aud: [audience] };
    tokens.set(`${issuer} ${audience ?? ''}`, {
      issuer,
      subject: TOKEN_SUBJECT,
      claims,
      invalid: false,
    });
  }
  return [...tokens.entries()].sort(([a], [b]) => compareText(a, b)).map(([, token]) => token);
}

function operationsOf(policy: IstioDocument): Record<string, unknown>[] {
  return recordsOf(specOf(policy).rules).flatMap((rule) =>
    recordsOf(rule.to).flatMap((entry) => (isRecord(entry.operation) ? [entry.operation] : [])),
  );
}

function jwtRulesOf(document: IstioDocument): Record<string, unknown>[] {
  return recordsOf(specOf(document).jwtRules);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort(compareText);
}
