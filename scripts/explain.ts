// Answers "would this request be allowed, and which policy decides?" offline, from rendered
// manifests, following Istio's documented semantics for sidecars and gateways: PeerAuthentication
// (a plaintext caller and STRICT), RequestAuthentication (an invalid token is 401, a missing one
// passes), then CUSTOM, DENY and ALLOW policies, with dry-run policies reported, not enforced.
//
//   npm run explain -- -f MANIFESTS... --to NAMESPACE/LABEL=VALUE[,LABEL=VALUE] [request flags]
//   npm run explain -- -f MANIFESTS... --batch REQUESTS.yaml [--format json]
//
// The decision goes to stdout: a headline and the steps (text), the JSON object, or for --batch
// a table or JSON array. Exit 0 when evaluated (allowed or denied), 2 for usage errors and
// unreadable manifests. Relative file names are read from where npm was run ($INIT_CWD).

import { readFileSync } from 'node:fs';

import yaml from 'js-yaml';

import { isEntryPoint, runMain, UsageError } from './lib/errors.js';
import { STDIN } from './lib/check/read.js';
import { explain } from './lib/explain/evaluate.js';
import { formatJson, formatTable, formatText, type BatchRow } from './lib/explain/format.js';
import { readManifests, type Manifests } from './lib/explain/manifests.js';
import { inputWarnings } from './lib/explain/warnings.js';
import {
  nearestOption,
  REPEATED_OPTIONS,
  REQUEST_OPTIONS,
  SWITCH_OPTIONS,
  toRequest,
  type RawOptions,
  type Where,
} from './lib/explain/request.js';
import { enterInvocationDirectory } from './lib/values-files.js';

const USAGE = `usage: npm run explain -- -f MANIFESTS... --to NAMESPACE/LABEL=VALUE[,LABEL=VALUE] [options]
       npm run explain -- -f MANIFESTS... --batch REQUESTS.yaml [--format text|json]
  -f FILE...              manifests (YAML, Lists, or a scenario file with resources:); - reads stdin
  -n, --namespace NS      namespace of documents without one, as kubectl -n (default: default)
  --to NS/LABEL=VALUE     the receiving workload: its namespace and pod labels
  --port N                the workload's port (the container port, not the Service port)
  --protocol http|tcp     default http
  --from TD/ns/NS/sa/SA   an mTLS caller; or --from-namespace NS [--from-sa SA (default: default)]
  --plaintext             a caller without mTLS identity (also the default without --from)
  --method M  --path P  --host H  --header NAME=VALUE (repeatable)
  --source-ip IP          the direct peer's address;  --remote-ip IP  the original client's
  --jwt-issuer I  --jwt-subject S  --jwt-claim NAME=VALUE (repeatable; aud, azp, groups, ...)
  --jwt-invalid           the token fails verification
  --root-namespace NS     default istio-system;  --trust-domain TD  default cluster.local
  --trust-domain-alias TD (repeatable)
  --ext-authz allow|deny  what the external authorizer of a matching CUSTOM policy answers (allow)
  --batch FILE            a YAML list of requests, keys as the long options without dashes
  --format text|json      default text`;

interface Arguments {
  files: string[];
  namespace: string;
  format: 'text' | 'json';
  batch?: string;
  request: RawOptions;
}

function main(argv: readonly string[]): void {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const options = parseArguments(argv);
  enterInvocationDirectory();
  const manifests = readManifests(options.files, options.namespace);
  warnAboutInput(manifests);
  const { documents } = manifests;
  if (options.batch === undefined) {
    const { request, mesh } = toRequest(options.request);
    const decision = explain(documents, request, mesh);
    console.log(options.format === 'json' ? formatJson(decision) : formatText(decision));
    return;
  }
  const rows = readBatch(options.batch, options.request).map(({ label, raw, where }) => {
    const { request, mesh } = toRequest(raw, where);
    return { label, raw, decision: explain(documents, request, mesh) };
  });
  console.log(options.format === 'json' ? batchJson(rows) : formatTable(rows));
}

/** Flags, files and request options; throws UsageError for anything else. */
export function parseArguments(argv: readonly string[]): Arguments {
  const result: Arguments = { files: [], namespace: 'default', format: 'text', request: {} };
  const seen = new Set<string>();
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    const equals = argument.startsWith('--') ? argument.indexOf('=') : -1;
    const flag = equals < 0 ? argument : argument.slice(0, equals);
    const inline = equals < 0 ? undefined : argument.slice(equals + 1);
    const next = (): string => {
      if (inline !== undefined) return inline;
      const value = argv[index + 1];
      if (value === undefined || (isOption(value) && !/^-\d/.test(value))) {
        throw new UsageError(`${flag} needs a value\n${USAGE}`);
      }
      index += 1;
      return value;
    };
    const once = (): void => {
      const key = flag === '-n' ? '--namespace' : flag === '-f' ? '--filename' : flag;
      if (key !== '--filename' && seen.has(key)) throw new UsageError(`${flag} is given twice; give it once`);
      seen.add(key);
    };
    if (flag === '-f' || flag === '--filename') {
      result.files.push(next());
      while (inline === undefined && index + 1 < argv.length && !isOption(argv[index + 1] ?? '')) {
        result.files.push(argv[index + 1] ?? '');
        index += 1;
      }
    } else if (flag === '-n' || flag === '--namespace') {
      once();
      result.namespace = next();
    } else if (flag === '--format') {
      once();
      const format = next();
      if (format !== 'text' && format !== 'json') {
        throw new UsageError(`--format: "${format}" is not a format; write text or json`);
      }
      result.format = format;
    } else if (flag === '--batch') {
      once();
      result.batch = next();
    } else if (flag.startsWith('--') && flag.length > 2) {
      addRequestOption(result.request, flag.slice(2), inline, next);
    } else {
      throw new UsageError(`unexpected argument "${argument}"; give manifests with -f and the request with options\n${USAGE}`);
    }
  }
  if (result.files.length === 0) {
    throw new UsageError(`give the manifests to simulate with -f FILE (- reads standard input)\n${USAGE}`);
  }
  if (result.batch === undefined && result.request.to === undefined) {
    throw new UsageError(`--to is required: the workload, as NAMESPACE/LABEL=VALUE (or give --batch FILE)\n${USAGE}`);
  }
  if (result.batch === STDIN && result.files.includes(STDIN)) {
    throw new UsageError('standard input can hold the manifests or the batch, not both');
  }
  return result;
}

// `-` alone is standard input, not an option.
function isOption(argument: string): boolean {
  return argument.startsWith('-') && argument !== '-';
}

function addRequestOption(
  options: RawOptions,
  name: string,
  inline: string | undefined,
  next: () => string,
): void {
  if (!REQUEST_OPTIONS.includes(name)) {
    const near = nearestOption(name, [...REQUEST_OPTIONS, 'namespace', 'format', 'batch', 'filename']);
    const hint = near === undefined ? 'see --help' : `did you mean --${near}?`;
    throw new UsageError(`unknown option --${name}; ${hint}`);
  }
  if ((SWITCH_OPTIONS as readonly string[]).includes(name)) {
    if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
    options[name] = true;
    return;
  }
  const value = next();
  if ((REPEATED_OPTIONS as readonly string[]).includes(name)) {
    const previous = options[name];
    options[name] = [...(Array.isArray(previous) ? previous : []), value];
    return;
  }
  if (options[name] !== undefined) throw new UsageError(`--${name} is given twice; give it once`);
  options[name] = value;
}

interface BatchEntry {
  label: string;
  raw: RawOptions;
  where: Where;
}

/**
 * The entries of a --batch file (`-` reads standard input). Scalars are read as written, as
 * strings (no YAML 1.1 booleans or numbers: `yes` stays yes, `0123` stays 0123), except `true`
 * and `false` for the switches. Options given on the command line apply to every entry that
 * does not set them itself.
 */
export function readBatch(file: string, defaults: RawOptions): BatchEntry[] {
  let parsed: unknown;
  try {
    parsed = yaml.load(readFileSync(file === STDIN ? 0 : file, 'utf8'), { schema: yaml.FAILSAFE_SCHEMA });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`--batch ${file}: cannot read it: ${reason}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new UsageError(`--batch ${file}: write a YAML list of requests, e.g. - {to: foo/app=httpbin, method: GET}`);
  }
  return parsed.map((entry, index) => {
    const where: Where = { prefix: `${file}: request ${index + 1}: `, option: (name) => name };
    const { label, options, off } = batchOptions(entry, where);
    const inherited = Object.fromEntries(Object.entries(defaults).filter(([key]) => !off.includes(key)));
    const raw = { ...inherited, ...options };
    return { label: label ?? summarize(raw), raw, where };
  });
}

function batchOptions(
  entry: unknown,
  where: Where,
): { label: string | undefined; options: RawOptions; off: string[] } {
  const fail = (message: string): never => {
    throw new UsageError(`${where.prefix}${message}`);
  };
  if (!isMap(entry)) {
    return fail('write a map of options, e.g. {to: foo/app=httpbin, port: 8080}');
  }
  const options: RawOptions = {};
  const off: string[] = [];
  let label: string | undefined;
  for (const [key, value] of Object.entries(entry)) {
    const name = key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    if (name === 'name') {
      if (typeof value !== 'string') return fail('name: write one line of text');
      label = value;
      continue;
    }
    if (!REQUEST_OPTIONS.includes(name)) {
      const near = nearestOption(name, [...REQUEST_OPTIONS, 'name']);
      return fail(`${key}: unknown key${near === undefined ? '' : `; did you mean ${near}?`}`);
    }
    if (name in options || off.includes(name)) return fail(`${key}: given twice (as ${name}); give it once`);
    if ((SWITCH_OPTIONS as readonly string[]).includes(name)) {
      if (value === 'true') options[name] = true;
      else if (value === 'false') off.push(name);
      else fail(`${key}: write true or false`);
    } else if ((REPEATED_OPTIONS as readonly string[]).includes(name)) {
      options[name] = pairsOf(value, key, fail);
    } else if (typeof value === 'string') {
      options[name] = value;
    } else {
      fail(`${key}: write one value, not ${Array.isArray(value) ? 'a list' : value === null ? 'nothing' : 'a map'}`);
    }
  }
  return { label, options, off };
}

// A list of NAME=VALUE strings (or plain values), or a map NAME -> value or list of values.
function pairsOf(value: unknown, key: string, fail: (message: string) => never): string[] {
  const scalar = (one: unknown): string =>
    typeof one === 'string' ? one : fail(`${key}: write plain values, not ${one === null ? 'nothing' : 'a nested list or map'}`);
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map(scalar);
  if (isMap(value)) {
    return Object.entries(value).flatMap(([name, values]) =>
      (Array.isArray(values) ? values : [values]).map((one) => `${name}=${scalar(one)}`),
    );
  }
  return fail(`${key}: write a list of NAME=VALUE or a map`);
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function summarize(raw: RawOptions): string {
  const parts = [raw.method, raw.to, raw.path, raw.port === undefined ? undefined : `:${String(raw.port)}`];
  return parts.filter((part) => typeof part === 'string').join(' ');
}

function batchJson(rows: readonly (BatchRow & { raw: RawOptions })[]): string {
  return JSON.stringify(
    rows.map(({ label, raw, decision }) => ({ request: label, options: raw, ...decision })),
    null,
    2,
  );
}

function warnAboutInput(manifests: Manifests): void {
  for (const warning of inputWarnings(manifests)) console.error(`explain: warning: ${warning}`);
}


if (isEntryPoint(import.meta.url)) runMain('explain', () => main(process.argv.slice(2)));
