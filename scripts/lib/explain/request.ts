// Turns the request options of `explain` (command-line flags, or one entry of a --batch file)
// into the request and mesh settings the simulator evaluates. Every problem is a UsageError that
// names the option, what is wrong and what to write instead.

import { isIP } from 'node:net';

import { UsageError } from '../errors.js';
import { editDistance } from '../text.js';
import { DEFAULT_MESH, type ExplainRequest, type MeshSettings, type PeerIdentity } from './types.js';

/** Options that take a value once. */
export const VALUE_OPTIONS = [
  'to',
  'port',
  'protocol',
  'from',
  'from-namespace',
  'from-sa',
  'method',
  'path',
  'host',
  'source-ip',
  'remote-ip',
  'jwt-issuer',
  'jwt-subject',
  'root-namespace',
  'trust-domain',
  'ext-authz',
] as const;
/** Options that may be given more than once, each `NAME=VALUE` (or a plain value). */
export const REPEATED_OPTIONS = ['header', 'jwt-claim', 'trust-domain-alias'] as const;
/** Options without a value. */
export const SWITCH_OPTIONS = ['plaintext', 'jwt-invalid'] as const;
export const REQUEST_OPTIONS: readonly string[] = [
  ...VALUE_OPTIONS,
  ...REPEATED_OPTIONS,
  ...SWITCH_OPTIONS,
];

/** The options as read: one string, a list of strings, or true for a switch. */
export type RawOptions = Record<string, string | string[] | true>;

const PRINCIPAL = /^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** The request and mesh settings; `where` starts each message (`--port`, `batch entry 3: port`). */
export function toRequest(
  options: RawOptions,
  where: (option: string) => string,
): { request: ExplainRequest; mesh: MeshSettings } {
  const value = (name: string): string | undefined => {
    const raw = options[name];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string') throw new UsageError(`${where(name)}: give it once, with a value`);
    return raw;
  };
  const list = (name: string): string[] => {
    const raw = options[name];
    if (raw === undefined) return [];
    return typeof raw === 'string' ? [raw] : raw === true ? [] : raw;
  };
  const to = value('to');
  if (to === undefined) {
    throw new UsageError(`${where('to')} is required: the workload, as NAMESPACE/LABEL=VALUE[,LABEL=VALUE]`);
  }
  const protocol = value('protocol') ?? 'http';
  if (protocol !== 'http' && protocol !== 'tcp') {
    throw new UsageError(`${where('protocol')}: "${protocol}" is not a protocol; write http or tcp`);
  }
  const request: ExplainRequest = {
    target: parseTarget(to, where('to')),
    protocol,
    headers: parsePairs(list('header'), where('header'), true),
  };
  const port = value('port');
  if (port !== undefined) request.port = parsePort(port, where('port'));
  const peer = parsePeer(options, value, where);
  if (peer !== undefined) request.peer = peer;
  for (const [name, key] of [
    ['method', 'method'],
    ['path', 'path'],
    ['host', 'host'],
  ] as const) {
    const given = value(name);
    if (given !== undefined) request[key] = given;
  }
  if (request.path !== undefined && !request.path.startsWith('/')) {
    throw new UsageError(`${where('path')}: "${request.path}" does not start with /; write the path as the request line has it, e.g. /headers`);
  }
  for (const [name, key] of [
    ['source-ip', 'sourceIp'],
    ['remote-ip', 'remoteIp'],
  ] as const) {
    const given = value(name);
    if (given === undefined) continue;
    if (isIP(given) === 0) throw new UsageError(`${where(name)}: "${given}" is not an IP address; write one such as 10.0.0.1`);
    request[key] = given;
  }
  const token = parseToken(options, value, list, where);
  if (token !== undefined) request.token = token;
  return { request, mesh: parseMesh(value, list, where) };
}

/** `NAMESPACE/LABEL=VALUE[,LABEL=VALUE]`; label keys may hold a `/` of their own. */
export function parseTarget(text: string, where: string): ExplainRequest['target'] {
  const slash = text.indexOf('/');
  const namespace = slash < 0 ? '' : text.slice(0, slash);
  const labelsText = slash < 0 ? '' : text.slice(slash + 1);
  const example = 'write NAMESPACE/LABEL=VALUE[,LABEL=VALUE], e.g. foo/app=httpbin';
  if (namespace === '' || labelsText === '') {
    throw new UsageError(`${where}: "${text}" names no namespace and labels; ${example}`);
  }
  const labels: Record<string, string> = {};
  for (const pair of labelsText.split(',')) {
    const equals = pair.indexOf('=');
    const key = equals < 0 ? '' : pair.slice(0, equals);
    if (equals < 0 || !LABEL_KEY.test(key)) {
      throw new UsageError(`${where}: "${pair}" is not a LABEL=VALUE pair; ${example}`);
    }
    labels[key] = pair.slice(equals + 1);
  }
  return { namespace, labels };
}

function parsePort(text: string, where: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new UsageError(`${where}: "${text}" is not a port; write a number from 1 to 65535 (the workload's port)`);
  }
  return port;
}

function parsePeer(
  options: RawOptions,
  value: (name: string) => string | undefined,
  where: (option: string) => string,
): PeerIdentity | undefined {
  const from = value('from');
  const namespace = value('from-namespace');
  const account = value('from-sa');
  const plaintext = options.plaintext === true;
  if (plaintext && (from !== undefined || namespace !== undefined || account !== undefined)) {
    throw new UsageError(`${where('plaintext')} means no mTLS identity; drop it or drop ${where('from')}/${where('from-namespace')}`);
  }
  if (from !== undefined && (namespace !== undefined || account !== undefined)) {
    throw new UsageError(`${where('from')} names the whole identity; drop ${where('from-namespace')} and ${where('from-sa')}`);
  }
  if (from !== undefined) {
    const parts = PRINCIPAL.exec(from.replace(/^spiffe:\/\//, ''));
    if (parts === null) {
      throw new UsageError(`${where('from')}: "${from}" is not an identity; write TRUST-DOMAIN/ns/NAMESPACE/sa/SERVICE-ACCOUNT, e.g. cluster.local/ns/foo/sa/curl`);
    }
    const [, trustDomain = '', ns = '', sa = ''] = parts;
    return { principal: `${trustDomain}/ns/${ns}/sa/${sa}`, trustDomain, namespace: ns, serviceAccount: sa };
  }
  if (account !== undefined && namespace === undefined) {
    throw new UsageError(`${where('from-sa')} needs ${where('from-namespace')}: the caller's namespace`);
  }
  if (namespace === undefined) return undefined;
  const trustDomain = value('trust-domain') ?? DEFAULT_MESH.trustDomain;
  const sa = account ?? 'default';
  return { principal: `${trustDomain}/ns/${namespace}/sa/${sa}`, trustDomain, namespace, serviceAccount: sa };
}

function parseToken(
  options: RawOptions,
  value: (name: string) => string | undefined,
  list: (name: string) => string[],
  where: (option: string) => string,
): ExplainRequest['token'] {
  const issuer = value('jwt-issuer');
  const subject = value('jwt-subject');
  const claims = list('jwt-claim');
  const invalid = options['jwt-invalid'] === true;
  if (issuer === undefined && subject === undefined && claims.length === 0 && !invalid) return undefined;
  return {
    issuer: issuer ?? '',
    subject: subject ?? '',
    claims: parsePairs(claims, where('jwt-claim'), false),
    invalid,
  };
}

function parseMesh(
  value: (name: string) => string | undefined,
  list: (name: string) => string[],
  where: (option: string) => string,
): MeshSettings {
  const externalAuthorizer = value('ext-authz') ?? DEFAULT_MESH.externalAuthorizer;
  if (externalAuthorizer !== 'allow' && externalAuthorizer !== 'deny') {
    throw new UsageError(`${where('ext-authz')}: "${externalAuthorizer}" is not an answer; write allow or deny`);
  }
  return {
    rootNamespace: value('root-namespace') ?? DEFAULT_MESH.rootNamespace,
    trustDomain: value('trust-domain') ?? DEFAULT_MESH.trustDomain,
    trustDomainAliases: list('trust-domain-alias'),
    externalAuthorizer,
  };
}

// NAME=VALUE pairs; a name given twice collects its values in order.
function parsePairs(
  pairs: readonly string[],
  where: string,
  lowerCaseNames: boolean,
): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`${where}: "${pair}" is not NAME=VALUE; write e.g. x-token=admin`);
    const name = lowerCaseNames ? pair.slice(0, equals).toLowerCase() : pair.slice(0, equals);
    (result[name] ??= []).push(pair.slice(equals + 1));
  }
  return result;
}

/** The known option nearest to a mistyped one, for "did you mean". */
export function nearestOption(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const option of known) {
    const distance = editDistance(option, name);
    if (distance < bestDistance) {
      best = option;
      bestDistance = distance;
    }
  }
  return best;
}
