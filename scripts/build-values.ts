// Turns every examples/<name>.ts into the values file generated/values/<name>.yaml, after
// validating it like Helm would (schema, cross-field rules); an example with errors gets no file.
// An example whose exported release Helm could not install stops the build, naming the example.
//
//   npm run build-values             write the values files
//   npm run build-values -- --check  exit 1 and name the stale files instead of writing them

import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
  BUILD_COMMAND,
  buildExample,
  exampleNames,
  isCurrent,
  type BuiltExample,
} from './lib/example-values.js';
import { CheckFailedError, isEntryPoint, runMain, UsageError } from './lib/errors.js';
import { GENERATED_VALUES_DIR, projectRelative } from './lib/paths.js';
import { formatFinding } from './lib/validation.js';

const CHECK_FLAG = '--check';

async function main(argv: readonly string[]): Promise<void> {
  const check = parseArguments(argv);
  const names = exampleNames();
  const built: BuiltExample[] = [];
  for (const name of names) built.push(await buildExample(name));
  const valid = built.filter((entry) => reportFindings(entry));
  const orphans = orphanFiles(names);
  const failures = check ? staleFiles(valid, orphans) : writeFiles(valid, orphans);
  const invalid = built.length - valid.length;
  if (invalid > 0) failures.push(invalidSummary(invalid, built.length));
  if (failures.length > 0) throw new CheckFailedError(failures.join('; '));
  if (check) console.log('generated values are current');
}

/** "1 of 7 examples has invalid values", "2 of 7 examples have invalid values". */
export function invalidSummary(invalid: number, total: number): string {
  const examples = total === 1 ? 'example' : 'examples';
  return `${invalid} of ${total} ${examples} ${invalid === 1 ? 'has' : 'have'} invalid values`;
}

/** Prints an example's errors and warnings to stderr; true when it has no errors. */
function reportFindings({ example, errors, warnings }: BuiltExample): boolean {
  const source = projectRelative(example.source);
  for (const finding of [...errors, ...warnings]) {
    console.error(`${source}: ${formatFinding(finding)}`);
  }
  return errors.length === 0;
}

function writeFiles(valid: readonly BuiltExample[], orphans: readonly string[]): string[] {
  mkdirSync(GENERATED_VALUES_DIR, { recursive: true });
  for (const { example, content } of valid) {
    writeFileSync(example.output, content);
    console.log(`wrote ${projectRelative(example.output)}`);
  }
  for (const file of orphans) {
    rmSync(file);
    console.log(`removed ${projectRelative(file)}`);
  }
  return [];
}

/** Prints each stale or extra values file; returns the failure to report, if any. */
function staleFiles(valid: readonly BuiltExample[], orphans: readonly string[]): string[] {
  const stale = valid
    .filter((entry) => !isCurrent(entry))
    .map(({ example }) => `${projectRelative(example.output)} is stale`);
  const extra = orphans.map((file) => `${projectRelative(file)} has no example`);
  const problems = [...stale, ...extra];
  for (const problem of problems) console.error(`${problem}; run \`${BUILD_COMMAND}\``);
  return problems.length > 0 ? [`generated values are stale; run \`${BUILD_COMMAND}\``] : [];
}

/** Values files in generated/values/ whose example no longer exists. */
function orphanFiles(names: readonly string[]): string[] {
  if (!existsSync(GENERATED_VALUES_DIR)) return [];
  const expected = new Set(names.map((name) => `${name}.yaml`));
  return readdirSync(GENERATED_VALUES_DIR)
    .filter((file) => file.endsWith('.yaml') && !expected.has(file))
    .sort()
    .map((file) => path.join(GENERATED_VALUES_DIR, file));
}

function parseArguments(argv: readonly string[]): boolean {
  const unknown = argv.filter((argument) => argument !== CHECK_FLAG);
  if (unknown.length > 0) {
    const usage = `${BUILD_COMMAND} [-- ${CHECK_FLAG}]`;
    throw new UsageError(`unknown argument ${unknown[0]}; usage: ${usage}`);
  }
  return argv.includes(CHECK_FLAG);
}

if (isEntryPoint(import.meta.url)) runMain('build-values', () => main(process.argv.slice(2)));
