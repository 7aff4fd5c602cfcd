// How Istio compares one value of a policy with one attribute of a request, on Envoy proxies:
// the string forms (exact, `prefix*`, `*suffix`, `*` for presence), namespaces as patterns,
// IP blocks, URI templates in paths, and the path normalization Istio applies by default (BASE).

import { BlockList, isIP } from 'node:net';

/**
 * Exact, prefix (`abc*`), suffix (`*abc`) or presence (`*`, any non-empty value). A leading `*`
 * wins, and an inner `*` is literal. An absent attribute matches no value.
 */
export function matchString(
  pattern: string,
  value: string | undefined,
  ignoreCase = false,
): boolean {
  if (value === undefined) return false;
  const wanted = ignoreCase ? pattern.toLowerCase() : pattern;
  const actual = ignoreCase ? value.toLowerCase() : value;
  if (wanted === '*') return actual !== '';
  if (wanted.startsWith('*')) return actual.endsWith(wanted.slice(1));
  if (wanted.endsWith('*')) return actual.startsWith(wanted.slice(0, -1));
  return actual === wanted;
}

/** True when `value` matches any of the patterns. */
export function matchAny(
  patterns: readonly string[],
  value: string | undefined,
  ignoreCase = false,
): boolean {
  return patterns.some((pattern) => matchString(pattern, value, ignoreCase));
}

/** Envoy proxies compile namespace patterns to a regex in which every `*` means any text. */
export function matchNamespace(pattern: string, namespace: string | undefined): boolean {
  if (namespace === undefined) return false;
  const source = pattern.split('*').map(escapeRegex).join('.*');
  return new RegExp(`^${source}$`).test(namespace);
}

/** An IP or CIDR block holding the address; an unparsable block or an absent address is no match. */
export function matchIpBlock(block: string, address: string | undefined): boolean {
  if (address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  const [base = '', prefixText] = block.split('/');
  const blockFamily = isIP(base);
  if (blockFamily !== family) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  if (prefixText === undefined) {
    list.addAddress(base, type);
  } else {
    const prefix = Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return false;
    list.addSubnet(base, prefix, type);
  }
  return list.check(address, type);
}

/** A path pattern: an Envoy URI template (`/a/{*}/b/{**}`) or one of the string forms. */
export function matchPath(pattern: string, path: string | undefined): boolean {
  if (path === undefined) return false;
  if (!isUriTemplate(pattern)) return matchString(pattern, path);
  const source = pattern
    .split('/')
    .map((segment) => {
      if (segment === '{*}') return '[^/]+';
      if (segment === '{**}') return '.*';
      return escapeRegex(segment);
    })
    .join('/');
  return new RegExp(`^${source}$`).test(path);
}

function isUriTemplate(pattern: string): boolean {
  return pattern.includes('{*}') || pattern.includes('{**}');
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The path authorization sees under Istio's default normalization (BASE): the query string and
 * fragment removed, `\` read as `/`, percent-encoded unreserved characters decoded, and `.` and
 * `..` segments resolved. `//` is kept (merging slashes is not the default).
 */
export function normalizePath(path: string): string {
  const withoutQuery = path.replace(/[?#].*$/s, '');
  const slashes = withoutQuery.replace(/\\/g, '/');
  const decoded = slashes.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
    const character = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(character) ? character : encoded.toUpperCase();
  });
  return removeDotSegments(decoded);
}

// RFC 3986 section 5.2.4.
function removeDotSegments(path: string): string {
  const output: string[] = [];
  const segments = path.split('/');
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '.') {
      if (last) output.push('');
    } else if (segment === '..') {
      if (output.length > 1) output.pop();
      if (last) output.push('');
    } else {
      output.push(segment);
    }
  });
  const joined = output.join('/');
  return joined.startsWith('/') || joined === '' ? joined || '/' : `/${joined}`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
