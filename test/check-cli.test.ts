// Tests for `npm run check` (scripts/check.ts) and its reading of YAML (scripts/lib/check/read.ts):
// one finding a line or one JSON array, a summary on stderr, exit 0/1/2 (1 on warnings under
// --strict), standard input, a file that is not YAML named with its line, other kinds and empty
// documents skipped and counted, v1beta1 checked like v1.
//
// Run: node --import tsx --test test/check-cli.test.ts

import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { exitCode, parseArguments } from '../scripts/check.js';
import { readText } from '../scripts/lib/check/read.js';
import type { CheckFinding } from '../scripts/lib/check/types.js';
import { UsageError } from '../scripts/lib/errors.js';
import { PROJECT_ROOT } from '../scripts/lib/paths.js';

const CHECK_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'check.ts');
const STRICT_PEER = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: shop
spec:
  mtls:
    mode: STRICT
`;
const VIEWER = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: viewer
  namespace: shop
spec:
  selector:
    matchLabels:
      app: api
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/shop/sa/web"]
    to:
    - operation:
        ports: ["8080"]
`;
// A valid policy with a lint warning: a lower-case method never matches.
const LOWER_CASE_METHOD = `${VIEWER}        methods: ["get"]\n`;
// Rejected by a CEL rule of the CRD: selector and targetRefs together.
const BOTH_TARGETS = (apiVersion: string): string => `apiVersion: ${apiVersion}
kind: RequestAuthentication
metadata:
  name: both
  namespace: shop
spec:
  selector:
    matchLabels:
      app: api
  targetRefs:
  - kind: Gateway
    group: gateway.networking.k8s.io
    name: public
`;
const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n';
const NOT_YAML = 'apiVersion: v1\nkind: ConfigMap\ndata:\n  a: [1, 2\n  b: 3\n';

describe('npm run check', () => {
  let scratch = '';
  const file = (name: string): string => path.join(scratch, name);

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'check-cli-test-'));
    writeFileSync(file('valid.yaml'), `${STRICT_PEER}---\n${VIEWER}`);
    writeFileSync(file('warning.yaml'), `${STRICT_PEER}---\n${LOWER_CASE_METHOD}`);
    writeFileSync(
      file('mixed.yaml'),
      `---\n${CONFIG_MAP}---\n---\n${BOTH_TARGETS('security.istio.io/v1beta1')}`,
    );
    writeFileSync(file('not-yaml.yaml'), NOT_YAML);
  });

  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  test('exits 0 and prints no finding for valid documents, with the counts on stderr', () => {
    const run = runCheck([file('valid.yaml')]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, 'check: checked 2 documents (0 skipped): 0 errors, 0 warnings\n');
  });

  test('prints one line per finding naming file, document, object, severity, code and fix', () => {
    const run = runCheck([file('mixed.yaml')]);
    assert.equal(run.status, 1);
    const line = run.stdout.split('\n').find((text) => text.includes('IZT-C-CRD-'));
    assert.equal(
      line,
      `${file('mixed.yaml')}:2 RequestAuthentication shop/both error IZT-C-CRD-SELECTOR-WITH-TARGETREFS: spec: only one of targetRefs or selector can be set (fix: keep one of selector, targetRef and targetRefs: targetRefs for gateways and services, selector for workloads)`,
    );
  });

  test('counts other kinds and empty documents as skipped and checks v1beta1', () => {
    const run = runCheck([file('mixed.yaml')]);
    assert.match(run.stderr, /^check: checked 1 document \(2 skipped\): [1-9]\d* errors?, /m);
  });

  test('prints one JSON array of findings with --format json', () => {
    const run = runCheck(['--format', 'json', file('mixed.yaml')]);
    assert.equal(run.status, 1);
    const findings = JSON.parse(run.stdout) as CheckFinding[];
    const crd = findings.find(({ code }) => code === 'IZT-C-CRD-SELECTOR-WITH-TARGETREFS');
    assert.deepEqual(crd && Object.keys(crd), [
      ...['file', 'documentIndex', 'kind', 'namespace', 'name', 'severity', 'code'],
      ...['message', 'path', 'fix'],
    ]);
    assert.deepEqual(
      { ...crd, fix: undefined },
      {
        file: file('mixed.yaml'),
        documentIndex: 2,
        kind: 'RequestAuthentication',
        namespace: 'shop',
        name: 'both',
        severity: 'error',
        code: 'IZT-C-CRD-SELECTOR-WITH-TARGETREFS',
        message: 'only one of targetRefs or selector can be set',
        path: 'spec',
        fix: undefined,
      },
    );
  });

  test('exits 0 on warnings, and 1 on warnings with --strict', () => {
    const run = runCheck(['--format=json', file('warning.yaml')]);
    assert.equal(run.status, 0, run.stderr);
    const findings = JSON.parse(run.stdout) as CheckFinding[];
    assert.ok(findings.length > 0 && findings.every(({ severity }) => severity === 'warning'));
    assert.equal(runCheck(['--strict', file('warning.yaml')]).status, 1);
  });

  test('reads standard input for -', () => {
    const run = runCheck(['-'], BOTH_TARGETS('security.istio.io/v1'));
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^-:0 RequestAuthentication shop\/both error IZT-C-CRD-/m);
  });

  test('reports a file that is not YAML as one error naming the file and line', () => {
    const run = runCheck([file('not-yaml.yaml'), file('valid.yaml')]);
    assert.equal(run.status, 1);
    const lines = run.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, run.stdout);
    assert.match(
      lines[0] ?? '',
      /^\S*not-yaml\.yaml:0 error IZT-C-YAML: document 0 is not valid YAML at line 5: /,
    );
    assert.match(run.stderr, /checked 2 documents \(0 skipped\): 1 error, 0 warnings/);
  });

  test('exits 2 for an unreadable file, a missing FILE and a bad flag', () => {
    for (const args of [[file('missing.yaml')], [], ['--format', 'xml', '-'], ['--fast', '-']]) {
      const run = runCheck(args);
      assert.equal(run.status, 2, args.join(' '));
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /^check: /);
    }
  });
});

describe('check arguments and exit code', () => {
  test('takes --format, --strict, files and - in any order', () => {
    assert.deepEqual(parseArguments(['a.yaml', '--strict', '--format', 'json', '-']), {
      format: 'json',
      strict: true,
      files: ['a.yaml', '-'],
    });
    assert.deepEqual(parseArguments(['--', '--strict']).files, ['--strict']);
    assert.throws(() => parseArguments(['--format']), UsageError);
  });

  test('fails on errors, and on warnings only under --strict', () => {
    const warning = { severity: 'warning' } as CheckFinding;
    const error = { severity: 'error' } as CheckFinding;
    assert.equal(exitCode([], true), 0);
    assert.equal(exitCode([warning], false), 0);
    assert.equal(exitCode([warning], true), 1);
    assert.equal(exitCode([error], false), 1);
  });
});

describe('reading YAML', () => {
  test('numbers documents from 0 with the line each starts at, skipping a comment-only head', () => {
    const text = `# header\n---\n${STRICT_PEER}---\n\n${VIEWER}`;
    const { documents, skipped } = readText('in.yaml', text);
    assert.deepEqual(
      documents.map(({ documentIndex, line, kind }) => [documentIndex, line, kind]),
      [
        [0, 2, 'PeerAuthentication'],
        [1, 11, 'AuthorizationPolicy'],
      ],
    );
    assert.equal(skipped, 0);
  });

  test('reads unquoted yes, on and off as booleans, as Kubernetes does (YAML 1.1)', () => {
    const text = `${STRICT_PEER}  flags: [yes, on, off, 'no']\n`;
    const [document] = readText('in.yaml', text).documents;
    assert.deepEqual((document?.object.spec as { flags: unknown }).flags, [
      true,
      true,
      false,
      'no',
    ]);
  });

  test('keeps checking the documents after one that is not YAML', () => {
    const { documents, findings } = readText('in.yaml', `a: [\n---\n${STRICT_PEER}`);
    assert.deepEqual(
      findings.map(({ code, documentIndex, message }) => [
        code,
        documentIndex,
        message.slice(0, 44),
      ]),
      [['IZT-C-YAML', 0, 'document 0 is not valid YAML at line 2: unex']],
    );
    assert.deepEqual(
      documents.map(({ documentIndex }) => documentIndex),
      [1],
    );
  });

  test('reports a document that is a list or a scalar, not a Kubernetes object', () => {
    const { findings } = readText('in.yaml', '- a\n---\njust text\n');
    assert.deepEqual(
      findings.map(({ documentIndex, message }) => [documentIndex, message]),
      [
        [0, 'line 1: the document is a list, not a Kubernetes object (a YAML mapping)'],
        [1, 'line 2: the document is a string, not a Kubernetes object (a YAML mapping)'],
      ],
    );
  });
});

function runCheck(args: readonly string[], input = ''): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', CHECK_SCRIPT, ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    input,
    env: { ...process.env, INIT_CWD: PROJECT_ROOT },
  });
}
