// Golden tests: every case in test/golden renders exactly its expected file with the pinned Helm 3
// and Helm 4 (or fails with exactly its expected message), both versions print the same bytes,
// a second render prints the same bytes again, and every rendered document passes the CRD
// checks. Expected files change only through `npm run test:golden -- --update`, never here.
//
// Run: node --import tsx --test test/golden.test.ts

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import yaml from 'js-yaml';

import { checkDocuments, formatFinding } from '../scripts/lib/crd-check.js';
import {
  DEFAULT_NAMESPACE,
  failureText,
  type GoldenCase,
  type GoldenOutcome,
  listGoldenCases,
  readExpected,
  renderGoldenCase,
  UPDATE_COMMAND,
  updateExpected,
} from '../scripts/lib/golden.js';
import { type HelmMajor, pinnedHelm } from '../scripts/lib/helm.js';
import { projectRelative } from '../scripts/lib/paths.js';

const SKIP_PINNED =
  process.platform === 'linux' && process.arch === 'x64'
    ? false
    : 'pinned Helm binaries are linux-amd64 only';
const HELM_MAJORS: readonly HelmMajor[] = [3, 4];
// The feature scenarios the golden suite must keep covering.
const REQUIRED_CASES = [
  'defaults',
  'peer-strict-namespace',
  'peer-workload-port-level',
  'peer-mesh-wide',
  'authz-allow-by-identity',
  'authz-deny-by-path',
  'authz-every-source-field',
  'authz-every-operation-field',
  'authz-when-conditions',
  'authz-custom-provider',
  'authz-audit',
  'authz-dry-run',
  'authz-target-refs',
  'jwt-require-token',
  'jwt-every-field',
  'jwt-without-require-token',
  'api-v1beta1',
  'namespace-override',
  'common-labels-annotations',
  'layered-values',
  'chart-disabled',
  'subchart-global',
];
// Values the chart refuses: DENY without rules.
const FAILING_VALUES = 'authorization:\n  policies:\n    x:\n      action: DENY\n';
const FAILING_MESSAGE =
  'istio-zero-trust: invalid values:\n' +
  '- authorization.policies.x: action DENY needs rules; ' +
  'add rules (rules: [{}] matches every request)\n';

/** Two renders per Helm version: the second one checks that rendering is deterministic. */
type Renders = Record<HelmMajor, [GoldenOutcome, GoldenOutcome]>;

const CASES = listGoldenCases();

test('the golden suite covers every feature scenario', () => {
  const names = new Set(CASES.map((goldenCase) => goldenCase.name));
  assert.deepEqual(REQUIRED_CASES.filter((name) => !names.has(name)), []);
});

for (const goldenCase of CASES) {
  describe(`golden case ${goldenCase.name}`, { skip: SKIP_PINNED }, () => {
    let renders: Renders;

    before(() => {
      renders = renderTwiceWithEachHelm(goldenCase);
    });

    for (const major of HELM_MAJORS) {
      const behaviour = goldenCase.expectsError
        ? 'fails with expected-error.txt'
        : 'renders expected.yaml';
      test(`${behaviour} with Helm ${major}`, () => {
        assertMatchesExpected(goldenCase, renders[major][0]);
      });
    }

    test('Helm 3 and Helm 4 give byte-identical results', () => {
      assert.equal(renders[4][0].ok, renders[3][0].ok);
      assert.equal(renders[4][0].text, renders[3][0].text);
    });

    test('a second render gives identical bytes', () => {
      for (const major of HELM_MAJORS) {
        assert.equal(renders[major][1].text, renders[major][0].text, `Helm ${major}`);
      }
    });

    if (!goldenCase.expectsError) {
      test('every rendered document passes the CRD checks', () => {
        const findings = checkDocuments(yaml.loadAll(renders[3][0].text));
        assert.deepEqual(findings.map(formatFinding), []);
      });
    }
  });
}

describe('golden harness', { skip: SKIP_PINNED }, () => {
  let root = '';

  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'golden-harness-'));
    writeCase(root, 'b-layered', {
      'values.yaml': 'nameOverride: base\n',
      'values-2-prod.yaml': 'nameOverride: prod\n',
      'values-1-stage.yaml': 'nameOverride: stage\n',
      'namespace.txt': 'payments\n',
    });
    writeCase(root, 'a-plain', { 'values.yaml': '' });
    writeCase(path.join(root, '_error_'), 'deny-without-rules', { 'values.yaml': FAILING_VALUES });
    writeCase(path.join(root, '_schema_error_'), 'not-mine', { 'values.yaml': 'bogus: 1\n' });
  });

  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  test('lists cases by name, error cases under _error_/, and skips other _ directories', () => {
    const names = listGoldenCases(root).map((goldenCase) => goldenCase.name);
    assert.deepEqual(names, ['a-plain', 'b-layered', '_error_/deny-without-rules']);
  });

  test('layers values-*.yaml after values.yaml in name order and reads namespace.txt', () => {
    const [plain, layered] = listGoldenCases(root);
    assert.deepEqual(
      layered?.valueFiles.map((file) => path.basename(file)),
      ['values.yaml', 'values-1-stage.yaml', 'values-2-prod.yaml'],
    );
    assert.equal(layered?.namespace, 'payments');
    assert.equal(plain?.namespace, DEFAULT_NAMESPACE);
    const outcome = renderGoldenCase(layered as GoldenCase, pinnedHelm(3));
    assert.match(outcome.text, /app\.kubernetes\.io\/name: prod\n/);
    assert.match(outcome.text, /namespace: payments\n/);
  });

  test('keeps only the chart message of a failure, newline-ended, without Helm hints', () => {
    const errorCase = listGoldenCases(root)[2] as GoldenCase;
    for (const major of HELM_MAJORS) {
      assert.deepEqual(renderGoldenCase(errorCase, pinnedHelm(major)), {
        ok: false,
        text: FAILING_MESSAGE,
      });
    }
    const hint = 'Use --debug flag to render out invalid YAML';
    const stderr = `Error: execution error at (c/t.yaml:2:4): boom\n\n${hint}\n`;
    assert.equal(failureText(stderr), 'boom\n');
  });

  test('update writes the expected file of each kind and refuses the wrong kind', () => {
    const [plain, , errorCase] = listGoldenCases(root) as GoldenCase[];
    const helm = pinnedHelm(3);
    assert.equal(updateExpected(plain!, renderGoldenCase(plain!, helm)), true);
    assert.equal(updateExpected(plain!, renderGoldenCase(plain!, helm)), false);
    assert.equal(updateExpected(errorCase!, renderGoldenCase(errorCase!, helm)), true);
    assert.equal(readFileSync(errorCase!.expectedFile, 'utf8'), FAILING_MESSAGE);
    assert.throws(() => updateExpected(errorCase!, { ok: true, text: '' }), /the chart rendered/);
    assert.throws(() => updateExpected(plain!, { ok: false, text: 'x\n' }), /the chart failed/);
  });
});

function renderTwiceWithEachHelm(goldenCase: GoldenCase): Renders {
  const renders = {} as Renders;
  for (const major of HELM_MAJORS) {
    const helm = pinnedHelm(major);
    renders[major] = [renderGoldenCase(goldenCase, helm), renderGoldenCase(goldenCase, helm)];
  }
  return renders;
}

function assertMatchesExpected(goldenCase: GoldenCase, outcome: GoldenOutcome): void {
  const file = projectRelative(goldenCase.expectedFile);
  const expected = readExpected(goldenCase);
  assert.ok(expected !== undefined, `${file} is missing; run \`${UPDATE_COMMAND}\``);
  const what = outcome.ok ? 'the chart rendered' : `the chart failed: ${outcome.text}`;
  assert.equal(outcome.ok, !goldenCase.expectsError, what);
  const fix = `review the difference, then run \`${UPDATE_COMMAND}\``;
  assert.equal(outcome.text, expected, `differs from ${file}; ${fix}`);
}

function writeCase(parent: string, name: string, files: Record<string, string>): void {
  const dir = path.join(parent, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(dir, file), content);
}
