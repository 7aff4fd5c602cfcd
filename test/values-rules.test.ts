// The cross-field rules in scripts/lib/values-rules.ts give exactly the chart's failure text
// for every case in test/golden/_error_, and pinned Helm 3 prints that same text for it, so the
// TypeScript port and chart/templates/_validate.tpl are held to each other directly.
//
// Run: node --import tsx --test test/values-rules.test.ts

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { pinnedHelm } from '../scripts/lib/helm.js';
import { helmTemplate } from '../scripts/lib/helm-template.js';
import { PROJECT_ROOT } from '../scripts/lib/paths.js';
import { RULE_ERROR, validateValues } from '../scripts/lib/validation.js';
import {
  CHART_FAILURE_HEADER,
  checkValuesRules,
  formatChartFailure,
  sortedEntries,
  truthy,
} from '../scripts/lib/values-rules.js';
import { loadValuesFile } from '../scripts/lib/yaml-values.js';

const ERROR_CASES_DIR = path.join(PROJECT_ROOT, 'test', 'golden', '_error_');
const DEFAULT_CASE_NAMESPACE = 'shop';
const RELEASE = 'release';
// Helm appends this hint to a failed render; it is not part of the chart's message.
const HELM_DEBUG_HINT = /\n+Use --debug flag to render out invalid YAML\s*$/;
const SKIP_HELM =
  process.platform === 'linux' && process.arch === 'x64'
    ? false
    : 'pinned Helm is linux-amd64 only';

interface ErrorCase {
  name: string;
  valuesFile: string;
  namespace: string;
  expected: string;
}

const errorCases = readErrorCases();
const scratch = mkdtempSync(path.join(tmpdir(), 'values-rules-test-'));

after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('golden error cases (test/golden/_error_)', () => {
  test('has a case per rule, each with values.yaml and expected-error.txt', () => {
    assert.ok(errorCases.length >= 20, `only ${errorCases.length} cases`);
    assert.ok(errorCases.some(({ name }) => name === 'all-rules-at-once'));
  });

  for (const errorCase of errorCases) {
    test(`${errorCase.name}: the TypeScript rules give exactly expected-error.txt`, () => {
      const { errors } = validateValues([loadValuesFile(errorCase.valuesFile)], {
        namespace: errorCase.namespace,
      });
      assert.ok(errors.length > 0, 'no errors');
      assert.deepEqual(
        errors.map(({ code }) => code),
        errors.map(() => RULE_ERROR),
      );
      assert.equal(`${formatChartFailure(errors)}\n`, errorCase.expected);
    });

    test(`${errorCase.name}: Helm 3 prints exactly expected-error.txt`, { skip: SKIP_HELM }, () => {
      const result = helmTemplate({
        helm: pinnedHelm(3),
        release: RELEASE,
        namespace: errorCase.namespace,
        valueFiles: [errorCase.valuesFile],
      });
      assert.equal(result.ok, false, 'Helm rendered values the chart should reject');
      assert.equal(`${result.error.replace(HELM_DEBUG_HINT, '')}\n`, errorCase.expected);
    });
  }
});

describe('checkValuesRules', () => {
  test(
    'reports nothing when enabled is false, as Helm then renders nothing',
    { skip: SKIP_HELM },
    () => {
      const file = writeValues(
        'disabled.yaml',
        'enabled: false\nauthorization:\n  policies:\n    block: {action: DENY}\n',
      );
      const { errors } = validateValues([loadValuesFile(file)], { namespace: 'shop' });
      assert.deepEqual(errors, []);
      const result = helmTemplate({
        helm: pinnedHelm(3),
        release: RELEASE,
        namespace: 'shop',
        valueFiles: [file],
      });
      assert.equal(result.ok, true, result.stderr);
    },
  );

  test('runs only when the schema passes, as Helm checks the schema first', () => {
    const { errors } = validateValues([
      {
        commonAnnotations: { 'istio.io/dry-run': 'true' },
        authorization: { policies: { block: { action: 'DENY', rules: [] } } },
      },
    ]);
    assert.deepEqual(
      errors.map(({ code }) => code),
      ['IZT-E-SCHEMA'],
    );
  });

  test('takes the namespace from namespaceOverride before the release namespace', () => {
    const values = {
      enabled: true,
      namespaceOverride: 'istio-system',
      istio: { rootNamespace: 'istio-system' },
      peerAuthentication: {
        namespace: { enabled: true, name: 'default' },
        mesh: { enabled: true },
      },
    };
    assert.equal(checkValuesRules(values, 'shop')[0]?.path, 'peerAuthentication.mesh.enabled');
    assert.deepEqual(checkValuesRules({ ...values, namespaceOverride: '' }, 'shop'), []);
  });

  test('formats the failure as the chart does: a header line, then "- path: message" lines', () => {
    const text = formatChartFailure([
      { path: 'a.b', message: 'first; fix' },
      { path: 'c', message: 'second; fix' },
    ]);
    assert.equal(text, `${CHART_FAILURE_HEADER}\n- a.b: first; fix\n- c: second; fix`);
  });

  test('visits map keys in the byte order Go templates use', () => {
    const keys = sortedEntries({ ab: 1, 'a.b': 2, a0: 3, 'a-b': 4, B: 5 }).map(([key]) => key);
    assert.deepEqual(keys, ['B', 'a-b', 'a.b', 'a0', 'ab']);
  });

  test('treats false, 0, empty strings, lists and maps, and null as false, like Go templates', () => {
    assert.deepEqual([false, 0, '', [], {}, null, undefined].map(truthy), Array(7).fill(false));
    assert.deepEqual([true, 1, 'x', [0], { a: null }].map(truthy), Array(5).fill(true));
  });
});

function readErrorCases(): ErrorCase[] {
  return readdirSync(ERROR_CASES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map(({ name }) => {
      const dir = path.join(ERROR_CASES_DIR, name);
      const namespaceFile = path.join(dir, 'namespace.txt');
      return {
        name,
        valuesFile: path.join(dir, 'values.yaml'),
        namespace: existsSync(namespaceFile)
          ? readFileSync(namespaceFile, 'utf8').trim()
          : DEFAULT_CASE_NAMESPACE,
        expected: readFileSync(path.join(dir, 'expected-error.txt'), 'utf8'),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function writeValues(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}
