// Golden cases: values files whose exact `helm template` output (or exact chart failure message)
// is kept in the repository, so every change to what the chart renders shows up as a diff.
//
// Layout (release name `golden`, namespace from namespace.txt or `shop`):
//   test/golden/<case>/values.yaml            values, then any values-*.yaml in name order
//   test/golden/<case>/namespace.txt          optional release namespace
//   test/golden/<case>/expected.yaml          the exact helm template output
//   test/golden/_error_/<case>/values.yaml    values the chart must refuse
//   test/golden/_error_/<case>/expected-error.txt
//       the chart's failure message after Helm's "execution error at (...): ", newline-ended
// Other directories starting with `_` (such as _schema_error_) belong to other tests.
//
// Used by scripts/test-golden.ts (check and --update) and test/golden.test.ts.

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { helmError, helmTemplate } from './helm-template.js';
import { PROJECT_ROOT } from './paths.js';

export const GOLDEN_DIR = path.join(PROJECT_ROOT, 'test', 'golden');
export const ERROR_CASES_DIR = '_error_';
export const GOLDEN_RELEASE = 'golden';
export const DEFAULT_NAMESPACE = 'shop';
export const UPDATE_COMMAND = 'npm run test:golden -- --update';

const VALUES_FILE = 'values.yaml';
const EXTRA_VALUES_FILE = /^values-.+\.yaml$/;
const NAMESPACE_FILE = 'namespace.txt';
const EXPECTED_OUTPUT = 'expected.yaml';
const EXPECTED_ERROR = 'expected-error.txt';
// Helm's hint after a failed render; not part of the chart's message.
const DEBUG_HINT = /\s*Use --debug flag to render out invalid YAML\s*$/;

export interface GoldenCase {
  /** `authz-deny-by-path`, or `_error_/<case>` for an expected failure. */
  name: string;
  dir: string;
  expectsError: boolean;
  /** values.yaml first, then the values-*.yaml files in name order. */
  valueFiles: string[];
  namespace: string;
  /** expected.yaml, or expected-error.txt for an expected failure. */
  expectedFile: string;
}

/** What one render gave: the manifests, or the chart's failure message. */
export interface GoldenOutcome {
  ok: boolean;
  /** The manifests when ok; else the failure message with a final newline. */
  text: string;
}

/** Every golden case under `root`, sorted by name; throws on a case without values.yaml. */
export function listGoldenCases(root: string = GOLDEN_DIR): GoldenCase[] {
  const cases = subdirectories(root)
    .filter((name) => !name.startsWith('_'))
    .map((name) => loadCase(root, name, false));
  const errorRoot = path.join(root, ERROR_CASES_DIR);
  for (const name of existsSync(errorRoot) ? subdirectories(errorRoot) : []) {
    cases.push(loadCase(errorRoot, name, true));
  }
  return cases;
}

/** Renders a case with the given Helm binary; never throws for a failed render. */
export function renderGoldenCase(goldenCase: GoldenCase, helm: string): GoldenOutcome {
  const result = helmTemplate({
    helm,
    release: GOLDEN_RELEASE,
    namespace: goldenCase.namespace,
    valueFiles: goldenCase.valueFiles,
  });
  if (result.ok) return { ok: true, text: result.stdout };
  return { ok: false, text: failureText(result.stderr) };
}

/** The chart's failure message as expected-error.txt holds it. */
export function failureText(stderr: string): string {
  return `${helmError(stderr).replace(DEBUG_HINT, '')}\n`;
}

/** The expected file's content, or undefined when it does not exist yet. */
export function readExpected(goldenCase: GoldenCase): string | undefined {
  const file = goldenCase.expectedFile;
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** Why an outcome does not match the case's expected file, or undefined when it matches. */
export function describeMismatch(
  goldenCase: GoldenCase,
  outcome: GoldenOutcome,
): string | undefined {
  const expected = readExpected(goldenCase);
  const file = path.relative(PROJECT_ROOT, goldenCase.expectedFile);
  if (expected === undefined) return `${file} is missing; run \`${UPDATE_COMMAND}\``;
  if (goldenCase.expectsError && outcome.ok) return 'the chart rendered; a failure is expected';
  if (!goldenCase.expectsError && !outcome.ok) return `the chart failed: ${outcome.text.trimEnd()}`;
  if (outcome.text === expected) return undefined;
  return `differs from ${file}: ${firstDifference(expected, outcome.text)}`;
}

/**
 * Writes the outcome to the case's expected file when it differs; returns whether it wrote.
 * Throws when the outcome is of the wrong kind (a failure for a render case, or the reverse).
 */
export function updateExpected(goldenCase: GoldenCase, outcome: GoldenOutcome): boolean {
  if (outcome.ok === goldenCase.expectsError) {
    const got = outcome.ok ? 'rendered' : `failed: ${outcome.text.trimEnd()}`;
    throw new Error(`${goldenCase.name}: the chart ${got}; fix the values or move the case`);
  }
  if (readExpected(goldenCase) === outcome.text) return false;
  writeFileSync(goldenCase.expectedFile, outcome.text);
  return true;
}

/** `line N: expected "...", got "..."`, for a short drift message. */
export function firstDifference(expected: string, actual: string): string {
  const expectedLines = expected.split('\n');
  const actualLines = actual.split('\n');
  const count = Math.max(expectedLines.length, actualLines.length);
  for (let i = 0; i < count; i += 1) {
    if (expectedLines[i] !== actualLines[i]) {
      const [wanted, got] = [showLine(expectedLines[i]), showLine(actualLines[i])];
      return `line ${i + 1}: expected ${wanted}, got ${got}`;
    }
  }
  return 'same lines, different bytes';
}

function showLine(line: string | undefined): string {
  return line === undefined ? 'end of file' : JSON.stringify(line);
}

function loadCase(parent: string, name: string, expectsError: boolean): GoldenCase {
  const dir = path.join(parent, name);
  const files = readdirSync(dir).sort();
  if (!files.includes(VALUES_FILE)) {
    throw new Error(`${path.relative(PROJECT_ROOT, dir)} has no ${VALUES_FILE}`);
  }
  const extraValues = files.filter((file) => EXTRA_VALUES_FILE.test(file));
  return {
    name: expectsError ? `${ERROR_CASES_DIR}/${name}` : name,
    dir,
    expectsError,
    valueFiles: [VALUES_FILE, ...extraValues].map((file) => path.join(dir, file)),
    namespace: readNamespace(dir),
    expectedFile: path.join(dir, expectsError ? EXPECTED_ERROR : EXPECTED_OUTPUT),
  };
}

function readNamespace(dir: string): string {
  const file = path.join(dir, NAMESPACE_FILE);
  if (!existsSync(file)) return DEFAULT_NAMESPACE;
  const namespace = readFileSync(file, 'utf8').trim();
  if (namespace === '') throw new Error(`${path.relative(PROJECT_ROOT, file)} is empty`);
  return namespace;
}

function subdirectories(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => statSync(path.join(dir, name)).isDirectory())
    .sort();
}
