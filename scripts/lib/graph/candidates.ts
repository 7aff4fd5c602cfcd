// The requests `npm run graph` tries against a workload: candidate HTTP methods and paths drawn
// from the policies that apply to it, and the tokens its RequestAuthentications would accept.
// These are only inputs for the simulator, which alone decides what is allowed; a value that no
// candidate reaches (a header condition, a source IP) does not show in the graph.
//
// Besides the methods and paths the policies name, one method and one path that no policy names
// are tried: they stand for every other method and path, so that a label only says "any method",
// or leaves out "(some paths)", when those are allowed too.

import type { IstioDocument } from '../check/types.js';
import { policyApplies } from '../explain/scope.js';
import type { MeshSettings, RequestToken, Target } from '../explain/types.js';
import { compareText, isRecord, recordsOf, specOf, stringsOf } from './fields.js';

/** Tried on every HTTP port, in this order; methods the policies name follow, sorted. */
export const BASE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
export const BASE_PATH = '/';
/** Tried as a method no policy names: the first of these that no policy names. */
export const UNLISTED_METHODS = ['TRACE', 'CONNECT', 'PROPFIND', 'UNLISTED'];
/** Tried as a path no policy names (a suffix makes it differ from every candidate). */
export const UNLISTED_PATH = '/graph-unlisted-path';
/** The subject of the tokens tried; policies naming other subjects are not reached. */
export const TOKEN_SUBJECT = 'user';
/** The issuer tried for a jwtRule without one (it accepts any issuer). */
export const ANY_ISSUER = 'https://issuer.example';
// The prefix of the `when` keys that read a verified token.
const TOKEN_KEYS = 'request.auth.';
// What stands in for the text a wildcard or a URI template operator matches.
const FILLER = 'x';

export interface Candidates {
  /** BASE_METHODS, then the methods the policies name, sorted. */
  methods: string[];
  /** BASE_PATH and paths matching the patterns the policies name, sorted. */
  paths: string[];
  /** A method that no policy names, tried besides `methods`. */
  unlistedMethod: string;
  /** A path that no policy names and no other candidate equals, tried besides `paths`. */
  unlistedPath: string;
  /**
   * Tokens the applying RequestAuthentications accept; empty when none applies, or when no
   * applying policy reads what a token carries, so that a token could change no decision.
   */
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
  const patterns = operations.flatMap((operation) => [
    ...stringsOf(operation.paths),
    ...stringsOf(operation.notPaths),
  ]);
  const paths = unique([BASE_PATH, ...patterns.flatMap(instantiatePath)]);
  return {
    methods: [...BASE_METHODS, ...unique(extraMethods)],
    paths,
    unlistedMethod: unlistedMethod(named),
    unlistedPath: unlistedPath([...patterns, ...paths]),
    tokens: policies.some(readsToken)
      ? tokensOf(applying.filter(({ kind }) => kind === 'RequestAuthentication'))
      : [],
  };
}

// What a verified token adds to a request, its principal and claims, is read only by these.
function readsToken(policy: IstioDocument): boolean {
  return recordsOf(specOf(policy).rules).some(
    (rule) =>
      recordsOf(rule.from).some(
        (entry) =>
          isRecord(entry.source) &&
          (entry.source.requestPrincipals !== undefined ||
            entry.source.notRequestPrincipals !== undefined),
      ) || recordsOf(rule.when).some((condition) => String(condition.key).startsWith(TOKEN_KEYS)),
  );
}

// The first of UNLISTED_METHODS no policy names, else a numbered one.
function unlistedMethod(named: readonly string[]): string {
  const free = (method: string): boolean => !named.includes(method);
  const method = UNLISTED_METHODS.find(free);
  if (method !== undefined) return method;
  let suffix = 2;
  while (!free(`UNLISTED${suffix}`)) suffix += 1;
  return `UNLISTED${suffix}`;
}

// UNLISTED_PATH, numbered when a policy names it (or a candidate equals it).
function unlistedPath(named: readonly string[]): string {
  let path = UNLISTED_PATH;
  for (let suffix = 2; named.includes(path); suffix += 1) path = `${UNLISTED_PATH}-${suffix}`;
  return path;
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
