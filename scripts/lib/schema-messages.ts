// Turns ajv's schema errors into messages a user can act on: the value path in the chart's dotted
// form (authorization.policies.viewer.rules[0].to[0].operation.ports[0]), what is wrong, and the
// fix. Used by validation.ts; the patterns of values-schema.json each have words in PATTERNS (a
// test checks that none is missing). Given the files' spellings (yaml-values.ts), a message about
// a value YAML converted quotes what the file says: `yes` for a key read as "true", 0123 for 123.

import { domainToASCII } from 'node:url';

import type { ErrorObject } from 'ajv';

import { IP_OR_CIDR } from './values-rules.js';
import { isValuesMap, type ScalarSpelling, type SourceSpellings } from './yaml-values.js';
import { editDistance } from './text.js';

/** One schema problem at a value path. */
export interface SchemaProblem {
  path: string;
  message: string;
}

/** What a schema pattern accepts, in words, and how to fix a value that it rejects. */
export interface PatternWords {
  accepts: string;
  fix: (value: string) => string;
}

/** The parts of the schema that some messages depend on, found by identity. */
export interface SchemaLandmarks {
  source?: object;
  operation?: object;
  matchLabels?: object;
}

const PORT =
  '^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$';
const METHOD = '^(\\*|\\*?[A-Z][A-Z_-]*|[A-Z][A-Z_-]*\\*)$';
const PATH_TEMPLATE = "(/([-A-Za-z0-9._~%!$&'()+,;:@=]+|\\{\\*\\}|\\{\\*\\*\\}))+";
// Printable ASCII without ?, #, { and }: requests carry other characters percent-encoded.
const PATH = `^[/*][!-"$->@-z|~]*$|^${PATH_TEMPLATE}$`;
const PRINCIPAL = '^[!-9;-~]+$';
const REQUEST_PRINCIPAL = '^(\\*.*|.*\\*|(.*[^:/])?/.*)$';
const NAMESPACE_MATCH =
  '^(\\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?|\\*[-a-z0-9]*[a-z0-9]|[a-z0-9][-a-z0-9]*\\*)$';
// Printable ASCII without /: requests carry an internationalized host in punycode.
const HOST = '^[!-.0-~]+$';
const QUALIFIED_NAME =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';
const RESOURCE_NAME = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
// An HTTP header name is an RFC 9110 token; a pseudo-header such as :authority starts with ":".
const HEADER_NAME = ":?[-!#$%&'*+.^_`|~0-9A-Za-z]+";
const CONDITION_KEY = `^(request\\.headers\\[${HEADER_NAME}\\]|source\\.ip|remote\\.ip|source\\.namespace|source\\.serviceAccount|source\\.principal|source\\.trustDomain|request\\.auth\\.principal|request\\.auth\\.audiences|request\\.auth\\.presenter|request\\.auth\\.claims(\\[[^\\[\\]]+\\])+|destination\\.ip|destination\\.port|connection\\.sni|experimental\\.envoy\\.filters\\.[^\\[\\]]+\\[[^\\[\\]]+\\])$`;
const MAX_LABEL_NAME_LENGTH = 63;
const MAX_SHOWN_CHARACTERS = 80;

/** Words for every pattern in values-schema.json, keyed by the pattern's exact text. */
export const PATTERNS: Readonly<Record<string, PatternWords>> = {
  [PORT]: {
    accepts: 'a port number from 1 to 65535, written as a string',
    fix: () => 'write the workload\'s container port in quotes, such as "8080"',
  },
  [IP_OR_CIDR]: {
    accepts:
      'an IPv4 or IPv6 address or CIDR block, such as 10.0.0.1, 10.0.0.0/8 or 2001:db8::/32 (IPv4 numbers 0 to 255, without leading zeros; IPv6 hex groups with at most one ::, an embedded IPv4 address such as ::ffff:10.0.0.1 is not supported)',
    fix: ipFix,
  },
  [METHOD]: {
    accepts: 'an upper-case HTTP method such as GET or POST (or * alone or at one end)',
    fix: (value) =>
      new RegExp(METHOD).test(value.toUpperCase())
        ? `write "${value.toUpperCase()}"; the proxy rejects lower-case methods`
        : 'write the method in upper case',
  },
  [PATH]: {
    accepts:
      'a path that starts with / or * and holds no ?, #, space, { or } and only printable ASCII (percent-encoded as requests carry it), or a template path whose segments are each literal text or a whole {*} (one segment) or {**} (the rest)',
    fix: pathFix,
  },
  [PRINCIPAL]: {
    accepts:
      'a peer identity <trust-domain>/ns/<namespace>/sa/<service-account> without spiffe://, ":" or spaces (* alone or at one end)',
    fix: (value) =>
      value.startsWith('spiffe://')
        ? `write ${show(value.slice('spiffe://'.length))}; Istio adds spiffe:// itself`
        : 'write the identity as <trust-domain>/ns/<namespace>/sa/<service-account>, such as cluster.local/ns/shop/sa/api',
  },
  [REQUEST_PRINCIPAL]: {
    accepts:
      'a JWT principal <issuer>/<subject>, such as https://auth.example.com/user-1 (a / besides those of ://), or one with * alone or at one end',
    fix: (value) =>
      `Istio splits the value at its last / into issuer and subject, so this one never matches; write <issuer>/<subject>, such as ${show(`${value}/*`)} for any subject of the issuer ${show(value)} or ${show(`*/${value}`)} for the subject ${show(value)} of any issuer`,
  },
  [NAMESPACE_MATCH]: {
    accepts:
      'a namespace name (lower-case letters, digits and "-") with * only alone or at one end, such as shop, shop-* or *-prod',
    fix: (value) =>
      value.includes('*')
        ? 'keep * alone or at one end: sidecars and ztunnel read a * elsewhere differently'
        : withSuggestion(
            'write the namespace as Kubernetes names it',
            suggestName(value, DNS_LABEL),
          ),
  },
  [HOST]: {
    accepts:
      'a host or host:port in printable ASCII (an internationalized name in punycode, xn--...), such as api.example.com or api.example.com:* (* alone or at one end), without a scheme, path or spaces',
    fix: hostFix,
  },
  [QUALIFIED_NAME]: {
    accepts:
      'a Kubernetes label or annotation key: an optional DNS prefix and "/", then a name of at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    fix: qualifiedNameFix,
  },
  [LABEL_VALUE]: {
    accepts:
      'a Kubernetes label value: empty, or letters, digits, "-", "_" and ".", starting and ending with a letter or digit (at most 63 characters)',
    fix: (value) =>
      value.includes('*')
        ? 'a * is no wildcard in a label, and Istio matches selector labels exactly; give the exact label value'
        : 'remove spaces and other characters; put free text in an annotation instead',
  },
  '^([^/*]+/)?[^/*]+$': {
    accepts: 'a service account as <namespace>/<name> or <name>, without *',
    fix: () => 'name each service account exactly; Istio has no wildcards for service accounts',
  },
  '^(\\*|\\*?[^*/]+|[^*/]+\\*)$': {
    accepts: 'a trust domain without /, with * only alone or at one end',
    fix: () => 'write the trust domain itself, such as cluster.local',
  },
  '^[A-Za-z0-9]([-A-Za-z0-9._]*[A-Za-z0-9])?$': {
    accepts:
      'a trust domain such as cluster.local: letters, digits, ".", "-" and "_", starting and ending with a letter or digit',
    fix: () => "use the mesh's trust domain (meshConfig.trustDomain), without spiffe:// or /",
  },
  '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$': {
    accepts: 'a duration such as 5s, 500ms or 1m30s',
    fix: () => 'write a number followed by a unit (ns, us, ms, s, m or h), without spaces',
  },
  '^https?://[^\\s/?#]+([/?#][^\\s]*)?$': {
    accepts: 'an http:// or https:// URL with a host and no spaces',
    fix: () =>
      "give the issuer's key set URL, such as https://auth.example.com/.well-known/jwks.json",
  },
  '^[-_A-Za-z0-9]+$': {
    accepts: 'a header name made of letters, digits, "-" and "_"',
    fix: () => 'write the bare header name, without spaces, a colon or a value',
  },
  [RESOURCE_NAME]: {
    accepts:
      'a Kubernetes name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
    fix: (value) => withSuggestion('rename it', suggestName(value, RESOURCE_NAME)),
  },
  [DNS_LABEL]: {
    accepts:
      'a namespace name: lower-case letters, digits and "-", starting and ending with a letter or digit',
    fix: (value) => withSuggestion('rename it', suggestName(value, DNS_LABEL)),
  },
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$': {
    accepts:
      'empty, or a namespace name: lower-case letters, digits and "-", starting and ending with a letter or digit',
    fix: (value) => withSuggestion('rename it', suggestName(value, DNS_LABEL)),
  },
  [CONDITION_KEY]: {
    accepts:
      "one of Istio's condition keys: request.headers[<name>] (a header name of letters, digits and !#$%&'*+-.^_`|~, or a pseudo-header such as :authority), source.ip, remote.ip, source.namespace, source.principal, source.serviceAccount, source.trustDomain, request.auth.principal, request.auth.audiences, request.auth.presenter, request.auth.claims[<name>], destination.ip, destination.port, connection.sni or experimental.envoy.filters.<filter>[<key>]",
    fix: (value) =>
      value.startsWith('request.headers[')
        ? 'write the bare header name inside [ ], such as request.headers[x-user-id]: no spaces, quotes or colons (but the leading one of a pseudo-header such as :authority)'
        : 'check the spelling and case; Istio rejects any other key',
  },
  '^[^\\[\\]]+$': {
    accepts: 'a top-level claim name without [ or ]',
    fix: () => 'name the claim itself, such as groups',
  },
};

const NO_SPELLINGS: SourceSpellings = { keys: new Map(), values: new Map() };

/**
 * Schema problems for ajv's errors (run with allErrors and verbose), in ajv's order;
 * `spellings` tells how the files wrote keys and scalars, when known.
 */
export function describeSchemaErrors(
  errors: readonly ErrorObject[],
  values: unknown,
  chartDefaults: unknown,
  landmarks: SchemaLandmarks,
  spellings: SourceSpellings = NO_SPELLINGS,
): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const problem = describeError(error, values, chartDefaults, landmarks, spellings);
    if (problem === undefined) continue;
    const key = `${problem.path}\n${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function describeError(
  error: ErrorObject,
  values: unknown,
  chartDefaults: unknown,
  landmarks: SchemaLandmarks,
  spellings: SourceSpellings,
): SchemaProblem | undefined {
  const segments = pointerSegments(error.instancePath);
  const path = dottedPath(values, segments);
  // A failed propertyNames keyword repeats the error of the name itself, reported below.
  if (error.keyword === 'propertyNames') return undefined;
  if (error.propertyName !== undefined) {
    const keyPath = childPath(path, error.propertyName);
    return { path: keyPath, message: keyMessage(error, spellings.keys.get(keyPath)) };
  }
  switch (error.keyword) {
    case 'type': {
      const written = spelledAs(spellings.values.get(path), error.data);
      return { path, message: typeMessage(error, segments, written) };
    }
    case 'required': {
      const missing = String(error.params.missingProperty);
      const removed = hasPath(chartDefaults, [...segments, missing]);
      return { path: childPath(path, missing), message: requiredMessage(removed) };
    }
    case 'additionalProperties':
      return additionalPropertyProblem(path, error);
    case 'enum':
      return { path, message: enumMessage(error.data, error.params.allowedValues) };
    case 'pattern':
      return { path, message: patternMessage(String(error.params.pattern), String(error.data)) };
    case 'minItems':
      return { path, message: emptyListMessage(segments, error) };
    case 'minProperties':
      return { path, message: emptyMapMessage(error, landmarks) };
    default:
      return { path, message: limitMessage(error) };
  }
}

function typeMessage(
  error: ErrorObject,
  segments: readonly string[],
  written: string | undefined,
): string {
  const data: unknown = error.data;
  const wanted = expectedTypes(error.params.type).filter((type) => type !== 'null');
  if (data === null) return nullMessage(wanted, segments);
  if (wanted.includes('string')) {
    if (typeof data === 'boolean') {
      if (written !== undefined) {
        return `got boolean ${data}, which YAML 1.1 reads from the unquoted ${written}; quote the value: ${show(written)}`;
      }
      return `got boolean ${data}, which YAML 1.1 reads from an unquoted yes/no/on/off/y/n; quote the value`;
    }
    if (typeof data === 'number') return numberMessage(data, written, patternOf(error));
    return `got ${describeValue(data)}; write a single string`;
  }
  if (wanted.includes('boolean')) {
    if (typeof data === 'string')
      return `got string ${show(data)}; write true or false without quotes`;
    return `got ${describeValue(data)}; write true or false`;
  }
  if (wanted.includes('array')) {
    if (isValuesMap(data)) return 'got a map; write a list, one "- " item per entry';
    return `got ${describeValue(data)}; write a list, such as [${show(String(data))}]`;
  }
  if (wanted.includes('object')) {
    return `got ${describeValue(data)}; write a map of keys to values`;
  }
  return `got ${describeValue(data)}; write ${wanted.join(' or ')}`;
}

// Helm deletes a key set to null only where chart/values.yaml defines it; elsewhere null stays.
function nullMessage(wanted: readonly string[], segments: readonly string[]): string {
  const inList = /^\d+$/.test(segments[segments.length - 1] ?? '');
  const remove = inList ? 'remove the item' : 'delete the key';
  return `got null (an empty value or ~); Helm removes a key set to null only where chart/values.yaml defines it, so ${remove} or give ${article(wanted)}`;
}

function requiredMessage(removedFromChart: boolean): string {
  if (removedFromChart) {
    return "is missing: a values file set it to null, which removes the chart's default; remove that null or give a value";
  }
  return 'is required here; add it';
}

function additionalPropertyProblem(path: string, error: ErrorObject): SchemaProblem {
  const key = String(error.params.additionalProperty);
  const parent = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
  const allowed = Object.keys(parent?.properties ?? {});
  const hint =
    key === 'spec'
      ? 'write the fields of the Istio spec directly under the entry; '
      : suggestionHint(key, allowed);
  return {
    path: childPath(path, key),
    message: `unknown key ${show(key)}; ${hint}allowed keys: ${allowed.join(', ')}`,
  };
}

function enumMessage(data: unknown, allowedValues: unknown): string {
  const allowed = Array.isArray(allowedValues) ? allowedValues : [];
  const close =
    typeof data === 'string'
      ? allowed.find(
          (value) => typeof value === 'string' && value.toLowerCase() === data.toLowerCase(),
        )
      : undefined;
  const hint = close === undefined ? '' : `did you mean ${show(close)}? `;
  return `got ${describeValue(data)}; ${hint}allowed: ${allowed.map((value) => show(value)).join(', ')}`;
}

function patternMessage(pattern: string, value: string): string {
  const words = PATTERNS[pattern];
  if (words === undefined)
    return `got ${show(value)}, which does not match ${pattern}; correct the value`;
  return `got ${show(value)}, but this accepts ${words.accepts}; ${words.fix(value)}`;
}

// YAML gives a number neither its spelling nor, for 0123, Helm's reading (octal 83), so the
// message names the number only when the file's text is not known.
function numberMessage(
  data: number,
  written: string | undefined,
  pattern: string | undefined,
): string {
  const read =
    written === undefined
      ? `got number ${data}, which YAML reads from an unquoted number, losing how it was written (1.10 reads as 1.1, 0x1F as 31)`
      : `got a number, which YAML reads from the unquoted ${written}`;
  const quote = `${read}; quote the value exactly as you mean it`;
  const words = pattern === undefined ? undefined : PATTERNS[pattern];
  const text = written ?? String(data);
  if (words !== undefined && pattern !== undefined && !new RegExp(pattern, 'u').test(text)) {
    return `${quote}, as ${words.accepts}: ${words.fix(text)}`;
  }
  if (written !== undefined) return `${quote}: ${show(written)}`;
  return words === undefined ? quote : `${quote}, as ${words.accepts}`;
}

// Helm turns an unquoted yes/no/on/off/y/n/true/false key into the string "true" or "false".
function booleanKeyMessage(key: string, spelling: ScalarSpelling | undefined): string {
  const written = spelling?.text;
  const unquotedWord =
    typeof spelling?.value === 'boolean' &&
    written !== undefined &&
    !/^true$|^false$/i.test(written);
  if (unquotedWord) {
    return `got the key ${show(key)}, which Helm reads from the unquoted key ${written} (YAML 1.1 reads yes/no/on/off/y/n as booleans); quote the key: ${show(written)}`;
  }
  if (spelling === undefined) {
    return `got the key ${show(key)}, which Helm reads as ${key} from an unquoted yes/no/on/off/y/n (or true/false) key; quote the key`;
  }
  return `got the key ${show(key)}, which is refused because Helm reads unquoted yes/no/on/off/y/n keys as "true" and "false"; choose another name`;
}

function keyMessage(error: ErrorObject, spelling: ScalarSpelling | undefined): string {
  const key = String(error.propertyName);
  if (error.keyword === 'not' && (key === 'true' || key === 'false')) {
    return booleanKeyMessage(key, spelling);
  }
  if (error.keyword === 'pattern') {
    const words = PATTERNS[String(error.params.pattern)];
    if (words !== undefined) {
      return `got the key ${show(key)}, but this accepts ${words.accepts}; ${words.fix(key)}`;
    }
  }
  return `got the key ${show(key)}, which ${limitMessage(error)}`;
}

// Istio decodes an empty list as an absent field, so `principals: []` would mean "any caller".
function emptyListMessage(segments: readonly string[], error: ErrorObject): string {
  if (Array.isArray(error.data) && error.data.length === 0) {
    const field = segments[segments.length - 1];
    if (field === 'rules') {
      return 'is an empty list, which Istio reads as no rules; remove the key (an ALLOW policy without rules allows nothing) or add a rule (rules: [{}] matches every request)';
    }
    const effect = segments.includes('rules')
      ? 'that widens the rule to match anything here'
      : "Istio's default, usually the widest, applies instead";
    return `is an empty list, which Istio reads as "not set": ${effect}; remove the key or give at least one value`;
  }
  return limitMessage(error);
}

function emptyMapMessage(error: ErrorObject, landmarks: SchemaLandmarks): string {
  const where = error.parentSchema;
  if (where !== undefined && where === landmarks.source) {
    return 'is empty, which Istio reads as "not set": this from entry would match every caller; remove the entry or set a field such as principals or namespaces';
  }
  if (where !== undefined && where === landmarks.operation) {
    return 'is empty, which Istio reads as "not set": this to entry would match every request; remove the entry or set a field such as ports or paths';
  }
  if (where !== undefined && where === landmarks.matchLabels) {
    return 'is empty, and an empty selector selects every workload in the namespace; remove the selector or add a label';
  }
  return 'is empty; remove the key or add at least one entry';
}

function limitMessage(error: ErrorObject): string {
  const limit = error.params.limit as number | undefined;
  switch (error.keyword) {
    case 'maxItems':
      return `has ${Array.isArray(error.data) ? error.data.length : '?'} items; give at most ${limit}`;
    case 'minLength':
      return 'is an empty string; give a value or remove the key';
    case 'maxLength':
      return `is ${String(error.data).length} characters long; shorten it to at most ${limit}`;
    case 'maxProperties':
      return `has more than ${limit} entries; give at most ${limit}`;
    default:
      return `${error.message ?? 'is invalid'}; correct the value`;
  }
}

/** The chart's dotted path for a JSON pointer into `values`: list indexes as [n]. */
export function dottedPath(values: unknown, segments: readonly string[]): string {
  let path = '';
  let node: unknown = values;
  for (const segment of segments) {
    if (Array.isArray(node)) {
      path += `[${segment}]`;
      node = node[Number(segment)];
    } else {
      path = childPath(path, segment);
      node = isValuesMap(node) && Object.hasOwn(node, segment) ? node[segment] : undefined;
    }
  }
  return path;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function hasPath(root: unknown, segments: readonly string[]): boolean {
  let node = root;
  for (const segment of segments) {
    if (!isValuesMap(node) || !Object.hasOwn(node, segment)) return false;
    node = node[segment];
  }
  return true;
}

// The spelling of the value at a path, when the file wrote the value that was read.
function spelledAs(spelling: ScalarSpelling | undefined, data: unknown): string | undefined {
  return spelling !== undefined && spelling.value === data ? spelling.text : undefined;
}

function patternOf(error: ErrorObject): string | undefined {
  const parent = error.parentSchema as { pattern?: unknown } | undefined;
  return typeof parent?.pattern === 'string' ? parent.pattern : undefined;
}

function expectedTypes(type: unknown): string[] {
  if (Array.isArray(type)) return type.map(String);
  return String(type).split(',');
}

function describeValue(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'a list';
  if (isValuesMap(data)) return 'a map';
  return `${typeof data} ${typeof data === 'string' ? show(data) : String(data)}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_SHOWN_CHARACTERS
    ? `${text.slice(0, MAX_SHOWN_CHARACTERS - 4)}..."`
    : text;
}

function article(types: readonly string[]): string {
  const words: Record<string, string> = {
    string: 'a string',
    boolean: 'true or false',
    array: 'a list',
    object: 'a map',
    integer: 'a number',
    number: 'a number',
  };
  return types.map((type) => words[type] ?? type).join(' or ') || 'a value';
}

function suggestionHint(key: string, allowed: readonly string[]): string {
  const match =
    allowed.find((name) => name.toLowerCase() === key.toLowerCase()) ??
    allowed.find((name) => editDistance(name.toLowerCase(), key.toLowerCase()) <= 2);
  return match === undefined ? '' : `did you mean ${show(match)}? `;
}


// A close valid name, when lower-casing and replacing stray characters gives one.
function suggestName(value: string, pattern: string): string | undefined {
  const separators = pattern === DNS_LABEL ? /[^a-z0-9-]+/g : /[^a-z0-9.-]+/g;
  const candidate = value
    .toLowerCase()
    .replace(separators, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return candidate !== value && new RegExp(pattern).test(candidate) ? candidate : undefined;
}

// Authorization matches the path without its query string, so a value with ? or # never matches;
// nor does one with spaces or non-ASCII characters, which requests carry percent-encoded.
function pathFix(value: string): string {
  if (/[?#]/.test(value)) {
    const path = value.split(/[?#]/)[0] ?? '';
    return `remove the query string: Istio matches the path without it${path === '' ? '' : `, so write ${show(path)}`}`;
  }
  if (/[^!-~]/u.test(value)) {
    return `percent-encode spaces and non-ASCII characters as requests carry them, such as ${show(percentEncode(value))}`;
  }
  if (!/^[/*{]/.test(value)) return `start the path with /, such as ${show(`/${value}`)}`;
  return 'remove { and } outside whole {*} or {**} segments, and * from template paths (or use a prefix* or *suffix match instead of a template)';
}

// Spaces, controls and non-ASCII characters as UTF-8 %XX escapes; the rest stays as written.
function percentEncode(value: string): string {
  return value.replace(/[^!-~]/gu, (character) =>
    [...Buffer.from(character, 'utf8')]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}

function ipFix(value: string): string {
  const withPort = /^([0-9.]+):[0-9]+$/.exec(value);
  if (withPort?.[1] !== undefined && new RegExp(IP_OR_CIDR).test(withPort[1])) {
    return `remove the port: the field matches addresses only, so write ${show(withPort[1])}`;
  }
  const hexForm = value.replace(
    /:([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(\/[0-9]+)?$/,
    (_match, a: string, b: string, c: string, d: string, prefix = '') =>
      `:${hexGroup(a, b)}:${hexGroup(c, d)}${prefix}`,
  );
  if (hexForm !== value && new RegExp(IP_OR_CIDR).test(hexForm)) {
    return `write the embedded IPv4 address as two hex groups: ${show(hexForm)}`;
  }
  return 'write one address or block per item, without a port, range or *';
}

// Two IPv4 numbers as one IPv6 hex group.
function hexGroup(high: string, low: string): string {
  return ((Number(high) << 8) | Number(low)).toString(16);
}

// Requests carry an internationalized host in punycode, so a host in Unicode never matches.
function hostFix(value: string): string {
  const suggestion = suggestHost(value);
  if (/[^\0-\x7f]/u.test(value)) {
    return withSuggestion('write an internationalized host in punycode (xn--...)', suggestion);
  }
  return withSuggestion('write the host only', suggestion);
}

// The host of a URL such as https://api.example.com/v1, in punycode.
function suggestHost(value: string): string | undefined {
  const written = /^(?:[A-Za-z][-A-Za-z0-9+.]*:\/\/)?([^/\s]+)/u.exec(value.trim())?.[1];
  const host = written === undefined ? undefined : punycodeHost(written);
  return host !== undefined && host !== value && new RegExp(HOST, 'u').test(host)
    ? host
    : undefined;
}

// Each label with non-ASCII characters in punycode; a :port or :* after the name stays.
function punycodeHost(host: string): string | undefined {
  const colon = host.lastIndexOf(':');
  const name = colon < 0 ? host : host.slice(0, colon);
  const port = colon < 0 ? '' : host.slice(colon);
  const labels: string[] = [];
  for (const label of name.split('.')) {
    const ascii = /^[\0-\x7f]*$/u.test(label) ? label : domainToASCII(label);
    if (ascii === '') return undefined; // empty, or no name punycode can write
    labels.push(ascii);
  }
  return `${labels.join('.')}${port}`;
}

function qualifiedNameFix(key: string): string {
  if (key.includes('*')) {
    return 'a * is no wildcard in a label key, and Istio matches selector labels exactly; give the exact key';
  }
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (name.length > MAX_LABEL_NAME_LENGTH) {
    return `shorten the name after the prefix to at most ${MAX_LABEL_NAME_LENGTH} characters (it has ${name.length})`;
  }
  return 'rename the key, such as example.com/team';
}

function withSuggestion(fix: string, suggestion: string | undefined): string {
  return suggestion === undefined ? fix : `${fix}, for example ${show(suggestion)}`;
}
