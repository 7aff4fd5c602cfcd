// The bundled examples: examples/<name>.ts authored with scripts/lib/authoring.ts, validated and
// turned into generated/values/<name>.yaml. Shared by build-values, start and the tests.
//
// An example module exports its values as the default export, and the release it is meant for:
//   export const release = { name: 'bookinfo', namespace: 'bookinfo' };
// The release's name must be one Helm accepts and its namespace a Kubernetes namespace name.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import type { Release } from './authoring.js';
import { EXAMPLES_DIR, GENERATED_VALUES_DIR, projectRelative } from './paths.js';
import { namespaceProblem, releaseNameProblem } from './render-check.js';
import { validateValues, type Finding } from './validation.js';
import { plainData, valuesToYaml } from './dump-values.js';

export const BUILD_COMMAND = 'npm run build-values';

export interface Example {
  name: string;
  /** examples/<name>.ts */
  source: string;
  /** generated/values/<name>.yaml */
  output: string;
  release: Release;
  /** The default export as plain data (undefined keys dropped). */
  values: unknown;
}

export interface BuiltExample {
  example: Example;
  /** The values file's text; empty when there are errors. */
  content: string;
  errors: Finding[];
  warnings: Finding[];
}

/** Names of the examples, sorted: every examples/*.ts. */
export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

/** Imports examples/<name>.ts and checks that it exports values and a release. */
export async function loadExample(name: string): Promise<Example> {
  const source = path.join(EXAMPLES_DIR, `${name}.ts`);
  const where = projectRelative(source);
  const exported = await importModule(source, where);
  if (exported.default === null || typeof exported.default !== 'object') {
    throw new Error(`${where} must export its values: export default defineValues({...})`);
  }
  return {
    name,
    source,
    output: path.join(GENERATED_VALUES_DIR, `${name}.yaml`),
    release: exampleRelease(exported.release, where),
    values: plainData(exported.default),
  };
}

/** Loads and validates one example and gives the values file it should have. */
export async function buildExample(name: string): Promise<BuiltExample> {
  const example = await loadExample(name);
  const { errors, warnings } = validateValues([example.values], {
    namespace: example.release.namespace,
  });
  const content = errors.length > 0 ? '' : exampleYaml(example);
  return { example, content, errors, warnings };
}

/** True when generated/values/<name>.yaml holds exactly what the example builds to. */
export function isCurrent({ example, content }: BuiltExample): boolean {
  try {
    return readFileSync(example.output, 'utf8') === content;
  } catch {
    return false;
  }
}

/** The values file for an example: banner comments, then the values with sorted keys. */
export function exampleYaml(example: Example): string {
  return valuesToYaml(example.values, [
    `Generated from ${projectRelative(example.source)} by \`${BUILD_COMMAND}\`; do not edit.`,
    `Install: ${installCommand(example)}`,
  ]);
}

/** The command that installs an example's values for real. */
export function installCommand(example: Example): string {
  const { name, namespace } = example.release;
  const values = projectRelative(example.output);
  return `helm upgrade --install ${name} ./chart -n ${namespace} -f ${values}`;
}

async function importModule(source: string, where: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(source).href)) as Record<string, unknown>;
  } catch (error) {
    // A helper such as ports() throws while the module loads; say which example it was.
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${where}: ${message}`, { cause: error });
  }
}

/**
 * The `release` an example module exports, checked; throws an Error naming the module (`where`)
 * when it is missing or Helm could not install it.
 */
export function exampleRelease(value: unknown, where: string): Release {
  const release = value as Partial<Release> | undefined;
  if (typeof release?.name !== 'string' || typeof release.namespace !== 'string') {
    throw new Error(`${where} must export its release: export const release = { name, namespace }`);
  }
  const { name, namespace } = release;
  const problems = [
    ...described(`release.name ${JSON.stringify(name)}`, releaseNameProblem(name)),
    ...described(`release.namespace ${JSON.stringify(namespace)}`, namespaceProblem(namespace)),
  ];
  if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
  return { name, namespace };
}

function described(subject: string, problem: string | undefined): string[] {
  return problem === undefined ? [] : [`${subject} is invalid: ${problem}`];
}
