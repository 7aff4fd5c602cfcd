// Checks Istio security resources offline: for every AuthorizationPolicy, PeerAuthentication and
// RequestAuthentication (security.istio.io v1 and v1beta1) in the YAML given, reports what Istio's
// CRDs reject, what istiod's validating webhook rejects, and lint warnings for valid but risky
// configurations. Other kinds and empty documents are skipped and counted; the items of a List
// are checked like documents, their findings' paths starting with the item (`items[2].spec`).
// Input without any document (an empty file, or empty standard input when helm failed) is an
// error.
//
//   npm run check -- [--format text|json] [--strict] FILE...
//   helm template ... | npm run check -- -
//
// Findings go to stdout (one line each, or one JSON array with --format json), a summary line to
// stderr. Exit 0 without errors, 1 with errors (or with warnings under --strict), 2 for usage
// errors and unreadable input. Relative file names are read from where npm was run ($INIT_CWD).

import { isEntryPoint, runMain, UsageError } from './lib/errors.js';
import { formatFinding, formatJson, summary } from './lib/check/format.js';
import { readInputs, STDIN } from './lib/check/read.js';
import { checkDocuments, sortFindings } from './lib/check/run.js';
import type { CheckFinding } from './lib/check/types.js';
import { enterInvocationDirectory } from './lib/values-files.js';

const FORMATS = ['text', 'json'] as const;
type Format = (typeof FORMATS)[number];
const USAGE = `usage: npm run check -- [--format text|json] [--strict] FILE...
  FILE        YAML manifests to check; - reads standard input
  --format    text (default): one finding a line; json: one JSON array of findings
  --strict    exit 1 on warnings too`;

/** What the command line asks for. */
export interface CheckArguments {
  format: Format;
  strict: boolean;
  files: string[];
}

function main(argv: readonly string[]): void {
  if (argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const options = parseArguments(argv);
  enterInvocationDirectory();
  const input = readInputs(options.files);
  const findings = sortFindings([...input.findings, ...checkDocuments(input.documents)]);
  printFindings(findings, options.format);
  console.error(
    `check: ${summary({ documents: input.documents.length, skipped: input.skipped, findings })}`,
  );
  process.exitCode = exitCode(findings, options.strict);
}

/** Flags and files; throws UsageError for anything else. */
export function parseArguments(argv: readonly string[]): CheckArguments {
  const options: CheckArguments = { format: 'text', strict: false, files: [] };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    if (argument === '--') {
      options.files.push(...argv.slice(index + 1));
      break;
    }
    if (argument === '--strict') options.strict = true;
    else if (argument === '--format') options.format = formatOf(argv[(index += 1)]);
    else if (argument.startsWith('--format=')) options.format = formatOf(argument.slice(9));
    else if (argument.startsWith('-') && argument !== STDIN) {
      throw new UsageError(`unknown flag ${argument}\n${USAGE}`);
    } else options.files.push(argument);
  }
  if (options.files.length === 0) throw new UsageError(`no FILE given\n${USAGE}`);
  return options;
}

/** 1 with an error, or with a warning under --strict; else 0. */
export function exitCode(findings: readonly CheckFinding[], strict: boolean): number {
  const failing = findings.filter(({ severity }) => strict || severity === 'error');
  return failing.length > 0 ? 1 : 0;
}

function formatOf(value: string | undefined): Format {
  if (FORMATS.includes(value as Format)) return value as Format;
  throw new UsageError(`--format takes text or json, not ${value ?? 'nothing'}\n${USAGE}`);
}

function printFindings(findings: readonly CheckFinding[], format: Format): void {
  if (format === 'json') console.log(formatJson(findings));
  else for (const finding of findings) console.log(formatFinding(finding));
}


if (isEntryPoint(import.meta.url)) runMain('check', () => main(process.argv.slice(2)));
