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
import { formatFinding } from './lib/check/format.js';
import { checkDocuments } from './lib/check/run.js';
import { explain } from './lib/explain/evaluate.js';
import { formatJson, formatTable, formatText, type BatchRow } from './lib/explain/format.js';
import { readManifests } from './lib/explain/manifests.js';
import {
  nearestOption,
  REPEATED_OPTIONS,
  REQUEST_OPTIONS,
  SWITCH_OPTIONS,
  toRequest,
  type RawOptions,
} from './lib/explain/request.js';
import type { IstioDocument } from './lib/check/types.js';
import { HELM_VALUES_SCHEMA } from './lib/yaml-values.js';
import { invocationDirectory } from './lib/values-files.js';

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
  const { documents } = readManifests(options.files, options.namespace);
  warnAboutInvalidDocuments(documents);
  if (options.batch === undefined) {
    const { request, mesh } = toRequest(options.request, (name) => `--${name}`);
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
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    const next = (): string => {
      const value = argv[index + 1];
      if (value === undefined || (value.startsWith('--') && value !== '--')) {
        throw new UsageError(`${argument} needs a value\n${USAGE}`);
      }
      index += 1;
      return value;
    };
    if (argument === '-f' || argument === '--filename') {
      const first = next();
      result.files.push(first);
      while (index + 1 < argv.length && !isOption(argv[index + 1] ?? '')) {
        result.files.push(argv[index + 1] ?? '');
        index += 1;
      }
    } else if (argument === '-n' || argument === '--namespace') {
      result.namespace = next();
    } else if (argument === '--format') {
      const format = next();
      if (format !== 'text' && format !== 'json') {
        throw new UsageError(`--format: "${format}" is not a format; write text or json`);
      }
      result.format = format;
    } else if (argument === '--batch') {
      result.batch = next();
    } else if (argument.startsWith('--')) {
      addRequestOption(result.request, argument, next);
    } else {
      throw new UsageError(`unexpected argument "${argument}"; give manifests with -f\n${USAGE}`);
    }
  }
  if (result.files.length === 0) {
    throw new UsageError(`give the manifests to simulate with -f FILE (- reads standard input)\n${USAGE}`);
  }
  if (result.batch === undefined && result.request.to === undefined) {
    throw new UsageError(`--to is required: the workload, as NAMESPACE/LABEL=VALUE (or give --batch FILE)\n${USAGE}`);
  }
  return result;
}

// `-` alone is standard input, not an option.
function isOption(argument: string): boolean {
  return argument.startsWith('-') && argument !== '-';
}

function addRequestOption(options: RawOptions, argument: string, next: () => string): void {
  const equals = argument.indexOf('=');
  const name = argument.slice(2, equals < 0 ? undefined : equals);
  const inline = equals < 0 ? undefined : argument.slice(equals + 1);
  if (!REQUEST_OPTIONS.includes(name)) {
    const near = nearestOption(name, [...REQUEST_OPTIONS, 'namespace', 'format', 'batch']);
    const hint = near === undefined ? 'see --help' : `did you mean --${near}?`;
    throw new UsageError(`unknown option --${name}; ${hint}`);
  }
  if ((SWITCH_OPTIONS as readonly string[]).includes(name)) {
    if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
    options[name] = true;
    return;
  }
  const value = inline ?? next();
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
  where: (option: string) => string;
}

/**
 * The entries of a --batch file. Options given on the command line (the mesh flags, say) apply
 * to every entry that does not set them itself.
 */
export function readBatch(file: string, defaults: RawOptions): BatchEntry[] {
  let parsed: unknown;
  try {
    parsed = yaml.load(readFileSync(file, 'utf8'), { schema: HELM_VALUES_SCHEMA });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`--batch ${file}: cannot read it: ${reason}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new UsageError(`--batch ${file}: write a YAML list of requests, e.g. - {to: foo/app=httpbin, method: GET}`);
  }
  return parsed.map((entry, index) => {
    const where = (option: string): string => `${file}: request ${index + 1}: ${option}`;
    const raw = batchOptions(entry, where);
    const label = typeof raw.name === 'string' ? raw.name : summarize({ ...defaults, ...raw });
    delete raw.name;
    return { label, raw: { ...defaults, ...raw }, where };
  });
}

function batchOptions(entry: unknown, where: (option: string) => string): RawOptions {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new UsageError(`${where('(entry)')}: write a map of options, e.g. {to: foo/app=httpbin, port: 8080}`);
  }
  const raw: RawOptions = {};
  for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
    const name = key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    if (name !== 'name' && !REQUEST_OPTIONS.includes(name)) {
      const near = nearestOption(name, REQUEST_OPTIONS);
      throw new UsageError(`${where(key)}: unknown key${near === undefined ? '' : `; did you mean ${near}?`}`);
    }
    if ((SWITCH_OPTIONS as readonly string[]).includes(name)) {
      if (value !== true && value !== false) throw new UsageError(`${where(key)}: write true or false`);
      if (value === true) raw[name] = true;
    } else if ((REPEATED_OPTIONS as readonly string[]).includes(name)) {
      raw[name] = pairsOf(value, where(key));
    } else if (typeof value === 'string' || typeof value === 'number') {
      raw[name] = String(value);
    } else {
      throw new UsageError(`${where(key)}: write one value, not ${Array.isArray(value) ? 'a list' : typeof value}`);
    }
  }
  return raw;
}

// A list of NAME=VALUE strings (or plain values), or a map NAME -> value or list of values.
function pairsOf(value: unknown, where: string): string[] {
  if (typeof value === 'string' || typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([name, values]) =>
      (Array.isArray(values) ? values : [values]).map((one) => `${name}=${String(one)}`),
    );
  }
  throw new UsageError(`${where}: write a list of NAME=VALUE or a map`);
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

// Policies Istio's admission refuses never reach a proxy; say so rather than simulate silently.
function warnAboutInvalidDocuments(documents: readonly IstioDocument[]): void {
  const errors = checkDocuments(documents).filter((finding) => finding.severity === 'error');
  if (errors.length === 0) return;
  console.error(`explain: warning: Istio would refuse ${errors.length === 1 ? 'this' : 'these'} (npm run check explains); they are simulated as written:`);
  for (const finding of errors) console.error(`  ${formatFinding(finding)}`);
}

function enterInvocationDirectory(): void {
  const directory = invocationDirectory();
  try {
    process.chdir(directory);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot run in ${directory}, where npm was run: ${reason}`);
  }
}

if (isEntryPoint(import.meta.url)) runMain('explain', () => main(process.argv.slice(2)));
