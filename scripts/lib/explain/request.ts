// Turns the request options of `explain` (command-line flags, or one entry of a --batch file)
// into the request and mesh settings the simulator evaluates. Every problem is a UsageError that
// names where (the entry of a batch file), the option, what is wrong and what to write instead.

import { isIP } from 'node:net';

import { UsageError } from '../errors.js';
import { editDistance } from '../text.js';
import { DEFAULT_MESH, type ExplainRequest, type MeshSettings, type PeerIdentity } from './types.js';

/** Options that take a value once. */
const VALUE_OPTIONS = [
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
/** Options that may be given more than once. */
export const REPEATED_OPTIONS = ['header', 'jwt-claim', 'trust-domain-alias'] as const;
/** Options without a value. */
export const SWITCH_OPTIONS = ['plaintext', 'jwt-invalid'] as const;
export const REQUEST_OPTIONS: readonly string[] = [
  ...VALUE_OPTIONS,
  ...REPEATED_OPTIONS,
  ...SWITCH_OPTIONS,
];

/** The options as read: one string, a list of strings, or true for a switch that is on. */
export type RawOptions = Record<string, string | string[] | true>;

/** How messages name an option: `--port` on the command line, `file: request 3: port` in a batch. */
export interface Where {
  /** Starts every message: '' on the command line, `FILE: request N: ` in a batch. */
  prefix: string;
  option(name: string): string;
}

export const COMMAND_LINE: Where = { prefix: '', option: (name) => `--${name}` };

// Kubernetes names: a namespace or service account is a DNS-1123 label or subdomain; label
// values and trust domains are simpler tokens.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const TRUST_DOMAIN = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const PRINCIPAL = /^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;
const MAX_NAME_LENGTH = 63;

/** The request and the mesh settings it is evaluated under. */
export function toRequest(
  options: RawOptions,
  where: Where = COMMAND_LINE,
): { request: ExplainRequest; mesh: MeshSettings } {
  const fail = (message: string): never => {
    throw new UsageError(`${where.prefix}${message}`);
  };
  const name = where.option;
  const value = (option: string): string | undefined => {
    const raw = options[option];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string') return fail(`${name(option)}: give one value`);
    return raw;
  };
  const list = (option: string): string[] => {
    const raw = options[option];
    return raw === undefined || raw === true ? [] : typeof raw === 'string' ? [raw] : raw;
  };
  const to = value('to');
  if (to === undefined) {
    return fail(`${name('to')} is required: the workload, as NAMESPACE/LABEL=VALUE[,LABEL=VALUE]`);
  }
  const protocol = value('protocol') ?? 'http';
  if (protocol !== 'http' && protocol !== 'tcp') {
    return fail(`${name('protocol')}: "${protocol}" is not a protocol; write http or tcp`);
  }
  const mesh = parseMesh(value, list, name, fail);
  const request: ExplainRequest = {
    target: parseTarget(to, name('to'), fail),
    protocol,
    headers: parsePairs(list('header'), name('header'), fail, true),
  };
  const port = value('port');
  if (port !== undefined) request.port = parsePort(port, name('port'), fail);
  const peer = parsePeer(options, value, name, fail, mesh.trustDomain);
  if (peer !== undefined) request.peer = peer;
  const method = value('method');
  if (method !== undefined) {
    if (!/^[A-Za-z]+$/.test(method)) {
      return fail(`${name('method')}: "${method}" is not an HTTP method; write one such as GET or POST`);
    }
    request.method = method;
  }
  const path = value('path');
  if (path !== undefined) {
    if (!path.startsWith('/')) {
      return fail(`${name('path')}: "${path}" does not start with /; write the path as the request line has it, e.g. /headers`);
    }
    request.path = path;
  }
  const host = value('host');
  if (host !== undefined) request.host = host;
  for (const [option, key] of [
    ['source-ip', 'sourceIp'],
    ['remote-ip', 'remoteIp'],
  ] as const) {
    const given = value(option);
    if (given !== undefined) request[key] = parseIp(given, name(option), fail);
  }
  const token = parseToken(options, value, list, name, fail);
  if (token !== undefined) request.token = token;
  return { request, mesh };
}

/** `NAMESPACE/LABEL=VALUE[,LABEL=VALUE]`; label keys may hold a `/` of their own. */
function parseTarget(
  text: string,
  option: string,
  fail: (message: string) => never = (message) => {
    throw new UsageError(message);
  },
): ExplainRequest['target'] {
  const slash = text.indexOf('/');
  const namespace = slash < 0 ? '' : text.slice(0, slash);
  const labelsText = slash < 0 ? '' : text.slice(slash + 1);
  const example = 'write NAMESPACE/LABEL=VALUE[,LABEL=VALUE], e.g. foo/app=httpbin';
  if (namespace === '' || labelsText === '') {
    return fail(`${option}: "${text}" names no namespace and labels; ${example}`);
  }
  checkName(namespace, DNS_LABEL, `${option}: namespace "${namespace}"`, fail);
  const labels: Record<string, string> = {};
  for (const pair of labelsText.split(',')) {
    const equals = pair.indexOf('=');
    const key = equals < 0 ? '' : pair.slice(0, equals);
    const labelValue = pair.slice(equals + 1);
    if (equals < 0 || !LABEL_KEY.test(key)) {
      return fail(`${option}: "${pair}" is not a LABEL=VALUE pair; ${example}`);
    }
    if (!LABEL_VALUE.test(labelValue) || labelValue.length > MAX_NAME_LENGTH) {
      return fail(`${option}: "${labelValue}" is not a label value; write up to 63 letters, digits, -, _ or ., starting and ending with a letter or digit`);
    }
    if (key in labels) return fail(`${option}: label ${key} is given twice; give it once`);
    labels[key] = labelValue;
  }
  return { namespace, labels };
}

function checkName(text: string, pattern: RegExp, what: string, fail: (message: string) => never): void {
  if (!pattern.test(text) || text.length > (pattern === DNS_LABEL ? MAX_NAME_LENGTH : 253)) {
    fail(`${what} is not a Kubernetes name; write lower-case letters, digits and -, e.g. foo`);
  }
}

function parsePort(text: string, option: string, fail: (message: string) => never): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    return fail(`${option}: "${text}" is not a port; write a number from 1 to 65535 (the workload's port)`);
  }
  return port;
}

function parseIp(text: string, option: string, fail: (message: string) => never): string {
  const family = isIP(text);
  if (family === 0) return fail(`${option}: "${text}" is not an IP address; write one such as 10.0.0.1`);
  if (family === 6 && text.includes('.')) {
    return fail(`${option}: "${text}" embeds an IPv4 address; write the IPv4 address itself`);
  }
  return text;
}

function parsePeer(
  options: RawOptions,
  value: (option: string) => string | undefined,
  name: (option: string) => string,
  fail: (message: string) => never,
  trustDomain: string,
): PeerIdentity | undefined {
  const from = value('from');
  const namespace = value('from-namespace');
  const account = value('from-sa');
  if (options.plaintext === true && (from !== undefined || namespace !== undefined || account !== undefined)) {
    return fail(`${name('plaintext')} means no mTLS identity; give either it or the caller (${name('from')}, ${name('from-namespace')}), not both`);
  }
  if (from !== undefined && (namespace !== undefined || account !== undefined)) {
    return fail(`${name('from')} names the whole identity; leave out ${name('from-namespace')} and ${name('from-sa')}`);
  }
  const identityExample = 'write TRUST-DOMAIN/ns/NAMESPACE/sa/SERVICE-ACCOUNT, e.g. cluster.local/ns/foo/sa/curl';
  if (from !== undefined) {
    const parts = PRINCIPAL.exec(from.replace(/^spiffe:\/\//, ''));
    if (parts === null) return fail(`${name('from')}: "${from}" is not an identity; ${identityExample}`);
    const [, domain = '', ns = '', sa = ''] = parts;
    if (!TRUST_DOMAIN.test(domain) || !DNS_LABEL.test(ns) || !DNS_SUBDOMAIN.test(sa)) {
      return fail(`${name('from')}: "${from}" is not a workload identity (no wildcards or spaces); ${identityExample}`);
    }
    return { principal: `${domain}/ns/${ns}/sa/${sa}`, trustDomain: domain, namespace: ns, serviceAccount: sa };
  }
  if (account !== undefined && namespace === undefined) {
    return fail(`${name('from-sa')} needs ${name('from-namespace')}: the caller's namespace`);
  }
  if (namespace === undefined) return undefined;
  checkName(namespace, DNS_LABEL, `${name('from-namespace')}: "${namespace}"`, fail);
  const sa = account ?? 'default';
  checkName(sa, DNS_SUBDOMAIN, `${name('from-sa')}: "${sa}"`, fail);
  return { principal: `${trustDomain}/ns/${namespace}/sa/${sa}`, trustDomain, namespace, serviceAccount: sa };
}

function parseToken(
  options: RawOptions,
  value: (option: string) => string | undefined,
  list: (option: string) => string[],
  name: (option: string) => string,
  fail: (message: string) => never,
): ExplainRequest['token'] {
  const issuer = value('jwt-issuer');
  const subject = value('jwt-subject');
  const claims = list('jwt-claim');
  const invalid = options['jwt-invalid'] === true;
  if (issuer === undefined && subject === undefined && claims.length === 0 && !invalid) return undefined;
  return {
    issuer: issuer ?? '',
    subject: subject ?? '',
    claims: parsePairs(claims, name('jwt-claim'), fail, false),
    invalid,
  };
}

function parseMesh(
  value: (option: string) => string | undefined,
  list: (option: string) => string[],
  name: (option: string) => string,
  fail: (message: string) => never,
): MeshSettings {
  const externalAuthorizer = value('ext-authz') ?? DEFAULT_MESH.externalAuthorizer;
  if (externalAuthorizer !== 'allow' && externalAuthorizer !== 'deny') {
    return fail(`${name('ext-authz')}: "${externalAuthorizer}" is not an answer; write allow or deny`);
  }
  const rootNamespace = value('root-namespace') ?? DEFAULT_MESH.rootNamespace;
  checkName(rootNamespace, DNS_LABEL, `${name('root-namespace')}: "${rootNamespace}"`, fail);
  const trustDomain = value('trust-domain') ?? DEFAULT_MESH.trustDomain;
  const aliases = list('trust-domain-alias');
  for (const [option, domain] of [['trust-domain', trustDomain], ...aliases.map((alias) => ['trust-domain-alias', alias])]) {
    if (!TRUST_DOMAIN.test(domain ?? '')) {
      return fail(`${name(option ?? '')}: "${domain}" is not a trust domain; write a domain such as cluster.local`);
    }
  }
  return { rootNamespace, trustDomain, trustDomainAliases: aliases, externalAuthorizer };
}

// NAME=VALUE pairs; a name given twice collects its values in order.
function parsePairs(
  pairs: readonly string[],
  option: string,
  fail: (message: string) => never,
  lowerCaseNames: boolean,
): Record<string, string[]> {
  const example = lowerCaseNames ? 'x-token=admin' : 'groups=admins';
  const result: Record<string, string[]> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) return fail(`${option}: "${pair}" is not NAME=VALUE; write e.g. ${example}`);
    const key = lowerCaseNames ? pair.slice(0, equals).toLowerCase() : pair.slice(0, equals);
    (result[key] ??= []).push(pair.slice(equals + 1));
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
