// `npm run explain` as a command (scripts/explain.ts): the JSON object of its contract, the text a
// person reads, --batch tables, scenario files and kubectl -n defaults, exit 0 for any decision
// and 2 for usage errors and unreadable manifests, and a warning for policies Istio would refuse.
//
// Run: node --import tsx --test test/explain-cli.test.ts

import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { parseArguments } from '../scripts/explain.js';
import { UsageError } from '../scripts/lib/errors.js';
import { PROJECT_ROOT } from '../scripts/lib/paths.js';

const EXPLAIN_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'explain.ts');
const MANIFESTS = `---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: foo
spec:
  mtls:
    mode: STRICT
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-get
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
  action: DENY
  rules:
  - to:
    - operation:
        methods: [GET]
`;
const NO_NAMESPACE = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-all
spec:
  action: DENY
  rules:
  - {}
`;
const SCENARIO = `scenario: example
namespace: foo
resources:
- apiVersion: security.istio.io/v1
  kind: AuthorizationPolicy
  metadata:
    name: deny-all
  spec:
    action: DENY
    rules:
    - {}
`;
const BATCH = `- name: GET is denied
  to: foo/app=httpbin
  port: 8080
  from-namespace: foo
  from-sa: curl
  method: GET
- to: foo/app=httpbin
  port: 8080
  fromNamespace: foo
  method: POST
  header: {x-token: admin}
- name: plaintext
  to: foo/app=httpbin
  port: 8080
  plaintext: true
`;

let directory = '';
const file = (name: string): string => path.join(directory, name);

before(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'explain-cli-'));
  writeFileSync(file('policies.yaml'), MANIFESTS);
  writeFileSync(file('no-namespace.yaml'), NO_NAMESPACE);
  writeFileSync(file('scenario.yaml'), SCENARIO);
  writeFileSync(file('batch.yaml'), BATCH);
  writeFileSync(file('broken.yaml'), 'kind: [unclosed\n');
  writeFileSync(file('invalid-policy.yaml'), MANIFESTS.replace('action: DENY\n  rules:\n  - to:', 'action: DENY\n  rules:\n  - from:\n    - source: {}\n    to:'));
  writeFileSync(file('bad-batch.yaml'), '- to: foo/app=httpbin\n  prot: tcp\n');
  writeFileSync(file('empty.yaml'), '---\n---\n');
  writeFileSync(file('twice.yaml'), `${NO_NAMESPACE.replace('spec:', 'spec:\n  selector: {matchLabels: {app: none}}')}---\n${NO_NAMESPACE}`.replace(/name: deny-all/g, 'name: web'));
  writeFileSync(file('misspelt-scenario.yaml'), SCENARIO.replace('kind: AuthorizationPolicy', 'kind: AuthorisationPolicy'));
  writeFileSync(file('yes-batch.yaml'), `- to: foo/app=httpbin\n  plaintext: false\n  from-namespace: foo\n  header: {x-beta: yes}\n  name: n\n`);
  writeFileSync(file('header-policy.yaml'), MANIFESTS.replace('methods: [GET]', 'methods: [GET]\n    when:\n    - key: request.headers[x-beta]\n      values: ["yes"]'));
});

after(() => {
  rmSync(directory, { recursive: true, force: true });
});

function run(args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', EXPLAIN_SCRIPT, ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: directory },
  });
}

describe('explain output', () => {
  it('prints the JSON object of the contract and exits 0 for a denial', () => {
    const result = run(['-f', 'policies.yaml', '--to', 'foo/app=httpbin', '--port', '8080',
      '--from-namespace', 'foo', '--from-sa', 'curl', '--method', 'GET', '--format', 'json']);
    assert.equal(result.status, 0, result.stderr);
    const decision = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(decision), ['decision', 'status', 'decidedBy', 'dryRun', 'steps']);
    assert.equal(decision.decision, 'DENY');
    assert.equal(decision.status, 403);
    assert.deepEqual(decision.decidedBy, { kind: 'AuthorizationPolicy', namespace: 'foo', name: 'deny-get', action: 'DENY', ruleIndex: 0 });
  });

  it('starts the text with the decision, the status and who decided', () => {
    const result = run(['-f', 'policies.yaml', '--to', 'foo/app=httpbin', '--port', '8080', '--plaintext']);
    assert.equal(result.status, 0, result.stderr);
    const [first] = result.stdout.split('\n');
    assert.equal(first, 'DENY connection-reset: refused by PeerAuthentication foo/default (STRICT mTLS)');
    assert.match(result.stdout, /^ {2}mtls {5}STRICT, set by the namespace policy foo\/default$/m);
  });

  it('says the proxy refused a malformed request, not a policy', () => {
    const result = run(['-f', 'policies.yaml', '--to', 'foo/app=httpbin', '--from-namespace', 'foo', '--method', 'get']);
    assert.equal(result.stdout.split('\n')[0], 'DENY 400: refused by the proxy before any policy (a malformed request)');
  });

  it('prints a --batch table with one row a request, named or summarized', () => {
    const result = run(['-f', 'policies.yaml', '--batch', 'batch.yaml']);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0] ?? '', /^#\s+REQUEST\s+DECISION\s+STATUS\s+DECIDED BY$/);
    assert.match(lines[1] ?? '', /^1\s+GET is denied\s+DENY\s+403\s+AuthorizationPolicy foo\/deny-get DENY rule 0$/);
    assert.match(lines[2] ?? '', /^2\s+POST foo\/app=httpbin :8080\s+ALLOW\s+200\s+\(default: no ALLOW policy\)$/);
    assert.match(lines[3] ?? '', /^3\s+plaintext\s+DENY\s+connection-reset\s+PeerAuthentication foo\/default STRICT$/);
  });

  it('prints a --batch JSON array with each request and its decision', () => {
    const result = run(['-f', 'policies.yaml', '--batch', 'batch.yaml', '--format', 'json']);
    const rows = JSON.parse(result.stdout) as { request: string; status: unknown }[];
    assert.deepEqual(rows.map((row) => [row.request, row.status]), [
      ['GET is denied', 403],
      ['POST foo/app=httpbin :8080', 200],
      ['plaintext', 'connection-reset'],
    ]);
  });

  it('gives documents without a namespace the one of -n, as kubectl apply -n does', () => {
    const inFoo = run(['-f', 'no-namespace.yaml', '-n', 'foo', '--to', 'foo/app=httpbin', '--format', 'json']);
    assert.equal((JSON.parse(inFoo.stdout) as { decision: string }).decision, 'DENY');
    const inDefault = run(['-f', 'no-namespace.yaml', '--to', 'foo/app=httpbin', '--format', 'json']);
    assert.equal((JSON.parse(inDefault.stdout) as { decision: string }).decision, 'ALLOW');
  });

  it('reads a scenario file of resources, in the scenario namespace', () => {
    const result = run(['-f', 'scenario.yaml', '--to', 'foo/app=httpbin', '--format', 'json']);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual((JSON.parse(result.stdout) as { decidedBy: unknown }).decidedBy, {
      kind: 'AuthorizationPolicy', namespace: 'foo', name: 'deny-all', action: 'DENY', ruleIndex: 0,
    });
  });

  it('warns on stderr about policies Istio would refuse, and still evaluates them', () => {
    const result = run(['-f', 'invalid-policy.yaml', '--to', 'foo/app=httpbin', '--from-namespace', 'foo']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /Istio would refuse/);
    assert.match(result.stderr, /IZT-C-/);
  });
});

describe('explain input', () => {
  it('exits 2 for input without any document, so a failed helm template in a pipe does not pass', () => {
    const result = run(['-f', 'empty.yaml', '--to', 'foo/app=httpbin']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /no YAML documents in the input/);
    assert.equal(result.stdout, '');
  });

  it('keeps the later of two objects with one name, as kubectl apply does, and says so', () => {
    const result = run(['-f', 'twice.yaml', '-n', 'foo', '--to', 'foo/app=httpbin', '--format', 'json']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { decision: string }).decision, 'DENY');
    assert.match(result.stderr, /AuthorizationPolicy foo\/web is given twice \(twice\.yaml:0 and twice\.yaml:1\)/);
  });

  it('checks the kinds of a scenario file as it checks manifests', () => {
    const result = run(['-f', 'misspelt-scenario.yaml', '--to', 'foo/app=httpbin']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /resources\[0\]: the API server does not serve kind AuthorisationPolicy/);
  });

  it('reads batch values as written: yes stays yes, n stays n, and false turns a switch off', () => {
    const result = run(['-f', 'header-policy.yaml', '--batch', 'yes-batch.yaml', '--plaintext', '--format', 'json']);
    assert.equal(result.status, 0, result.stderr);
    const [row] = JSON.parse(result.stdout) as { request: string; status: unknown }[];
    assert.equal(row?.request, 'n');
    assert.equal(row?.status, 403);
  });

  it('reads the batch from standard input with --batch -', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', EXPLAIN_SCRIPT, '-f', 'policies.yaml', '--batch', '-'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      input: BATCH,
      env: { ...process.env, INIT_CWD: directory },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim().split('\n').length, 4);
  });
});

describe('explain usage errors', () => {
  const usage = (args: readonly string[], pattern: RegExp): void => {
    const result = run(args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stdout}`);
    assert.match(result.stderr, pattern);
    assert.equal(result.stdout, '');
  };

  it('exits 2 without manifests or without --to', () => {
    usage(['--to', 'foo/app=httpbin'], /give the manifests/);
    usage(['-f', 'policies.yaml'], /--to is required/);
  });

  it('exits 2 naming the option and the fix for a bad value', () => {
    usage(['-f', 'policies.yaml', '--to', 'foo'], /--to: "foo" names no namespace and labels; write NAMESPACE\/LABEL=VALUE/);
    usage(['-f', 'policies.yaml', '--to', 'foo/app=x', '--port', '70000'], /--port: "70000" is not a port/);
    usage(['-f', 'policies.yaml', '--to', 'foo/app=x', '--protocol', 'udp'], /write http or tcp/);
    usage(['-f', 'policies.yaml', '--to', 'foo/app=x', '--from', 'foo/curl'], /TRUST-DOMAIN\/ns\/NAMESPACE\/sa\/SERVICE-ACCOUNT/);
    usage(['-f', 'policies.yaml', '--to', 'foo/app=x', '--source-ip', '1.2.3'], /not an IP address/);
    usage(['-f', 'policies.yaml', '--to', 'foo/app=x', '--header', 'x-token'], /not NAME=VALUE/);
    usage(['-f', 'policies.yaml', '--to', 'foo/app=x', '--path', 'headers'], /does not start with \//);
  });

  it('exits 2 for contradictory callers', () => {
    usage(['-f', 'policies.yaml', '--to', 'foo/app=x', '--plaintext', '--from-namespace', 'foo'], /--plaintext means no mTLS identity/);
    usage(['-f', 'policies.yaml', '--to', 'foo/app=x', '--from-sa', 'curl'], /--from-sa needs --from-namespace/);
  });

  it('suggests the option meant by a misspelt one', () => {
    usage(['-f', 'policies.yaml', '--to', 'foo/app=x', '--from-ns', 'foo'], /unknown option --from-ns; did you mean --from?/);
    usage(['-f', 'policies.yaml', '--batch', 'bad-batch.yaml'], /request 1: prot: unknown key; did you mean port\?/);
  });

  it('exits 2 for manifests it cannot read, naming the file', () => {
    usage(['-f', 'missing.yaml', '--to', 'foo/app=x'], /cannot read missing\.yaml/);
    usage(['-f', 'broken.yaml', '--to', 'foo/app=x'], /cannot read the manifests:\n {2}broken\.yaml/);
  });

  it('names a batch entry once, then the keys in conflict', () => {
    writeFileSync(file('conflict.yaml'), '- to: foo/app=x\n  from: cluster.local/ns/a/sa/b\n  from-namespace: a\n');
    usage(['-f', 'policies.yaml', '--batch', 'conflict.yaml'], /^explain: conflict\.yaml: request 1: from names the whole identity; leave out from-namespace and from-sa$/m);
    writeFileSync(file('both-spellings.yaml'), '- to: foo/app=x\n  jwtIssuer: a\n  jwt-issuer: b\n');
    usage(['-f', 'policies.yaml', '--batch', 'both-spellings.yaml'], /jwt-issuer: given twice/);
    writeFileSync(file('nested.yaml'), '- to: foo/app=x\n  header: {x: {b: c}}\n');
    usage(['-f', 'policies.yaml', '--batch', 'nested.yaml'], /header: write plain values, not a nested list or map/);
  });

  it('refuses identities, names and addresses no workload can have', () => {
    usage(['-f', 'policies.yaml', '--to', 'foo/app=x', '--from', '*/ns/a/sa/b'], /not a workload identity/);
    usage(['-f', 'policies.yaml', '--to', 'Foo/app=x'], /namespace "Foo" is not a Kubernetes name/);
    usage(['-f', 'policies.yaml', '--to', 'foo/app=x,app=y'], /label app is given twice/);
    usage(['-f', 'policies.yaml', '--to', 'foo/app=x', '--trust-domain', ''], /is not a trust domain/);
    usage(['-f', 'policies.yaml', '--to', 'foo/app=x', '--source-ip', '::ffff:10.2.3.4'], /embeds an IPv4 address/);
  });

  it('reads --flag=value forms and refuses repeated single-use flags', () => {
    assert.equal(parseArguments(['-f', 'a.yaml', '--namespace=foo', '--to=foo/app=x', '--format=json']).namespace, 'foo');
    assert.throws(() => parseArguments(['-f', 'a.yaml', '--to', 'foo/app=x', '--format', 'json', '--format', 'text']), /--format is given twice/);
    assert.throws(() => parseArguments(['-f', 'a.yaml', '--', 'x']), /unexpected argument "--"/);
  });

  it('reads several files after one -f and stops at the next option', () => {
    const parsed = parseArguments(['-f', 'a.yaml', 'b.yaml', '-', '--to', 'foo/app=x', '-f', 'c.yaml']);
    assert.deepEqual(parsed.files, ['a.yaml', 'b.yaml', '-', 'c.yaml']);
    assert.throws(() => parseArguments(['-f', 'a.yaml', '--to', 'foo/app=x', '--port', '1', '--port', '2']), UsageError);
  });
});
