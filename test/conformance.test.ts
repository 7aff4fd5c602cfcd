// Conformance with Istio's documentation: for every scenario under test/conformance/<id>/, the
// chart's releases render exactly the resources the istio.io page documents, compared as a set
// keyed by kind/namespace/name after test/lib/istio-normalize.ts (whose unit tests are here too).
//
// Run: node --import tsx --test test/conformance.test.ts
//
// A scenario directory holds scenario.yaml (intent, source, releases: [{namespace, values}]),
// one values file per release and expected.yaml (the documented resources). A scenario the chart
// cannot express yet gets `todo: <what is missing>` in its scenario.yaml: it still runs, and is
// reported as a todo instead of failing the suite.

import yaml from 'js-yaml';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import { defaultHelm } from '../scripts/lib/helm.js';
import { helmTemplate } from '../scripts/lib/helm-template.js';
import { PROJECT_ROOT } from '../scripts/lib/paths.js';
import {
  compareResourceSets,
  formatMismatches,
  normalizeResource,
  parseDocuments,
  type ResourceMismatch,
} from './lib/istio-normalize.js';

const CONFORMANCE_DIR = path.join(PROJECT_ROOT, 'test', 'conformance');
const RELEASE_NAME = 'conformance';
const SCENARIO_FILE = 'scenario.yaml';
const EXPECTED_FILE = 'expected.yaml';
const VALUES_FILE = /^values-.*\.yaml$/;
const COMMIT = /^[0-9a-f]{40}$/;

interface Release {
  namespace: string;
  values: string;
}

interface Scenario {
  id: string;
  dir: string;
  releases: Release[];
  todo?: string;
}

const AUTHZ_POLICY = `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: details-viewer
  namespace: default
spec:
  selector:
    matchLabels:
      app: details
  action: ALLOW
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/default/sa/bookinfo-productpage"]
    to:
    - operation:
        methods: ["GET", "HEAD"]
`;

describe('istio-normalize', () => {
  test('treats an omitted action on an AuthorizationPolicy as ALLOW', () => {
    const omitted = policy('spec: {}');
    assert.deepEqual(normalizeResource(omitted), policy('spec: {action: ALLOW}'));
    assertSame([omitted], [policy('spec: {action: ALLOW}')]);
  });

  test('fails when an omitted action meets DENY', () => {
    assertProblems(
      [policy('spec: {rules: [{}]}')],
      [policy('spec: {action: DENY, rules: [{}]}')],
      ['differs'],
    );
  });

  test('adds no action to kinds other than AuthorizationPolicy', () => {
    const plain = peerAuthentication('spec: {mtls: {mode: STRICT}}');
    assertProblems(
      [plain],
      [peerAuthentication('spec: {mtls: {mode: STRICT}, action: ALLOW}')],
      ['differs'],
    );
  });

  test('treats targetRef X as targetRefs [X]', () => {
    const single = policy(
      'spec: {targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: gw}}',
    );
    const list = policy(
      'spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]}',
    );
    assertSame([single], [list]);
  });

  test('fails when targetRef names another target than targetRefs', () => {
    const single = policy('spec: {targetRef: {kind: Gateway, name: gw}}');
    assertProblems(
      [single],
      [policy('spec: {targetRefs: [{kind: Gateway, name: other}]}')],
      ['differs'],
    );
  });

  test('ignores labels and annotations other than istio.io/dry-run', () => {
    const bare = parseOne(AUTHZ_POLICY);
    const decorated = withMetadata(bare, {
      labels: { 'app.kubernetes.io/instance': 'conformance', 'helm.sh/chart': 'x-1.0.0' },
      annotations: { 'argocd.argoproj.io/sync-wave': '1' },
    });
    assertSame([bare], [decorated]);
  });

  test('reads a numeric map key and the same key quoted as one key', () => {
    const numeric = peerAuthentication('spec: {portLevelMtls: {8080: {mode: DISABLE}}}');
    const quoted = peerAuthentication('spec: {portLevelMtls: {"8080": {mode: DISABLE}}}');
    assertSame([numeric], [quoted]);
  });

  test('fails when a principal changes', () => {
    const changed = parseOne(
      AUTHZ_POLICY.replace('sa/bookinfo-productpage', 'sa/bookinfo-reviews'),
    );
    assertProblems([parseOne(AUTHZ_POLICY)], [changed], ['differs']);
  });

  test('fails when the order of a list changes', () => {
    const reordered = parseOne(AUTHZ_POLICY.replace('"GET", "HEAD"', '"HEAD", "GET"'));
    assertProblems([parseOne(AUTHZ_POLICY)], [reordered], ['differs']);
  });

  test('fails when the render has an extra field', () => {
    const extra = parseOne(
      AUTHZ_POLICY.replace('  action: ALLOW', '  action: ALLOW\n  provider: {name: x}'),
    );
    assertProblems([parseOne(AUTHZ_POLICY)], [extra], ['differs']);
  });

  test('fails when apiVersion differs', () => {
    const beta = parseOne(
      AUTHZ_POLICY.replace('security.istio.io/v1', 'security.istio.io/v1beta1'),
    );
    assertProblems([parseOne(AUTHZ_POLICY)], [beta], ['differs']);
  });

  test('fails when the dry-run annotation is missing or has another value', () => {
    const dryRun = withMetadata(parseOne(AUTHZ_POLICY), {
      annotations: { 'istio.io/dry-run': 'true' },
    });
    const otherValue = withMetadata(parseOne(AUTHZ_POLICY), {
      annotations: { 'istio.io/dry-run': 'True' },
    });
    assertProblems([dryRun], [parseOne(AUTHZ_POLICY)], ['differs']);
    assertProblems([dryRun], [otherValue], ['differs']);
  });

  test('fails on a rendered resource that is not documented', () => {
    const extra = parseOne(AUTHZ_POLICY.replace('name: details-viewer', 'name: extra'));
    assertProblems(
      [parseOne(AUTHZ_POLICY)],
      [parseOne(AUTHZ_POLICY), extra],
      ['rendered but not documented'],
    );
  });

  test('fails on a documented resource that is not rendered', () => {
    assertProblems([parseOne(AUTHZ_POLICY)], [], ['documented but not rendered']);
  });

  test('tells resources apart by namespace', () => {
    const elsewhere = parseOne(AUTHZ_POLICY.replace('namespace: default', 'namespace: foo'));
    assertProblems(
      [parseOne(AUTHZ_POLICY)],
      [elsewhere],
      ['documented but not rendered', 'rendered but not documented'],
    );
  });

  test('fails when two documents share kind, namespace and name', () => {
    const doc = parseOne(AUTHZ_POLICY);
    assertProblems([doc], [doc, doc], ['appears 1 time(s) in the documented set and 2 time(s)']);
  });

  test('names the scenario and the resource and shows both sides in the failure message', () => {
    const changed = parseOne(
      AUTHZ_POLICY.replace('sa/bookinfo-productpage', 'sa/bookinfo-reviews'),
    );
    const message = formatMismatches(
      'some-scenario',
      compareResourceSets([parseOne(AUTHZ_POLICY)], [changed]),
    );
    assert.match(message, /^scenario some-scenario: /);
    assert.match(message, /AuthorizationPolicy\/default\/details-viewer: differs/);
    assert.match(message, /^ {4}- +- cluster\.local\/ns\/default\/sa\/bookinfo-productpage$/m);
    assert.match(message, /^ {4}\+ +- cluster\.local\/ns\/default\/sa\/bookinfo-reviews$/m);
    assert.match(message, /^ {6}kind: AuthorizationPolicy$/m);
  });
});

describe('conformance with the istio.io security docs', () => {
  const scenarioIds = listScenarioIds();
  let helm = '';

  before(() => {
    helm = defaultHelm();
  });

  test('finds the scenario fixtures', () => {
    assert.ok(scenarioIds.length > 0, `no scenario directories under ${CONFORMANCE_DIR}`);
  });

  for (const id of scenarioIds) {
    // Read now, so a todo is known when the test is declared; a broken fixture fails its test.
    const scenario = tryReadScenario(id);
    const todo = scenario instanceof Error ? undefined : scenario.todo;
    test(`renders the documented resources for ${id}`, { todo }, () => {
      if (scenario instanceof Error) throw scenario;
      const rendered = scenario.releases.flatMap((release) => render(helm, scenario, release));
      const documented = parseDocuments(readText(path.join(scenario.dir, EXPECTED_FILE)));
      const mismatches = compareResourceSets(documented, rendered);
      if (mismatches.length > 0) assert.fail(formatMismatches(id, mismatches));
    });
  }
});

function listScenarioIds(): string[] {
  return readdirSync(CONFORMANCE_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function tryReadScenario(id: string): Scenario | Error {
  try {
    return readScenario(id);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

// Checks the fixture's shape too: a typo there would otherwise render the wrong release.
function readScenario(id: string): Scenario {
  const dir = path.join(CONFORMANCE_DIR, id);
  const file = path.join(dir, SCENARIO_FILE);
  const data = yaml.load(readText(file));
  const fail = (problem: string): never => {
    throw new Error(`test/conformance/${id}/${SCENARIO_FILE}: ${problem}`);
  };
  if (!isRecord(data)) return fail('not a mapping');
  if (typeof data.intent !== 'string' || data.intent.trim() === '') fail('intent is missing');
  const source = data.source;
  if (!isRecord(source) || typeof source.path !== 'string' || !COMMIT.test(String(source.commit))) {
    fail('source needs path and a 40-hex commit');
  }
  if (data.todo !== undefined && typeof data.todo !== 'string') fail('todo must be a reason');
  const releases = readReleases(data.releases, fail);
  const unused = readdirSync(dir).filter(
    (name) => VALUES_FILE.test(name) && !releases.some((release) => release.values === name),
  );
  if (unused.length > 0) fail(`no release uses ${unused.join(', ')}`);
  for (const release of releases) {
    if (!existsSync(path.join(dir, release.values))) fail(`${release.values} does not exist`);
  }
  return { id, dir, releases, ...(typeof data.todo === 'string' ? { todo: data.todo } : {}) };
}

function readReleases(value: unknown, fail: (problem: string) => never): Release[] {
  if (!Array.isArray(value) || value.length === 0) return fail('releases must be a non-empty list');
  const releases = value.map((entry: unknown, index) => {
    if (
      !isRecord(entry) ||
      typeof entry.namespace !== 'string' ||
      typeof entry.values !== 'string'
    ) {
      return fail(`releases[${index}] needs namespace and values`);
    }
    return { namespace: entry.namespace, values: entry.values };
  });
  const namespaces = releases.map((release) => release.namespace);
  if (new Set(namespaces).size !== namespaces.length) fail('one release per namespace');
  return releases;
}

function render(helm: string, scenario: Scenario, release: Release): unknown[] {
  const result = helmTemplate({
    helm,
    release: RELEASE_NAME,
    namespace: release.namespace,
    valueFiles: [path.join(scenario.dir, release.values)],
  });
  if (!result.ok) {
    assert.fail(
      `scenario ${scenario.id}: helm template of ${release.values} into namespace ` +
        `${release.namespace} failed:\n${result.error}`,
    );
  }
  return parseDocuments(result.stdout);
}

function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

function parseOne(text: string): unknown {
  const [doc, ...rest] = parseDocuments(text);
  assert.equal(rest.length, 0, 'expected one YAML document');
  return doc;
}

function policy(spec: string): unknown {
  return parseOne(
    `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n` +
      `metadata: {name: p, namespace: foo}\n${spec}\n`,
  );
}

function peerAuthentication(spec: string): unknown {
  return parseOne(
    `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n` +
      `metadata: {name: default, namespace: foo}\n${spec}\n`,
  );
}

function withMetadata(doc: unknown, extra: Record<string, unknown>): unknown {
  assert.ok(isRecord(doc) && isRecord(doc.metadata));
  return { ...doc, metadata: { ...doc.metadata, ...extra } };
}

function assertSame(documented: unknown[], rendered: unknown[]): void {
  const mismatches = compareResourceSets(documented, rendered);
  assert.deepEqual(mismatches, [], formatMismatches('(unit test)', mismatches));
}

// Each expected entry must start one mismatch's problem, in key order.
function assertProblems(documented: unknown[], rendered: unknown[], expected: string[]): void {
  const mismatches: ResourceMismatch[] = compareResourceSets(documented, rendered);
  assert.equal(mismatches.length, expected.length, formatMismatches('(unit test)', mismatches));
  mismatches.forEach((mismatch, index) => {
    assert.ok(mismatch.problem.startsWith(expected[index] ?? ''), mismatch.problem);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
