// Reads values files the way Helm does and reports what is wrong with them, naming the file to
// change for each finding. Shared by `npm run validate` and `npm run render`.

import { UsageError } from './errors.js';
import { formatFinding, validateValues, type Finding } from './validation.js';
import {
  isValuesMap,
  layerSpellings,
  loadValuesSource,
  ValuesSyntaxError,
  type DuplicateKey,
  type ValuesMap,
  type ValuesSource,
} from './yaml-values.js';

const YAML_ERROR = 'IZT-E-YAML';
/** The file named for a finding about a value that only the chart's defaults set. */
export const DEFAULTS_FILE = '(defaults)';

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

/**
 * Moves into the directory npm was run in, so that relative file names on the command line mean
 * what they meant there. A directory that is gone is a usage error.
 */
export function enterInvocationDirectory(): void {
  const directory = invocationDirectory();
  try {
    process.chdir(directory);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot run in ${directory}, where npm was run: ${reason}`);
  }
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
