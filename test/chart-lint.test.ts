// `helm lint --strict` passes on the chart with its default values and with a full-featured values
// file, for the pinned Helm 3 and Helm 4. Helm's lint logs a template's `fail` at INFO level and
// still passes, so the tests also require that no chart failure message appears.
//
// Run: node --import tsx --test test/chart-lint.test.ts

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';

import { GOLDEN_DIR } from '../scripts/lib/golden.js';
import { type HelmMajor, pinnedHelm } from '../scripts/lib/helm.js';
import { CHART_DIR } from '../scripts/lib/paths.js';

const SKIP_PINNED =
  process.platform === 'linux' && process.arch === 'x64'
    ? false
    : 'pinned Helm binaries are linux-amd64 only';
const FULL_FEATURED_VALUES = path.join(GOLDEN_DIR, 'full-featured', 'values.yaml');
const CHART_FAILURE = /invalid values|\bfail\b/i;
const LINT_PROBLEM = /\[(ERROR|WARNING)\]/;

interface LintRun {
  status: number | null;
  output: string;
}

describe('helm lint --strict', { skip: SKIP_PINNED }, () => {
  for (const major of [3, 4] as const) {
    test(`passes with the default values with Helm ${major}`, () => {
      assertLintPasses(lint(major, []));
    });

    test(`passes with a full-featured values file with Helm ${major}`, () => {
      assertLintPasses(lint(major, ['--values', FULL_FEATURED_VALUES]));
    });

    // Guards the check above: a chart failure must show up in lint's output.
    test(`shows a chart failure in its output with Helm ${major}`, () => {
      const run = lint(major, ['--set', 'authorization.policies.x.action=DENY']);
      assert.match(run.output, CHART_FAILURE);
    });
  }
});

function lint(major: HelmMajor, args: readonly string[]): LintRun {
  const run = spawnSync(pinnedHelm(major), ['lint', '--strict', CHART_DIR, ...args], {
    encoding: 'utf8',
    env: { ...process.env, HELM_NO_PLUGINS: '1' },
  });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

function assertLintPasses(run: LintRun): void {
  assert.equal(run.status, 0, run.output);
  assert.doesNotMatch(run.output, LINT_PROBLEM);
  assert.doesNotMatch(run.output, CHART_FAILURE);
  assert.match(run.output, /1 chart\(s\) linted, 0 chart\(s\) failed/);
}
