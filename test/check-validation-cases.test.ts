// Istio's own admission outcomes, as fixtures: every case in test/check/istio-validation-cases.yaml
// (inputs from Istio's tests with the outcome Istio gives them) goes through `checkDocuments`
// (CRD, webhook and lint rules) and must get that outcome: no error when valid, an error when not
// (from the layer the case names), a warning where the case expects one.
//
// Run: node --import tsx --test test/check-validation-cases.test.ts

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import yaml from 'js-yaml';

import { checkDocuments } from '../scripts/lib/check/run.js';
import type { CheckFinding, IstioDocument, SecurityKind } from '../scripts/lib/check/types.js';

const CASES_FILE = join(import.meta.dirname, 'check', 'istio-validation-cases.yaml');
const DEFAULT_METADATA = { name: 'case', namespace: 'case-ns' };
const LAYER_PREFIX = { webhook: 'IZT-C-WH-', crd: 'IZT-C-CRD-' } as const;

interface ValidationCase {
  id: string;
  kind: SecurityKind;
  apiVersion: string;
  valid: boolean;
  enforcedBy?: 'crd' | 'webhook' | 'both';
  warning?: boolean;
  metadata?: Record<string, unknown>;
  spec: unknown;
}

const CASES = yaml.load(readFileSync(CASES_FILE, 'utf8')) as ValidationCase[];

describe('Istio validation cases', () => {
  test('reads every case, each with its own id', () => {
    assert.ok(CASES.length > 0);
    assert.equal(new Set(CASES.map(({ id }) => id)).size, CASES.length);
  });

  for (const testCase of CASES) {
    test(`${testCase.id}: ${expectation(testCase)}`, () => {
      const findings = checkDocuments([documentOf(testCase)]);
      const errors = findings.filter(({ severity }) => severity === 'error');
      const listed = findings.map(({ code, path }) => `${code} ${path}`).join('\n');
      if (testCase.valid) assert.deepEqual(errors.map(describeFinding), [], listed);
      else assert.ok(errors.length > 0, 'expected at least one error');
      if (!testCase.valid) assertCaughtByLayer(testCase, errors, listed);
      if (testCase.warning === true) {
        assert.ok(
          findings.some(({ severity }) => severity === 'warning'),
          'expected a warning',
        );
      }
    });
  }
});

function expectation(testCase: ValidationCase): string {
  if (testCase.valid) return testCase.warning === true ? 'passes with a warning' : 'passes';
  return `fails (${testCase.enforcedBy ?? 'any layer'})`;
}

function documentOf(testCase: ValidationCase): IstioDocument {
  const metadata = { ...DEFAULT_METADATA, ...testCase.metadata };
  const object = {
    apiVersion: testCase.apiVersion,
    kind: testCase.kind,
    metadata,
    spec: testCase.spec,
  };
  return {
    file: 'istio-validation-cases.yaml',
    documentIndex: 0,
    line: 1,
    apiVersion: testCase.apiVersion,
    kind: testCase.kind,
    namespace: String(metadata.namespace),
    name: String(metadata.name),
    object,
  };
}

/** An invalid case is caught by the layer Istio enforces it in (either one when both). */
function assertCaughtByLayer(
  testCase: ValidationCase,
  errors: CheckFinding[],
  listed: string,
): void {
  const layers =
    testCase.enforcedBy === 'both' || testCase.enforcedBy === undefined
      ? (['webhook', 'crd'] as const)
      : ([testCase.enforcedBy] as const);
  const caught = errors.some(({ code }) =>
    layers.some((layer) => code.startsWith(LAYER_PREFIX[layer])),
  );
  assert.ok(caught, `expected an error from ${layers.join(' or ')}; got:\n${listed}`);
}

function describeFinding({ code, path, message }: CheckFinding): string {
  return `${code} ${path}: ${message}`;
}
