// Checks the golden cases in test/golden against the chart, or rewrites their expected files.
//
//   npm run test:golden                      render every case with the pinned Helm 3 and Helm 4;
//                                            exit 1 naming each case that drifted
//   npm run test:golden -- --update          rewrite expected.yaml / expected-error.txt from the
//                                            pinned Helm 3 output; prints each file it wrote
//   npm run test:golden -- [--update] case…  only the named cases (`authz-audit`, `_error_/x`)
//
// Review a rewritten expected file like code before committing it. The full checks (Helm 3 vs 4,
// CRD checks, determinism) run in test/golden.test.ts.

import yaml from 'js-yaml';

import { checkDocuments, formatFinding } from './lib/crd-check.js';
import { CheckFailedError, isEntryPoint, runMain, UsageError } from './lib/errors.js';
import {
  describeMismatch,
  type GoldenCase,
  type GoldenOutcome,
  listGoldenCases,
  renderGoldenCase,
  UPDATE_COMMAND,
  updateExpected,
} from './lib/golden.js';
import { HelmUnavailableError, pinnedHelm, type HelmMajor } from './lib/helm.js';
import { projectRelative } from './lib/paths.js';

const USAGE = 'usage: npm run test:golden -- [--update] [case...]';
const HELM_MAJORS: readonly HelmMajor[] = [3, 4];

interface Arguments {
  update: boolean;
  names: string[];
}

function main(argv: readonly string[]): void {
  const { update, names } = parseArguments(argv);
  const cases = selectCases(names);
  const failed = update ? updateCases(cases) : checkCases(cases);
  if (failed > 0) {
    throw new CheckFailedError(`${failed} of ${cases.length} golden cases failed`);
  }
  console.error(`${cases.length} golden cases ${update ? 'up to date' : 'match'}`);
}

/** Renders with Helm 3 only and writes the expected files that changed. */
function updateCases(cases: readonly GoldenCase[]): number {
  const helm = pinnedOrUsage(3);
  let failed = 0;
  for (const goldenCase of cases) {
    const outcome = renderGoldenCase(goldenCase, helm);
    try {
      const wrote = updateExpected(goldenCase, outcome);
      if (wrote) console.log(`wrote ${projectRelative(goldenCase.expectedFile)}`);
    } catch (error) {
      console.error(error instanceof Error ? error.message : String(error));
      failed += 1;
      continue;
    }
    if (reportFindings(goldenCase, outcome)) failed += 1;
  }
  return failed;
}

/** Compares each case's Helm 3 and Helm 4 output with its expected file. */
function checkCases(cases: readonly GoldenCase[]): number {
  const helms = HELM_MAJORS.map((major) => ({ major, bin: pinnedOrUsage(major) }));
  let failed = 0;
  for (const goldenCase of cases) {
    let caseFailed = false;
    for (const { major, bin } of helms) {
      const outcome = renderGoldenCase(goldenCase, bin);
      const mismatch = describeMismatch(goldenCase, outcome);
      if (mismatch !== undefined) console.error(`${goldenCase.name} (Helm ${major}): ${mismatch}`);
      const withFindings = major === 3 && reportFindings(goldenCase, outcome);
      caseFailed ||= mismatch !== undefined || withFindings;
    }
    console.log(`${caseFailed ? 'FAIL' : 'ok  '} ${goldenCase.name}`);
    if (caseFailed) failed += 1;
  }
  if (failed > 0) console.error(`review the changes, then run \`${UPDATE_COMMAND}\``);
  return failed;
}

/** Prints the CRD findings of a rendered case; true when there are any. */
function reportFindings(goldenCase: GoldenCase, outcome: GoldenOutcome): boolean {
  if (!outcome.ok) return false;
  const findings = checkDocuments(yaml.loadAll(outcome.text));
  for (const finding of findings) console.error(`${goldenCase.name}: ${formatFinding(finding)}`);
  return findings.length > 0;
}

function selectCases(names: readonly string[]): GoldenCase[] {
  const cases = listGoldenCases();
  if (names.length === 0) return cases;
  const unknown = names.filter((name) => !cases.some((goldenCase) => goldenCase.name === name));
  if (unknown.length > 0) throw new UsageError(`no golden case named ${unknown.join(', ')}`);
  return cases.filter((goldenCase) => names.includes(goldenCase.name));
}

function pinnedOrUsage(major: HelmMajor): string {
  try {
    return pinnedHelm(major);
  } catch (error) {
    if (error instanceof HelmUnavailableError) throw new UsageError(error.message);
    throw error;
  }
}

function parseArguments(argv: readonly string[]): Arguments {
  const flags = argv.filter((argument) => argument.startsWith('-'));
  const unknown = flags.filter((flag) => flag !== '--update');
  if (unknown.length > 0) throw new UsageError(`unknown argument ${unknown[0]}; ${USAGE}`);
  return {
    update: flags.includes('--update'),
    names: argv.filter((argument) => !argument.startsWith('-')),
  };
}

if (isEntryPoint(import.meta.url)) runMain('test:golden', () => main(process.argv.slice(2)));
