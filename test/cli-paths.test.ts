// Tests for what the commands' arguments name: relative values files are read from the directory
// npm was run in ($INIT_CWD) by `npm run validate` and `npm run render`; validate refuses a
// namespace Kubernetes would refuse; and each of validate's findings names the file to change,
// or (defaults) when only the chart's defaults set the value, the same in text and JSON.
//
// Run: node --import tsx --test test/cli-paths.test.ts

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { UsageError } from '../scripts/lib/errors.js';
import { pinnedHelm } from '../scripts/lib/helm.js';
import { PROJECT_ROOT } from '../scripts/lib/paths.js';
import { DEFAULTS_FILE } from '../scripts/lib/values-files.js';
import { parseArguments } from '../scripts/validate-values.js';

const SKIP_HELM =
  process.platform === 'linux' && process.arch === 'x64'
    ? false
    : 'pinned Helm is linux-amd64 only';
const CLI_TIMEOUT_MS = 60_000;
const NAMESPACE_RULE =
  /--namespace Bad_NS is not a valid namespace: a namespace is a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters/;
// A label only this file sets, to see that Helm read it.
const BASE = 'commonLabels:\n  example.com/env: from-base\n';
// Valid YAML; requireToken's default name api-require-jwt clashes with the policy's name.
const CLASHING_NAMES = `requestAuthentication:
  api:
    selector: {matchLabels: {app: api}}
    jwtRules: [{issuer: "https://a.example.com", jwksUri: "https://a.example.com/jwks"}]
authorization:
  policies:
    api-require-jwt:
      selector: {matchLabels: {app: api}}
      rules: [{to: [{operation: {ports: ["8080"]}}]}]
`;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

let scratch = '';
let subdirectory = '';

before(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'cli-paths-test-'));
  subdirectory = path.join(scratch, 'envs');
  mkdirSync(subdirectory);
  writeFileSync(path.join(subdirectory, 'base.yaml'), BASE);
  writeFileSync(path.join(subdirectory, 'clash.yaml'), CLASHING_NAMES);
});

after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('commands run from a subdirectory', () => {
  test('validate reads a relative values file from the directory npm was run in', () => {
    const run = runNpm(['validate', '--', 'base.yaml'], subdirectory);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'valid: base.yaml (0 errors, 1 warning)\n');
  });

  test('render has Helm read a relative values file from there', { skip: SKIP_HELM }, () => {
    const args = ['render', '--', 'shop', '-n', 'shop', '-f', 'base.yaml'];
    const run = runNpm(args, subdirectory, { HELM_BIN: pinnedHelm(3) });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /example\.com\/env: from-base\n/);
  });
});

describe('validate --namespace', () => {
  test('refuses a namespace that is not a DNS label, naming the rule', () => {
    assert.throws(() => parseArguments(['--namespace', 'Bad_NS', 'values.yaml']), {
      name: UsageError.name,
      message: NAMESPACE_RULE,
    });
  });

  test('accepts a namespace of 63 characters and refuses one of 64', () => {
    const longest = 'a'.repeat(63);
    assert.equal(parseArguments(['-n', longest, 'values.yaml'])?.namespace, longest);
    assert.throws(() => parseArguments([`--namespace=${longest}b`, 'values.yaml']), UsageError);
  });

  test('exits 2 with the rule on stderr for an invalid namespace', () => {
    const run = runValidate(['--namespace', 'Bad_NS', 'base.yaml']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, NAMESPACE_RULE);
  });
});

describe('the file validate names for a finding', () => {
  test('is the file with the entry when the chart derives the value, not the last file', () => {
    const run = runValidate(['clash.yaml', 'base.yaml']);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /^clash\.yaml: error IZT-E-RULE requestAuthentication\.api\.requireToken\.name: the name api-require-jwt is also used by authorization\.policies\.api-require-jwt/m,
    );
    assert.deepEqual(unnamedLines(run.stderr), []);
  });

  test('is (defaults) when no file sets any part of the value', () => {
    const run = runValidate(['base.yaml']);
    assert.equal(run.status, 0);
    assert.match(run.stderr, /^\(defaults\): warning IZT-W009 authorization\.policies: /m);
    assert.deepEqual(unnamedLines(run.stderr), []);
  });

  test('is the same in the JSON output as in the text output', () => {
    const files = ['clash.yaml', 'base.yaml'];
    const text = runValidate(files).stderr.trim().split('\n');
    const json = jsonFiles(runValidate(['--format', 'json', ...files]));
    assert.deepEqual(
      json,
      text.map((line) => line.slice(0, line.indexOf(': '))),
    );
    assert.deepEqual(jsonFiles(runValidate(['--format', 'json', 'base.yaml'])), [DEFAULTS_FILE]);
  });
});

// The file of each finding in validate's JSON output.
function jsonFiles(run: Run): (string | undefined)[] {
  return (JSON.parse(run.stdout) as { file?: string }[]).map(({ file }) => file);
}

// Finding lines on stderr that do not start with a file name.
function unnamedLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line !== '' && !/^(\S+\.yaml|\(defaults\)): (error|warning) /.test(line));
}

// `npm run` from `directory`, as a user would type it there (npm finds the project by --prefix).
function runNpm(args: readonly string[], directory: string, env: NodeJS.ProcessEnv = {}): Run {
  const run = spawnSync('npm', ['--prefix', PROJECT_ROOT, 'run', '--silent', ...args], {
    cwd: directory,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: CLI_TIMEOUT_MS,
  });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

// The validate script run from the project root as npm runs it, for a user in `subdirectory`.
function runValidate(args: readonly string[]): Run {
  const script = path.join(PROJECT_ROOT, 'scripts', 'validate-values.ts');
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: subdirectory },
    timeout: CLI_TIMEOUT_MS,
  });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
