// The outcomes istio.io documents for each step of its security tasks, replayed through the
// simulator: every case of test/explain/task-outcomes.yaml against the resources in force at that
// step (test/conformance/<scenario>/expected.yaml, the documented resources the chart renders).
//
// Run: node --import tsx --test test/explain-tasks.test.ts

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import yaml from 'js-yaml';

import { explain } from '../scripts/lib/explain/evaluate.js';
import { readManifests } from '../scripts/lib/explain/manifests.js';
import { toRequest, type RawOptions } from '../scripts/lib/explain/request.js';
import { PROJECT_ROOT } from '../scripts/lib/paths.js';

interface TaskCase {
  name: string;
  request: Record<string, unknown>;
  expect: {
    decision: string;
    status: number | string;
    decidedBy?: { kind: string; namespace: string; name: string };
  };
}

interface TaskScenario {
  scenario: string;
  cases: TaskCase[];
}

const OUTCOMES = path.join(PROJECT_ROOT, 'test', 'explain', 'task-outcomes.yaml');
const CONFORMANCE = path.join(PROJECT_ROOT, 'test', 'conformance');
const scenarios = yaml.load(readFileSync(OUTCOMES, 'utf8')) as TaskScenario[];

// A batch entry's values as the command line would give them.
function rawOptions(request: Record<string, unknown>): RawOptions {
  const raw: RawOptions = {};
  for (const [key, value] of Object.entries(request)) {
    if (value === true) raw[key] = true;
    else if (Array.isArray(value)) raw[key] = value.map(String);
    else if (typeof value === 'object' && value !== null) {
      raw[key] = Object.entries(value).flatMap(([name, one]) =>
        (Array.isArray(one) ? one : [one]).map((item) => `${name}=${String(item)}`),
      );
    } else raw[key] = String(value);
  }
  return raw;
}

it('holds documented outcomes for every scenario of the conformance suite', () => {
  const covered = new Set(scenarios.filter((entry) => entry.cases.length > 0).map((entry) => entry.scenario));
  assert.equal(covered.size, 52);
});

for (const { scenario, cases } of scenarios) {
  describe(scenario, () => {
    const manifests = path.join(CONFORMANCE, scenario, 'expected.yaml');
    const { documents } = readManifests([manifests], 'default');
    for (const taskCase of cases) {
      it(taskCase.name, () => {
        const { request, mesh } = toRequest(rawOptions(taskCase.request));
        const decision = explain(documents, request, mesh);
        const steps = decision.steps.map((step) => `  ${step.stage}: ${step.message}`).join('\n');
        assert.deepEqual(
          { decision: decision.decision, status: decision.status },
          { decision: taskCase.expect.decision, status: taskCase.expect.status },
          steps,
        );
        const wanted = taskCase.expect.decidedBy;
        if (wanted !== undefined) {
          const by = decision.decidedBy;
          assert.deepEqual(
            by === null ? null : { kind: by.kind, namespace: by.namespace, name: by.name },
            wanted,
            steps,
          );
        }
      });
    }
  });
}
