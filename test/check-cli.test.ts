// Tests for `npm run check` (scripts/check.ts) and its reading of YAML (scripts/lib/check/read.ts):
// one finding a line or one JSON array, a summary on stderr, exit 0/1/2 (1 on warnings under
// --strict), standard input, a file that is not YAML named with its line, other kinds and empty
// documents skipped and counted, v1beta1 checked like v1; the items of Lists checked, unserved
// security.istio.io versions and kinds, empty input, repeated keys, alias bombs and deep nesting
// reported as errors.
//
// Run: node --import tsx --test test/check-cli.test.ts

import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { exitCode, parseArguments } from '../scripts/check.js';
import {
  MAX_DEPTH,
  MAX_NODES,
  NO_DOCUMENTS_MESSAGE,
  readInputs,
  readText,
} from '../scripts/lib/check/read.js';
import { checkDocuments } from '../scripts/lib/check/run.js';
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

  test('fails on empty standard input: no YAML documents in the input', () => {
    const run = runCheck(['-'], '');
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stdout, /^-:0 error IZT-C-YAML: no YAML documents in the input \(fix: /);
  });

  test('passes input that holds only other kinds', () => {
    const run = runCheck(['-'], CONFIG_MAP);
    assert.equal(run.status, 0, run.stdout);
    assert.equal(run.stdout, '');
  });

  test('reports nesting too deep as an error of its file and still checks the other files', () => {
    const deep = `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const run = runCheck(['--format', 'json', '-', file('mixed.yaml')], deep);
    assert.equal(run.status, 1, run.stderr);
    const findings = JSON.parse(run.stdout) as CheckFinding[];
    assert.deepEqual(findings[0] && [findings[0].file, findings[0].code], ['-', 'IZT-C-YAML']);
    assert.match(findings[0]?.message ?? '', /nest more than \d+ levels deep/);
    assert.ok(findings.some(({ file: name }) => name === file('mixed.yaml')));
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

describe('reading Lists, unserved kinds and hostile YAML', () => {
  test('checks the items of a List, naming the item in the path', () => {
    const deny =
      'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n' +
      'metadata: {name: x, namespace: shop}\nspec: {action: DENY}';
    const text = `${CONFIG_MAP}---\napiVersion: v1\nkind: List\nitems:\n- ${CONFIG_MAP.replace(/\n(?=.)/g, '\n  ')}- ${deny.replace(/\n/g, '\n  ')}\n`;
    const { documents, skipped } = readText('in.yaml', text);
    assert.deepEqual(
      documents.map(({ documentIndex, itemPath, name }) => [documentIndex, itemPath, name]),
      [[1, 'items[1]', 'x']],
    );
    assert.equal(skipped, 2);
    const paths = checkDocuments(documents).map(({ path }) => path);
    assert.ok(paths.includes('items[1].spec.rules'), paths.join(', '));
  });

  test('checks the items of a <Kind>List as kubectl get -o yaml prints it', () => {
    const text = `apiVersion: security.istio.io/v1\nkind: PeerAuthenticationList\nitems:\n- ${STRICT_PEER.replace(/\n(?=.)/g, '\n  ')}`;
    const { documents } = readText('in.yaml', text);
    assert.deepEqual(
      documents.map(({ kind, itemPath }) => [kind, itemPath]),
      [['PeerAuthentication', 'items[0]']],
    );
  });

  test('reports a security.istio.io version the API server does not serve, with the fix', () => {
    const text = STRICT_PEER.replace('security.istio.io/v1', 'security.istio.io/v1alpha1');
    const { documents, findings } = readText('in.yaml', text);
    assert.deepEqual(documents, []);
    assert.deepEqual(
      findings.map(({ code, severity }) => [code, severity]),
      [['IZT-C-KIND', 'error']],
    );
    assert.match(
      findings[0]?.message ?? '',
      /does not serve apiVersion security\.istio\.io\/v1alpha1/,
    );
    assert.equal(findings[0]?.fix, 'write apiVersion: security.istio.io/v1');
  });

  test('reports a near spelling of a security kind and names the right one', () => {
    const text = VIEWER.replace('kind: AuthorizationPolicy', 'kind: Authorizationpolicy');
    const { findings } = readText('in.yaml', text);
    assert.deepEqual(
      findings.map(({ code, fix }) => [code, fix]),
      [['IZT-C-KIND', 'write kind: AuthorizationPolicy']],
    );
  });

  test('reads empty files and files of --- only as no documents at all', () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'check-read-test-'));
    try {
      writeFileSync(path.join(scratch, 'empty.yaml'), '');
      writeFileSync(path.join(scratch, 'dashes.yaml'), '---\n---\n');
      const files = ['empty.yaml', 'dashes.yaml'].map((name) => path.join(scratch, name));
      const { findings } = readInputs(files);
      assert.deepEqual(
        findings.map(({ code, message }) => [code, message]),
        [['IZT-C-YAML', NO_DOCUMENTS_MESSAGE]],
      );
      writeFileSync(path.join(scratch, 'other.yaml'), CONFIG_MAP);
      assert.deepEqual(readInputs([...files, path.join(scratch, 'other.yaml')]).findings, []);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('reports a key written twice with its line, and checks the document as kubectl would not', () => {
    const text = STRICT_PEER.replace('  name: default\n', '  name: default\n  name: other\n');
    const { documents, findings } = readText('in.yaml', text);
    assert.deepEqual(
      findings.map(({ code, message }) => [code, message]),
      [
        [
          'IZT-C-YAML',
          'document 0, line 5: key "name" appears twice in the same map; kubectl rejects it',
        ],
      ],
    );
    assert.equal(documents.length, 1);
  });

  test('refuses nested aliases that expand past the budget, and reads the next document', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level < 7; level += 1) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(',')}]`);
    }
    const { documents, findings } = readText(
      'in.yaml',
      `${levels.join('\n')}\n---\n${STRICT_PEER}`,
    );
    assert.deepEqual(
      findings.map(({ code, documentIndex }) => [code, documentIndex]),
      [['IZT-C-YAML', 0]],
    );
    assert.match(findings[0]?.message ?? '', new RegExp(`more than ${MAX_NODES} values`));
    assert.deepEqual(
      documents.map(({ documentIndex }) => documentIndex),
      [1],
    );
  });

  test('refuses nesting deeper than the limit without overflowing the stack', () => {
    const deep = `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n---\n${STRICT_PEER}`;
    const { documents, findings } = readText('in.yaml', deep);
    assert.deepEqual(
      findings.map(({ code }) => code),
      ['IZT-C-YAML'],
    );
    assert.match(findings[0]?.message ?? '', new RegExp(`more than ${MAX_DEPTH} levels deep`));
    assert.equal(documents.length, 1);
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
