// Tests for scripts/lib/helm.ts: the pinned Helm binaries are extracted, report their pinned
// versions and are reused from the cache; defaultHelm() honours HELM_BIN and PATH.
//
// Run: node --import tsx --test test/helm-binaries.test.ts
// The first run extracts ~115 MB of binaries into node_modules/.cache/istio-zero-trust/.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  defaultHelm,
  helmVersion,
  PINNED_HELM_VERSIONS,
  pinnedHelm,
} from '../scripts/lib/helm.js';

const SKIP_PINNED =
  process.platform === 'linux' && process.arch === 'x64'
    ? false
    : 'pinned Helm binaries are linux-amd64 only';
const SKIP_FAKE =
  process.platform === 'win32' ? 'fake helm binaries are POSIX shell scripts' : false;
const ENV_FAKE_VERSION = 'v3.99.0-from-helm-bin';
const PATH_FAKE_VERSION = 'v3.98.0-from-path';

describe('pinnedHelm', { skip: SKIP_PINNED }, () => {
  test('pins the expected versions', () => {
    assert.deepEqual({ ...PINNED_HELM_VERSIONS }, { 3: 'v3.17.3', 4: 'v4.1.4' });
  });

  test('Helm 3 binary runs and reports v3.17.3', () => {
    const bin = pinnedHelm(3);
    assert.ok(path.isAbsolute(bin), `not absolute: ${bin}`);
    assert.equal(runVersion(bin), 'v3.17.3');
  });

  test('Helm 4 binary runs and reports v4.1.4', () => {
    const bin = pinnedHelm(4);
    assert.ok(path.isAbsolute(bin), `not absolute: ${bin}`);
    assert.equal(runVersion(bin), 'v4.1.4');
  });

  test('Helm 3 and Helm 4 live at different paths', () => {
    assert.notEqual(pinnedHelm(3), pinnedHelm(4));
  });

  test('a second call reuses the cached binary instead of extracting again', () => {
    const first = pinnedHelm(3);
    const before = statSync(first);
    const second = pinnedHelm(3);
    const afterwards = statSync(second);
    assert.equal(second, first);
    // Extraction renames a fresh file into place, which would change the inode and mtime.
    assert.equal(afterwards.ino, before.ino);
    assert.equal(afterwards.mtimeMs, before.mtimeMs);
  });
});

describe('defaultHelm', { skip: SKIP_FAKE }, () => {
  let scratch = '';
  let envHelm = '';
  let pathDir = '';
  let emptyDir = '';

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'helm-binaries-test-'));
    envHelm = writeFakeHelm(path.join(scratch, 'env', 'my-helm'), ENV_FAKE_VERSION);
    pathDir = path.dirname(writeFakeHelm(path.join(scratch, 'path', 'helm'), PATH_FAKE_VERSION));
    emptyDir = path.join(scratch, 'empty');
    mkdirSync(emptyDir);
  });

  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  test('honours HELM_BIN before a helm on PATH', () => {
    withEnv({ HELM_BIN: envHelm, PATH: pathDir }, () => {
      const bin = defaultHelm();
      assert.equal(bin, envHelm);
      assert.equal(helmVersion(bin), ENV_FAKE_VERSION);
    });
  });

  test('rejects a HELM_BIN that is not an executable file', () => {
    withEnv({ HELM_BIN: path.join(scratch, 'missing-helm'), PATH: pathDir }, () => {
      assert.throws(() => defaultHelm(), { name: 'HelmUnavailableError', message: /HELM_BIN/ });
    });
  });

  test('finds helm on PATH when HELM_BIN is unset', () => {
    withEnv({ HELM_BIN: undefined, PATH: [emptyDir, pathDir].join(path.delimiter) }, () => {
      const bin = defaultHelm();
      assert.equal(bin, path.join(pathDir, 'helm'));
      assert.equal(helmVersion(bin), PATH_FAKE_VERSION);
    });
  });

  test('falls back to pinned Helm 3 when nothing else is found', { skip: SKIP_PINNED }, () => {
    withEnv({ HELM_BIN: undefined, PATH: emptyDir }, () => {
      assert.equal(defaultHelm(), pinnedHelm(3));
    });
  });
});

// Asks the binary directly, so these checks do not depend on helmVersion() being right.
function runVersion(bin: string): string {
  return execFileSync(bin, ['version', '--template', '{{.Version}}'], { encoding: 'utf8' }).trim();
}

// A stand-in helm that answers `helm version --template ...` with a fixed version.
function writeFakeHelm(file: string, version: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' '${version}'\n`);
  chmodSync(file, 0o755);
  return file;
}

function withEnv(vars: Record<string, string | undefined>, fn: () => void): void {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  try {
    setEnv(vars);
    fn();
  } finally {
    setEnv(saved);
  }
}

// Assigning undefined to process.env stores the string 'undefined', so unset by deleting.
function setEnv(vars: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) {
      delete process.env[key];
    } else {
      process.env[key] = value;
    }
  }
}
