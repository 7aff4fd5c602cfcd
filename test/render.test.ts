// Tests for `npm run render` (scripts/render.ts) and renderAndCheck (scripts/lib/render-check.ts):
// the manifests go to stdout, CRD findings and Helm's errors to stderr, and the exit code says
// which: 0 all passed, 1 Helm or a check failed, 2 Helm cannot run.
//
// Run: node --import tsx --test test/render.test.ts

import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { UsageError } from '../scripts/lib/errors.js';
import { pinnedHelm } from '../scripts/lib/helm.js';
import { PROJECT_ROOT } from '../scripts/lib/paths.js';
import { DEFAULT_RELEASE, renderAndCheck } from '../scripts/lib/render-check.js';
import { parseArguments } from '../scripts/render.js';

const SKIP =
  process.platform === 'linux' && process.arch === 'x64'
    ? false
    : 'pinned Helm binaries are linux-amd64 only; the fake helm is a POSIX shell script';
const RENDER_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'render.ts');
const FAILING_SET = ['--set', 'authorization.policies.x.action=DENY'];
// What a chart bug could print: a selector next to targetRefs, which Istio's CEL rule rejects.
const BAD_MANIFEST = `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: both
  namespace: shop
spec:
  selector:
    matchLabels:
      app: api
  targetRefs:
  - group: gateway.networking.k8s.io
    kind: Gateway
    name: public
`;

describe('render arguments', () => {
  test('takes a first argument that is not a flag as the release name', () => {
    assert.deepEqual(parseArguments(['shop-security', '-n', 'shop']), {
      release: 'shop-security',
      args: ['-n', 'shop'],
    });
  });

  test('uses istio-zero-trust as the release name when the first argument is a flag', () => {
    assert.deepEqual(parseArguments(['-n', 'shop']), {
      release: DEFAULT_RELEASE,
      args: ['-n', 'shop'],
    });
    assert.equal(DEFAULT_RELEASE, 'istio-zero-trust');
  });
});

describe('renderAndCheck', { skip: SKIP }, () => {
  let scratch = '';
  let fakeHelm = '';

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'render-test-'));
    fakeHelm = writeFakeHelm(path.join(scratch, 'helm'), BAD_MANIFEST);
  });

  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  test('passes the default render and returns its documents', () => {
    const result = renderAndCheck({ helm: pinnedHelm(3), args: ['-n', 'shop'] });
    assert.equal(result.error, '');
    assert.deepEqual(result.findings, []);
    assert.equal(result.ok, true);
    assert.equal(result.documents.length, 2);
    assert.match(result.manifests, /app\.kubernetes\.io\/instance: istio-zero-trust\n/);
  });

  test('fails with the error Helm printed when the chart refuses the values', () => {
    const result = renderAndCheck({ helm: pinnedHelm(4), args: FAILING_SET });
    assert.equal(result.ok, false);
    assert.match(result.error, /action DENY needs rules/);
  });

  test('fails with a finding when a rendered document breaks a CRD rule', () => {
    const result = renderAndCheck({ helm: fakeHelm });
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.findings.map(({ index, kind, object, problem }) => ({ index, kind, object, problem })),
      [
        {
          index: 0,
          kind: 'AuthorizationPolicy',
          object: 'shop/both',
          problem: 'only one of targetRefs or selector can be set',
        },
      ],
    );
  });

  test('throws a usage error when Helm cannot be run', () => {
    assert.throws(() => renderAndCheck({ helm: path.join(scratch, 'missing') }), UsageError);
  });
});

describe('npm run render', { skip: SKIP }, () => {
  let scratch = '';
  let fakeHelm = '';

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'render-cli-test-'));
    fakeHelm = writeFakeHelm(path.join(scratch, 'helm'), BAD_MANIFEST);
  });

  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  test('prints the manifests to stdout and exits 0 when every check passes', () => {
    const run = runRender(['shop-security', '-n', 'shop'], { HELM_BIN: pinnedHelm(3) });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^---\n# Source: istio-zero-trust\/templates\/[a-z]+\.yaml\n/);
    assert.match(run.stdout, /app\.kubernetes\.io\/instance: shop-security\n/);
  });

  test('prints the error Helm printed and exits 1 when Helm fails', () => {
    const run = runRender(FAILING_SET, { HELM_BIN: pinnedHelm(3) });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /execution error at .*action DENY needs rules/s);
  });

  test('prints the findings to stderr, no manifests, and exits 1 when a CRD check fails', () => {
    const run = runRender([], { HELM_BIN: fakeHelm });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /no manifests printed/);
    assert.match(
      run.stderr,
      /document 0, AuthorizationPolicy shop\/both: spec: only one of targetRefs or selector/,
    );
  });

  test('exits 2 for --output-dir, which leaves nothing to check', () => {
    const run = runRender(['--output-dir', scratch], { HELM_BIN: pinnedHelm(3) });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--output-dir is not supported/);
  });

  test('exits 2 when Helm is not available', () => {
    const run = runRender([], { HELM_BIN: path.join(scratch, 'missing-helm') });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /HELM_BIN/);
  });
});

function runRender(args: readonly string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', RENDER_SCRIPT, ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

// A stand-in helm that prints a fixed manifest whatever it is asked.
function writeFakeHelm(file: string, manifest: string): string {
  writeFileSync(file, `#!/bin/sh\ncat <<'EOF'\n${manifest}EOF\n`);
  chmodSync(file, 0o755);
  return file;
}
