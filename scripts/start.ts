// The main job: validates and renders the bundled Bookinfo example. Checks that
// generated/values/bookinfo.yaml is current with examples/bookinfo.ts, validates the values,
// renders them with `helm template`, runs `npm run check` on every object (Istio's CRDs, istiod's
// webhook, lint warnings), prints the manifests to stdout and a summary to stderr.
//
//   npm start                      manifests to stdout
//   npm start > bookinfo.yaml      keep them
//
// Exit codes: 0 rendered and checked (warnings are printed, not fatal); 1 stale values file,
// invalid values, failed render or a check error; 2 bad argument or no Helm to run.

import { formatFinding as formatCheckFinding } from './lib/check/format.js';
import { CheckFailedError, isEntryPoint, runMain, UsageError } from './lib/errors.js';
import {
  BUILD_COMMAND,
  buildExample,
  installCommand,
  isCurrent,
  type BuiltExample,
} from './lib/example-values.js';
import { projectRelative } from './lib/paths.js';
import { renderAndCheck, type RenderCheckResult } from './lib/render-check.js';
import { formatFinding } from './lib/validation.js';

const EXAMPLE = 'bookinfo';

async function main(argv: readonly string[]): Promise<void> {
  parseArguments(argv);
  const built = await buildExample(EXAMPLE);
  reportValidation(built);
  assertCurrent(built);
  const result = render(built);
  process.stdout.write(withFinalNewline(result.manifests));
  printSummary(built, result);
}

/** Prints warnings; fails on errors. */
function reportValidation({ example, errors, warnings }: BuiltExample): void {
  const source = projectRelative(example.source);
  for (const finding of [...errors, ...warnings]) {
    console.error(`${source}: ${formatFinding(finding)}`);
  }
  if (errors.length > 0) {
    throw new CheckFailedError(`${source} has invalid values; fix them, then run ${BUILD_COMMAND}`);
  }
}

/** The checked-in values file is what gets rendered, so it must match its example. */
function assertCurrent(built: BuiltExample): void {
  if (!isCurrent(built)) {
    throw new CheckFailedError(
      `${projectRelative(built.example.output)} is stale or missing; run \`${BUILD_COMMAND}\``,
    );
  }
}

function render({ example }: BuiltExample): RenderCheckResult {
  const { name, namespace } = example.release;
  const result = renderAndCheck({ release: name, args: ['-n', namespace, '-f', example.output] });
  if (result.stderr.trim() !== '' && result.error === '') console.error(result.stderr.trim());
  if (result.error !== '') throw new CheckFailedError(`helm template failed: ${result.error}`);
  for (const finding of result.findings) console.error(formatCheckFinding(finding));
  if (!result.ok) {
    const errors = result.findings.filter(({ severity }) => severity === 'error').length;
    const count = `${errors} check error${errors === 1 ? '' : 's'}`;
    throw new CheckFailedError(`the rendered objects have ${count} (listed above)`);
  }
  return result;
}

// Helm's output ends where the last template does; a file or terminal wants a final newline.
function withFinalNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

function printSummary({ example }: BuiltExample, result: RenderCheckResult): void {
  const counts = countKinds(result.documents);
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const { name, namespace } = example.release;
  console.error(`rendered ${total} objects for release ${name} in namespace ${namespace}:`);
  const width = Math.max(...[...counts.keys()].map((kind) => kind.length));
  for (const [kind, count] of counts) console.error(`  ${kind.padEnd(width)}  ${count}`);
  const warnings = result.findings.length;
  console.error(
    `checked (Istio's CRDs, istiod's webhook, lint): no errors, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  );
  console.error(`to install: ${installCommand(example)}`);
}

/** Number of objects of each kind, kinds in name order. */
function countKinds(documents: readonly unknown[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const document of documents) {
    if (document === null || typeof document !== 'object') continue;
    const kind = String((document as { kind?: unknown }).kind ?? 'unknown');
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return new Map([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

function parseArguments(argv: readonly string[]): void {
  if (argv.length > 0) {
    throw new UsageError(`unknown argument ${argv[0]}; usage: npm start (takes no arguments)`);
  }
}

if (isEntryPoint(import.meta.url)) runMain('start', () => main(process.argv.slice(2)));
