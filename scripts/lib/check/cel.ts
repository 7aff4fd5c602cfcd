// Evaluates the CEL rules of Istio's CRDs (x-kubernetes-validations) with @bufbuild/cel, plus the
// few functions the Kubernetes API server adds to CEL that these rules use.
//
// Kubernetes compiles CRD rules with cel-go and its own libraries; @bufbuild/cel implements the
// CEL standard library. What the Istio rules need beyond it, implemented below the way Go does it:
//   - url(string) and URL.getScheme() (Kubernetes' URL library, built on Go's net/url);
//   - int(string) as Go's strconv.ParseInt (the library's int() would also take ' 8', '0x50');
//   - duration(string) as Go's time.ParseDuration (the library's refuses the 'μs' spelling).
// Other Kubernetes CEL libraries (quantity, ip, cidr, regex, lists, authz) are not provided: no
// Istio security CRD rule uses them, and a rule calling one fails to evaluate and is reported.
//
//   import { compileRule } from './cel.js';
//   const rule = compileRule('self.size() == 0');
//   rule.evaluate('shop'); // false, or a CelError

import {
  celEnv,
  celError,
  celFunc,
  celMethod,
  CelScalar,
  isCelError,
  mapType,
  objectType,
  parse,
  plan,
  type CelError,
  type CelInput,
} from '@bufbuild/cel';
import { create } from '@bufbuild/protobuf';
import { DurationSchema } from '@bufbuild/protobuf/wkt';

const { INT, STRING } = CelScalar;
// A parsed URL travels as a map of its parts; only these functions ever see one.
const URL_TYPE = mapType(STRING, STRING);
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const NANOS_PER_SECOND = 1_000_000_000n;
const DURATION_UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek small letter mu
  ms: 1_000_000n,
  s: NANOS_PER_SECOND,
  m: 60n * NANOS_PER_SECOND,
  h: 3600n * NANOS_PER_SECOND,
};
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
// Characters Go's net/url accepts unescaped in a host (besides letters, digits and non-ASCII).
const HOST_CHARACTER = /^[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"\u0080-\uffff]$/;
const USERINFO = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

const KUBERNETES_FUNCTIONS = [
  celFunc('url', [STRING], URL_TYPE, (text) => new Map([['scheme', parseGoUrlScheme(text)]])),
  celMethod('getScheme', URL_TYPE, [], STRING, function getScheme() {
    return String(this.get('scheme') ?? '');
  }),
  celFunc('int', [STRING], INT, parseGoInt),
  celFunc('duration', [STRING], objectType(DurationSchema), goDuration),
];
const ENVIRONMENT = celEnv({ funcs: KUBERNETES_FUNCTIONS });

/** A rule compiled once, evaluated with `self` bound to each value it applies to. */
export interface CompiledRule {
  evaluate(self: unknown): boolean | CelError;
}

/** Parses and plans `rule`; throws when the text is not CEL. */
export function compileRule(rule: string): CompiledRule {
  const program = plan(ENVIRONMENT, parse(rule));
  return {
    evaluate(self) {
      const result = program({ self: toCel(self) });
      if (isCelError(result) || typeof result === 'boolean') return result;
      return celError(`the rule gave ${String(result)}, not a bool`);
    },
  };
}

/**
 * A parsed YAML value as the API server hands it to CEL: maps as maps, whole numbers as int, and
 * null map entries dropped (the API server prunes nulls of non-nullable fields first).
 */
export function toCel(value: unknown): CelInput {
  if (Array.isArray(value)) return value.map(toCel);
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== null);
    return new Map(entries.map(([key, item]) => [key, toCel(item)]));
  }
  return value as CelInput;
}

/** Go's strconv.ParseInt(text, 10, 64). */
export function parseGoInt(text: string): bigint {
  const value = /^[-+]?\d+$/.test(text) ? BigInt(text) : undefined;
  if (value === undefined) throw new Error(`strconv.ParseInt: parsing "${text}": invalid syntax`);
  if (value > INT64_MAX || value < INT64_MIN) {
    throw new Error(`strconv.ParseInt: parsing "${text}": value out of range`);
  }
  return value;
}

/** Nanoseconds of a Go duration such as `1h30m` or `500ms` (time.ParseDuration); throws. */
export function parseGoDuration(text: string): bigint {
  const invalid = (): Error => new Error(`time: invalid duration "${text}"`);
  const negative = text.startsWith('-');
  let rest = text.replace(/^[-+]/, '');
  if (rest === '0') return 0n;
  if (rest === '') throw invalid();
  let total = 0n;
  while (rest !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest);
    const [whole = '', fraction = ''] = [number?.[1], number?.[2]];
    if (whole === '' && fraction === '') throw invalid();
    rest = rest.slice(number?.[0].length ?? 0);
    const unitText = /^[^\d.]*/.exec(rest)?.[0] ?? '';
    const unit = DURATION_UNITS[unitText];
    if (unit === undefined) throw new Error(`time: unknown unit "${unitText}" in "${text}"`);
    rest = rest.slice(unitText.length);
    total += BigInt(whole || '0') * unit;
    total += (BigInt(fraction || '0') * unit) / 10n ** BigInt(fraction.length);
    if (total > INT64_MAX + (negative ? 1n : 0n)) throw invalid();
  }
  return negative ? -total : total;
}

function goDuration(text: string): CelInput {
  const nanoseconds = parseGoDuration(text);
  return create(DurationSchema, {
    seconds: nanoseconds / NANOS_PER_SECOND,
    nanos: Number(nanoseconds % NANOS_PER_SECOND),
  });
}

/**
 * The scheme of `text` as Kubernetes' url() reads it: Go's url.ParseRequestURI must accept the
 * text (an absolute URL or an absolute path), and the scheme comes out lower-cased. Throws where
 * Go fails: control characters, a missing scheme before ':', a relative reference, a bad port,
 * host or user info, a broken %-escape.
 */
export function parseGoUrlScheme(text: string): string {
  const fail = (reason: string): never => {
    throw new Error(`URL parse error during conversion from string: ${reason}`);
  };
  if (CONTROL_CHARACTER.test(text)) fail('net/url: invalid control character in URL');
  if (text === '') fail('empty url');
  if (text === '*') return '';
  const colon = text.indexOf(':');
  const head = colon < 0 ? '' : text.slice(0, colon);
  if (colon === 0) fail('missing protocol scheme');
  const scheme = SCHEME.test(head) ? head.toLowerCase() : '';
  let rest = scheme === '' ? text : text.slice(colon + 1);
  rest = rest.split('?')[0] ?? '';
  if (!rest.startsWith('/')) {
    if (scheme === '') fail('invalid URI for request');
    return scheme;
  }
  if (scheme !== '' && rest.startsWith('//')) {
    const authorityEnd = rest.indexOf('/', 2);
    checkAuthority(authorityEnd < 0 ? rest.slice(2) : rest.slice(2, authorityEnd), fail);
    rest = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  }
  if (BAD_ESCAPE.test(rest)) fail(`invalid URL escape in "${rest}"`);
  return scheme;
}

function checkAuthority(authority: string, fail: (reason: string) => never): void {
  const at = authority.lastIndexOf('@');
  if (at >= 0 && !USERINFO.test(authority.slice(0, at))) fail('net/url: invalid userinfo');
  const host = authority.slice(at + 1);
  const portStart = host.startsWith('[') ? host.indexOf(']') + 1 : host.lastIndexOf(':');
  if (host.startsWith('[') && portStart === 0) fail(`missing ']' in host`);
  const port = portStart <= 0 ? '' : host.slice(portStart);
  if (port !== '' && !/^:\d*$/.test(port)) fail(`invalid port "${port}" after host`);
  const name = portStart <= 0 ? host : host.slice(0, portStart);
  if (host.startsWith('[')) return;
  if (BAD_ESCAPE.test(name)) fail(`invalid URL escape in host "${name}"`);
  for (const character of name.replace(/%[0-9A-Fa-f]{2}/g, '')) {
    if (!HOST_CHARACTER.test(character)) fail(`invalid character "${character}" in host name`);
  }
}
