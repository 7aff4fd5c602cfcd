// Smoke test of `npm run bench` (scripts/bench.ts): a small run prints JSON with one row per
// possible 10/100 size, the impossible one listed as skipped, and measured, positive numbers.
// No timing assertions: performance figures come from the benchmark itself.
//
// Run: node --import tsx --test test/bench-smoke.test.ts

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import { PROJECT_ROOT } from '../scripts/lib/paths.js';

const BENCH_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'bench.ts');
const TIMEOUT_MS = 50_000;
const EXPECTED_SIZES = [
  { rules: 10, workloads: 10 },
  { rules: 100, workloads: 10 },
  { rules: 100, workloads: 100 },
];

interface Row {
  rules: number;
  workloads: number;
  render: Record<string, number>;
  validateMs: number;
  check: Record<string, number>;
  objects: Record<string, number>;
}

interface Report {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; helm: string };
  runs: number;
  rows: Row[];
  skipped: { rules: number; workloads: number; reason: string }[];
}

describe('npm run bench -- --sizes small --runs 1 --json', () => {
  let report: Report;

  before(() => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', BENCH_SCRIPT, '--sizes', 'small', '--runs', '1', '--json'],
      { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: TIMEOUT_MS },
    );
    assert.equal(run.status, 0, run.stderr);
    report = JSON.parse(run.stdout) as Report;
  });

  test('prints one row per buildable small size and lists the impossible one as skipped', () => {
    const sizes = report.rows.map(({ rules, workloads }) => ({ rules, workloads }));
    assert.deepEqual(sizes, EXPECTED_SIZES);
    assert.deepEqual(
      report.skipped.map(({ rules, workloads }) => ({ rules, workloads })),
      [{ rules: 10, workloads: 100 }],
    );
    assert.match(report.skipped[0]?.reason ?? '', /fewer rules than workloads/);
  });

  test('states the machine and the pinned Helm it ran with', () => {
    assert.ok(report.machine.cpu.length > 0);
    assert.ok(report.machine.cores > 0);
    assert.ok(report.machine.memoryGiB > 0);
    assert.match(report.machine.node, /^v\d+\./);
    assert.equal(report.machine.helm, 'v3.17.3');
    assert.equal(report.runs, 1);
  });

  test('measures positive render, validate and check figures for every row', () => {
    for (const row of report.rows) {
      const figures = { ...row.render, validateMs: row.validateMs, ...row.check };
      for (const [name, value] of Object.entries(figures)) {
        assert.ok(value > 0, `${row.rules}/${row.workloads} ${name} is ${value}`);
      }
    }
  });

  test('counts one AuthorizationPolicy per workload plus allow-nothing, and every rule', () => {
    for (const row of report.rows) {
      assert.equal(row.objects.authorizationPolicies, row.workloads + 1);
      assert.equal(row.objects.minimumAuthorizationPolicies, row.workloads + 1);
      assert.equal(row.objects.rules, row.rules);
      assert.equal(row.check.documents, row.workloads + 2); // plus the namespace PeerAuthentication
    }
  });
});
