// Rebuilds everything derived from values-schema.json: the chart's values.schema.json, the
// TypeScript types in generated/values.ts and the values reference in both READMEs.
//
//   npm run generate            write the derived files
//   npm run generate -- --check exit 1 and name the stale files instead of writing them

import { readFileSync, writeFileSync } from 'node:fs';

import { compile } from 'json-schema-to-typescript';

import { renderValuesReference, replaceBetweenMarkers } from './lib/values-reference.js';
import {
  CHART_README,
  CHART_SCHEMA,
  GENERATED_TYPES,
  PROJECT_README,
  SOURCE_SCHEMA,
  projectRelative,
} from './lib/paths.js';
import { isEntryPoint, runMain, UsageError } from './lib/errors.js';

const REGENERATE_COMMAND = 'npm run generate';
const BANNER = `Generated from values-schema.json by \`${REGENERATE_COMMAND}\`; do not edit.`;

interface DerivedFile {
  file: string;
  content: string;
}

async function main(argv: readonly string[]): Promise<void> {
  const check = parseArguments(argv);
  const schemaText = readFileSync(SOURCE_SCHEMA, 'utf8');
  const derived = await deriveFiles(schemaText);
  if (check) {
    reportStale(derived);
    return;
  }
  for (const { file, content } of derived) {
    writeFileSync(file, content);
    console.log(`wrote ${projectRelative(file)}`);
  }
}

/** Every derived file with the content the current schema gives it. */
export async function deriveFiles(schemaText: string): Promise<DerivedFile[]> {
  const schema = JSON.parse(schemaText) as Record<string, unknown>;
  return [
    { file: CHART_SCHEMA, content: chartSchema(schema) },
    { file: GENERATED_TYPES, content: await typeScriptTypes(schema) },
    { file: CHART_README, content: withValuesReference(CHART_README, schema) },
    { file: PROJECT_README, content: withValuesReference(PROJECT_README, schema) },
  ];
}

/** The schema Helm reads: the source with a banner in `$comment`, which validators ignore. */
function chartSchema(schema: Record<string, unknown>): string {
  const { $schema, ...rest } = schema;
  return `${JSON.stringify({ $schema, $comment: BANNER, ...rest }, null, 2)}\n`;
}

async function typeScriptTypes(schema: Record<string, unknown>): Promise<string> {
  const banner = `// ${BANNER}\n// Source: values-schema.json.\n`;
  // json-schema-to-typescript mutates its input; give it a copy.
  const types = await compile(structuredClone(schema) as Parameters<typeof compile>[0], 'Values', {
    bannerComment: banner,
    additionalProperties: false,
    strictIndexSignatures: true,
    unreachableDefinitions: false,
    style: { singleQuote: true, trailingComma: 'all', printWidth: 100 },
  });
  return types;
}

/** The README with its values reference block rebuilt from the schema. */
function withValuesReference(readme: string, schema: Record<string, unknown>): string {
  const current = readFileSync(readme, 'utf8');
  return replaceBetweenMarkers(current, renderValuesReference(schema, BANNER));
}

function reportStale(derived: readonly DerivedFile[]): void {
  const stale = derived.filter(({ file, content }) => readOrEmpty(file) !== content);
  for (const { file } of stale) {
    console.error(`${projectRelative(file)} is stale; run \`${REGENERATE_COMMAND}\``);
  }
  if (stale.length > 0) process.exitCode = 1;
  else console.log('generated files are current');
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function parseArguments(argv: readonly string[]): boolean {
  const unknown = argv.filter((argument) => argument !== '--check');
  if (unknown.length > 0) {
    throw new UsageError(`unknown argument ${unknown[0]}; usage: ${REGENERATE_COMMAND} [-- --check]`);
  }
  return argv.includes('--check');
}

if (isEntryPoint(import.meta.url)) runMain('generate', () => main(process.argv.slice(2)));
