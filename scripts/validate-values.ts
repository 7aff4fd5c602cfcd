// Validates values files for the chart before Helm sees them: Helm's YAML reading and layering,
// the schema with clear messages, the chart's cross-field rules and warnings for risky values.
//
//   npm run validate -- values.yaml                     one file over the chart's defaults
//   npm run validate -- base.yaml prod.yaml             layered, like helm -f base.yaml -f prod.yaml
//   npm run validate -- --each a.yaml b.yaml            each file on its own over the defaults
//   npm run validate -- --format json values.yaml       findings as a JSON array on stdout
//   npm run validate -- --namespace shop values.yaml    the release namespace (default: default)
//
// Findings go to stderr, one a line, after the file to change: the last file that sets the value,
// else the last that sets the map holding it, else (defaults) for a value only the chart's
// defaults set. A one-line summary goes to stdout. Besides what Helm would refuse, a key written
// twice in one map is an error (Helm silently keeps the last one), and so is a file of several
// YAML documents (Helm 3 reads the first, Helm 4 merges them all). Relative file names are read
// from the directory npm was run in ($INIT_CWD), so `cd envs && npm run validate -- base.yaml`
// works. The checks live in scripts/lib/values-files.ts, which `npm run render` shares.
// Exit codes: 0 valid (warnings allowed), 1 invalid, 2 usage error (no files, unknown flag,
// invalid namespace, unreadable file).

import { isEntryPoint, runMain, UsageError } from './lib/errors.js';
import { namespaceProblem } from './lib/render-check.js';
import { DEFAULT_NAMESPACE } from './lib/validation.js';
import {
  checkValuesFiles,
  formatReport,
  invocationDirectory,
  type Report,
} from './lib/values-files.js';

const COMMAND = 'validate-values';
const FORMATS = ['text', 'json'] as const;
const USAGE = `usage: npm run validate -- [--each] [--format text|json] [--namespace NS] FILE...
  FILE...           values files, layered in order like helm -f FILE -f FILE
  --each            validate each file on its own over the chart's defaults
  --format json     print the findings as a JSON array on stdout
  --namespace NS    the release namespace the rules assume (default: ${DEFAULT_NAMESPACE})`;

type Format = (typeof FORMATS)[number];

interface Options {
  files: string[];
  each: boolean;
  format: Format;
  namespace: string;
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parseArguments(argv);
  if (options === undefined) return;
  const check = { namespace: options.namespace, baseDir: invocationDirectory() };
  const runs = options.each ? options.files.map((file) => [file]) : [options.files];
  const results = runs.map((files) => checkValuesFiles(files, check));
  const reports = results.flat();
  printReports(reports, options.format);
  printSummary(options, results);
  // Not thrown as CheckFailedError: every finding is out already, only the exit code is left.
  if (reports.some(({ severity }) => severity === 'error')) process.exitCode = 1;
}

/** The parsed options, or undefined after printing the usage for --help. */
export function parseArguments(argv: readonly string[]): Options | undefined {
  const options: Options = { files: [], each: false, format: 'text', namespace: DEFAULT_NAMESPACE };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    const [flag, inline] = splitFlag(argument);
    const value = (): string => {
      if (inline !== undefined) return inline;
      index += 1;
      return flagValue(argv[index], flag);
    };
    if (argument === '--') {
      options.files.push(...argv.slice(index + 1));
      break;
    } else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      return undefined;
    } else if (flag === '--each' && inline === undefined) {
      options.each = true;
    } else if (flag === '--format') {
      options.format = formatOf(value());
    } else if (flag === '--namespace' || flag === '-n') {
      options.namespace = namespaceOf(value(), flag);
    } else if (argument.startsWith('-') && argument !== '-') {
      throw new UsageError(`unknown flag ${argument}\n${USAGE}`);
    } else {
      options.files.push(argument);
    }
  }
  if (options.files.length === 0) throw new UsageError(`no values files given\n${USAGE}`);
  return options;
}

function printReports(reports: readonly Report[], format: Format): void {
  if (format === 'json') {
    console.log(JSON.stringify(reports, null, 2));
    return;
  }
  for (const report of reports) console.error(formatReport(report));
}

// The summary is the one line on stdout, except with --format json, where stdout is the JSON.
function printSummary(options: Options, results: readonly Report[][]): void {
  const reports = results.flat();
  const errors = reports.filter(({ severity }) => severity === 'error').length;
  const counts = `${plural(errors, 'error')}, ${plural(reports.length - errors, 'warning')}`;
  const invalidRuns = results.filter((run) => run.some(({ severity }) => severity === 'error'));
  const verdict = errors > 0 ? 'invalid' : 'valid';
  const subject = options.each
    ? `${errors > 0 ? `${invalidRuns.length} of ` : ''}${plural(options.files.length, 'file')}`
    : options.files.join(' + ');
  const line = `${verdict}: ${subject} (${counts})`;
  if (options.format === 'json') console.error(line);
  else console.log(line);
}

function splitFlag(argument: string): [string, string | undefined] {
  const equals = argument.indexOf('=');
  if (!argument.startsWith('--') || equals < 0) return [argument, undefined];
  return [argument.slice(0, equals), argument.slice(equals + 1)];
}

function flagValue(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} needs a value\n${USAGE}`);
  return value;
}

function namespaceOf(value: string, flag: string): string {
  const problem = namespaceProblem(value);
  if (problem !== undefined) {
    throw new UsageError(`${flag} ${value} is not a valid namespace: ${problem}\n${USAGE}`);
  }
  return value;
}

function formatOf(value: string): Format {
  const format = FORMATS.find((name) => name === value);
  if (format === undefined) {
    throw new UsageError(`--format must be ${FORMATS.join(' or ')}, not ${value}\n${USAGE}`);
  }
  return format;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

if (isEntryPoint(import.meta.url)) {
  runMain(COMMAND, () => main(process.argv.slice(2)));
}
