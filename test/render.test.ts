// Tests for `npm run render` (scripts/render.ts) and renderAndCheck (scripts/lib/render-check.ts):
// the values files are checked before Helm runs (the whole validator, or only their YAML when
// --set is given), the manifests go to stdout, findings and Helm's errors to stderr, and the exit
// code says which: 0 all passed, 1 the values, Helm or a check failed, 2 Helm cannot run.
//
// Run: node --import tsx --test test/render.test.ts

import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { UsageError } from '../scripts/lib/errors.js';
import { pinnedHelm } from '../scripts/lib/helm.js';
import { PROJECT_ROOT } from '../scripts/lib/paths.js';
import { DEFAULT_RELEASE, renderAndCheck } from '../scripts/lib/render-check.js';
import { parseArguments, valuesArguments } from '../scripts/render.js';

const SKIP =
  process.platform === 'linux' && process.arch === 'x64'
    ? false
    : 'pinned Helm binaries are linux-amd64 only; the fake helm is a POSIX shell script';
const RENDER_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'render.ts');
const FAILING_SET = ['--set', 'authorization.policies.x.action=DENY'];
// Values files the checks before Helm refuse or warn about.
const TWO_DOCUMENTS = 'commonLabels:\n  team: a\n---\ncommonLabels:\n  team: b\n';
const REPEATED_KEY = 'commonLabels:\n  team: a\n  team: b\n';
const UNKNOWN_KEY = 'peerAuthentication:\n  mode: STRICT\n';
const MESH_WIDE = 'peerAuthentication:\n  mesh:\n    enabled: true\n';
const DEFAULT_DENY_OFF = 'authorization:\n  defaultDeny:\n    enabled: false\n';
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

// Valid, but a lower-case method never matches: a lint warning, which does not stop the render.
const WARNING_MANIFEST = `---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: viewer
  namespace: shop
spec:
  selector:
    matchLabels:
      app: api
  rules:
  - to:
    - operation:
        methods: ["get"]
        ports: ["8080"]
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

  test('finds the values files in every spelling Helm takes, with the last namespace', () => {
    const args = ['-f', 'a.yaml', '-fb.yaml', '--values', 'c.yaml', '--values=d.yaml,e.yaml'];
    const found = valuesArguments([
      ...args,
      ...['-f=f.yaml', '-n', 'one', '--set', 'x=-f', '--namespace=two', '--set-string=y=z'],
    ]);
    assert.deepEqual(found, {
      files: ['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml', 'e.yaml', 'f.yaml'],
      namespace: 'two',
      setFlags: ['--set', '--set-string'],
    });
    assert.equal(valuesArguments(['-nshop']).namespace, 'shop');
  });

  test('takes the namespace from HELM_NAMESPACE, else default, when no -n is given', () => {
    const saved = process.env.HELM_NAMESPACE;
    try {
      process.env.HELM_NAMESPACE = 'from-env';
      assert.equal(valuesArguments(['-f', 'a.yaml']).namespace, 'from-env');
      delete process.env.HELM_NAMESPACE;
      assert.equal(valuesArguments(['-f', 'a.yaml']).namespace, 'default');
    } finally {
      if (saved === undefined) delete process.env.HELM_NAMESPACE;
      else process.env.HELM_NAMESPACE = saved;
    }
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
    // istiod's webhook refuses the same document too; this test is about the CRD rule.
    const crdErrors = result.findings.filter(({ code }) => code.startsWith('IZT-C-CRD-'));
    assert.deepEqual(
      crdErrors.map(({ file, documentIndex, kind, namespace, name, code, message }) => ({
        ...{ file, documentIndex, kind, namespace, name, code, message },
      })),
      [
        {
          file: 'rendered',
          documentIndex: 0,
          kind: 'AuthorizationPolicy',
          namespace: 'shop',
          name: 'both',
          code: 'IZT-C-CRD-SELECTOR-WITH-TARGETREFS',
          message: 'only one of targetRefs or selector can be set',
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
  let helmCalled = '';
  let recordingHelm = '';
  let warningHelm = '';
  const file = (name: string): string => path.join(scratch, name);

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'render-cli-test-'));
    fakeHelm = writeFakeHelm(file('helm'), BAD_MANIFEST);
    warningHelm = writeFakeHelm(file('warning-helm'), WARNING_MANIFEST);
    helmCalled = file('helm-called');
    recordingHelm = file('recording-helm');
    writeFileSync(recordingHelm, `#!/bin/sh\ntouch '${helmCalled}'\n`);
    chmodSync(recordingHelm, 0o755);
    writeFileSync(file('two-documents.yaml'), TWO_DOCUMENTS);
    writeFileSync(file('repeated-key.yaml'), REPEATED_KEY);
    writeFileSync(file('unknown-key.yaml'), UNKNOWN_KEY);
    writeFileSync(file('mesh-wide.yaml'), MESH_WIDE);
    writeFileSync(file('default-deny-off.yaml'), DEFAULT_DENY_OFF);
    writeFileSync(file('empty.yaml'), '');
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
      /^rendered:0 AuthorizationPolicy shop\/both error IZT-C-CRD-SELECTOR-WITH-TARGETREFS: spec: only one of targetRefs or selector can be set \(fix: /m,
    );
  });

  test('prints the manifests, with the check warnings on stderr, and exits 0 on warnings only', () => {
    const run = runRender([], { HELM_BIN: warningHelm });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, WARNING_MANIFEST);
    assert.match(
      run.stderr,
      /^rendered:0 AuthorizationPolicy shop\/viewer warning IZT-C-W\d{3}: /m,
    );
    assert.match(run.stderr, /^render: 1 document passes the checks with [1-9]\d* warnings?$/m);
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

  test('refuses a values file of two YAML documents, which Helm 3 and 4 read differently', () => {
    const run = runRender(['-f', file('two-documents.yaml')], { HELM_BIN: pinnedHelm(3) });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      /^\S*two-documents\.yaml: error IZT-E-YAML line 4: the file holds 2 YAML documents/m,
    );
    assert.match(run.stderr, /no manifests printed/);
  });

  test('refuses a repeated key in a file of a comma-separated -f list', () => {
    const files = `${file('empty.yaml')},${file('repeated-key.yaml')}`;
    const run = runRender(['-f', files], { HELM_BIN: pinnedHelm(3) });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      /^\S*repeated-key\.yaml: error IZT-E-YAML commonLabels\.team: appears twice in this map \(lines 2 and 3\)/m,
    );
  });

  test('refuses values the validator rejects for the -n namespace before running Helm', () => {
    const args = ['-n', 'istio-system', '--values', file('mesh-wide.yaml')];
    const run = runRender(args, { HELM_BIN: recordingHelm });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      /^\S*mesh-wide\.yaml: error IZT-E-RULE peerAuthentication\.mesh\.enabled: the release namespace is the root namespace istio-system/m,
    );
    assert.equal(existsSync(helmCalled), false, 'Helm ran although the values were refused');
  });

  test("prints the validator's warnings and renders when the values have no error", () => {
    const run = runRender(['-n', 'shop', `--values=${file('default-deny-off.yaml')}`], {
      HELM_BIN: pinnedHelm(3),
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /kind: PeerAuthentication\n/);
    assert.match(
      run.stderr,
      /^\S*default-deny-off\.yaml: warning IZT-W004 authorization\.defaultDeny\.enabled: /m,
    );
  });

  test('checks only the YAML of the values files with --set, says so, and leaves the rest to Helm', () => {
    const args = ['--set', 'enabled=true', `-f${file('unknown-key.yaml')}`];
    const run = runRender(args, { HELM_BIN: pinnedHelm(3) });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    const notes = run.stderr.split('\n').filter((line) => line.includes('--set'));
    assert.deepEqual(notes, [
      'render: values from --set cannot be validated before Helm reads them; checking only the YAML of the values files here, and Helm checks the rest',
    ]);
    assert.doesNotMatch(run.stderr, /IZT-E-SCHEMA/);
    assert.match(run.stderr, /values don't meet the specifications of the schema/);
  });

  test('still refuses a repeated key with --set', () => {
    const args = ['--set', 'enabled=true', '-f', file('repeated-key.yaml')];
    const run = runRender(args, { HELM_BIN: recordingHelm });
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /repeated-key\.yaml: error IZT-E-YAML commonLabels\.team: appears twice/,
    );
    assert.equal(existsSync(helmCalled), false, 'Helm ran although the values were refused');
  });

  test('prints nothing on stdout and says so on stderr when the values render nothing', () => {
    const run = runRender(['--set', 'enabled=false'], { HELM_BIN: pinnedHelm(3) });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^render: nothing rendered/m);
  });

  test('exits 2 for values from standard input, which Helm would read as empty', () => {
    const run = runRender(['-f', '-'], { HELM_BIN: recordingHelm });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /-f - \(values from standard input\) is not supported/);
    assert.equal(existsSync(helmCalled), false);
  });
});

// Run as npm would from the project root, whatever directory the test runner was started in.
function runRender(args: readonly string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', RENDER_SCRIPT, ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: PROJECT_ROOT, ...env },
  });
}

// A stand-in helm that prints a fixed manifest whatever it is asked.
function writeFakeHelm(file: string, manifest: string): string {
  writeFileSync(file, `#!/bin/sh\ncat <<'EOF'\n${manifest}EOF\n`);
  chmodSync(file, 0o755);
  return file;
}
