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
// works. `npm run render` checks its values files with checkValuesFiles from here.
// Exit codes: 0 valid (warnings allowed), 1 invalid, 2 usage error (no files, unknown flag,
// invalid namespace, unreadable file).

import { isEntryPoint, runMain, UsageError } from './lib/errors.js';
import { namespaceProblem } from './lib/render-check.js';
import {
  DEFAULT_NAMESPACE,
  formatFinding,
  validateValues,
  type Finding,
} from './lib/validation.js';
import {
  isValuesMap,
  layerSpellings,
  loadValuesSource,
  ValuesSyntaxError,
  type DuplicateKey,
  type ValuesMap,
  type ValuesSource,
} from './lib/yaml-values.js';

const COMMAND = 'validate-values';
const YAML_ERROR = 'IZT-E-YAML';
/** The file named for a finding about a value that only the chart's defaults set. */
export const DEFAULTS_FILE = '(defaults)';
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

/** A finding and the values file to change for it (DEFAULTS_FILE when none sets the value). */
export interface Report extends Finding {
  file?: string;
  /** 1-based line in `file`, when the finding comes from reading the file. */
  line?: number;
}

export interface CheckFilesOptions {
  /** The release namespace the rules assume. */
  namespace: string;
  /** The directory relative file names are read from. */
  baseDir: string;
  /** False: only what each file's YAML tells (syntax, several documents, repeated keys). */
  rules?: boolean;
}

interface Layer {
  file: string;
  source?: ValuesSource;
  syntaxError?: ValuesSyntaxError;
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parseArguments(argv);
  if (options === undefined) return;
  const baseDir = invocationDirectory();
  const layers = options.files.map((file) => readLayer(file, baseDir));
  const runs = options.each ? layers.map((layer) => [layer]) : [layers];
  const results = runs.map((run) => validateRun(run, options.namespace));
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

/**
 * Checks values files layered in order, like helm -f FILE -f FILE: each file's YAML, then (unless
 * `rules` is false) the layered values with validateValues. Throws UsageError for an unreadable
 * file.
 */
export function checkValuesFiles(files: readonly string[], options: CheckFilesOptions): Report[] {
  const layers = files.map((file) => readLayer(file, options.baseDir));
  if (options.rules === false) return yamlReports(layers);
  return validateRun(layers, options.namespace);
}

/** One line for stderr: the file, then the finding. */
export function formatReport(report: Report): string {
  const line = formatFinding(report);
  return report.file === undefined ? line : `${report.file}: ${line}`;
}

/** Where the user ran npm (npm runs scripts from the project root and says so in INIT_CWD). */
export function invocationDirectory(): string {
  const initial = process.env.INIT_CWD;
  return initial === undefined || initial === '' ? process.cwd() : initial;
}

// An unreadable file is a usage error (thrown); a file Helm cannot parse is a finding.
function readLayer(file: string, baseDir: string): Layer {
  try {
    return { file, source: loadValuesSource(file, baseDir) };
  } catch (error) {
    if (error instanceof ValuesSyntaxError) return { file, syntaxError: error };
    throw error;
  }
}

function validateRun(layers: readonly Layer[], namespace: string): Report[] {
  const broken = layers.filter((layer) => layer.syntaxError !== undefined);
  if (broken.length > 0) return broken.map(syntaxReport);
  const sources = layers.flatMap(({ source }) => (source === undefined ? [] : [source]));
  const { errors, warnings } = validateValues(
    sources.map(({ values }) => values),
    { namespace, spellings: layerSpellings(sources) },
  );
  const findings = [...errors, ...warnings].map((finding) => ({
    file: sourceFile(finding.path, sources),
    ...finding,
  }));
  return [...sources.flatMap(duplicateReports), ...findings];
}

function yamlReports(layers: readonly Layer[]): Report[] {
  return layers.flatMap((layer) =>
    layer.source === undefined ? [syntaxReport(layer)] : duplicateReports(layer.source),
  );
}

function syntaxReport({ file, syntaxError }: Layer): Report {
  const line = syntaxError?.line;
  const reason = syntaxError?.reason ?? 'cannot be parsed';
  return {
    file,
    ...(line === undefined ? {} : { line }),
    severity: 'error',
    code: YAML_ERROR,
    path: line === undefined ? '(file)' : `line ${line}`,
    message: syntaxError?.helmFails === false ? reason : `${reason}; Helm cannot read this file`,
  };
}

// Helm, like js-yaml here, keeps the last of repeated keys without a word.
function duplicateReports({ file, duplicateKeys }: ValuesSource): Report[] {
  return duplicateKeys.map(({ path, firstLine, line }: DuplicateKey) => ({
    file,
    line,
    severity: 'error',
    code: YAML_ERROR,
    path,
    message: `appears twice in this map (${firstLine === line ? `line ${line}` : `lines ${firstLine} and ${line}`}); Helm keeps only the last one; remove or merge one of them`,
  }));
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

/**
 * Where a change for the value at `path` would go: the file that sets the longest part of the
 * path (a later file when two set as much), so a value the chart derives, such as a default
 * requireToken name, is blamed on the file with its entry; DEFAULTS_FILE when no file sets any.
 */
function sourceFile(path: string, layers: readonly { file: string; values: ValuesMap }[]): string {
  let best = { file: DEFAULTS_FILE, length: 0 };
  for (const { file, values } of layers) {
    const length = heldLength(values, path, 0, 0);
    if (length > 0 && length >= best.length) best = { file, length };
  }
  return best.file;
}

// Follows a dotted path such as a.b[0].c through the data from `start`, and returns where the
// longest part found in the data ends (`matched` when nothing more is found). Keys may
// themselves contain dots (policy names, label keys), so every key that fits is tried.
function heldLength(node: unknown, path: string, start: number, matched: number): number {
  const rest = path.slice(start);
  if (rest === '') return matched;
  const index = /^\[(\d+)\]/.exec(rest);
  if (index !== null) {
    const position = Number(index[1]);
    if (!Array.isArray(node) || position >= node.length) return matched;
    const end = start + index[0].length;
    return heldLength(node[position], path, skipDot(path, end), end);
  }
  if (!isValuesMap(node)) return matched;
  let longest = matched;
  for (const key of Object.keys(node)) {
    if (!isStepAt(path, start, key)) continue;
    const end = start + key.length;
    longest = Math.max(longest, heldLength(node[key], path, skipDot(path, end), end));
  }
  return longest;
}

// True when `key` is a whole step of `path` at `start`: a.b holds a, not just its first letter.
function isStepAt(path: string, start: number, key: string): boolean {
  const next = path[start + key.length];
  return (
    key !== '' &&
    path.startsWith(key, start) &&
    (next === undefined || next === '.' || next === '[')
  );
}

function skipDot(path: string, position: number): number {
  return path[position] === '.' ? position + 1 : position;
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
