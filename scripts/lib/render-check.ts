// Renders the chart with `helm template` and runs `npm run check`'s rules on what it rendered
// (./check/run.ts: Istio's CRDs, istiod's webhook, lint warnings). Shared by `npm run render` and
// `npm start`.
//
// Usage:
//   import { renderAndCheck } from './lib/render-check.js';
//   const result = renderAndCheck({ release: 'shop', args: ['-n', 'shop', '-f', 'x.yaml'] });
//   result.ok, else result.error (Helm failed) or result.findings (errors among them);
//   warnings are in result.findings when ok is true too
//
// It also holds the rules Helm and Kubernetes set for a release name and a namespace, which the
// commands check before they get that far (releaseNameProblem, namespaceProblem).

import yaml from 'js-yaml';

import { readText } from './check/read.js';
import { checkDocuments, sortFindings } from './check/run.js';
import type { CheckFinding } from './check/types.js';
import { UsageError } from './errors.js';
import { defaultHelm, HelmUnavailableError } from './helm.js';
import { helmTemplate } from './helm-template.js';

export const DEFAULT_RELEASE = 'istio-zero-trust';
export const MAX_RELEASE_NAME_LENGTH = 53;
export const MAX_NAMESPACE_LENGTH = 63;
/** The file name findings on rendered manifests carry. */
export const RENDERED_FILE = 'rendered';

// Helm 3 and 4 accept a release name matching this, up to 53 characters; a namespace is a
// Kubernetes DNS label.
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RELEASE_NAME_RULE = `a Helm release name is lower-case letters, digits, '-' and '.', starts and ends with a letter or digit, and has at most ${MAX_RELEASE_NAME_LENGTH} characters`;
const NAMESPACE_RULE = `a namespace is a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${MAX_NAMESPACE_LENGTH} characters`;

export interface RenderCheckOptions {
  /** Helm binary; `defaultHelm()` ($HELM_BIN, helm on PATH, pinned Helm 3) when omitted. */
  helm?: string;
  /** Release name; DEFAULT_RELEASE when omitted. */
  release?: string;
  /** Further `helm template` flags, passed through as given (`-n`, `-f`, `--set`, ...). */
  args?: readonly string[];
  chartDir?: string;
}

export interface RenderCheckResult {
  /** Helm rendered, the output parsed and the checks found no error (warnings may remain). */
  ok: boolean;
  /** What `helm template` printed on stdout: the manifests. */
  manifests: string;
  /** What Helm printed on stderr (warnings on success, the error on failure). */
  stderr: string;
  /** Why nothing could be checked: Helm failed or printed YAML that does not parse; else ''. */
  error: string;
  documents: unknown[];
  /** What the checks found, errors first per document; file RENDERED_FILE. */
  findings: CheckFinding[];
  /** Istio security documents checked, and other documents skipped. */
  checked: number;
  skipped: number;
}

/**
 * Renders and checks. Throws UsageError when no Helm can be run; a failed render or failed
 * check is reported in the result.
 */
export function renderAndCheck(options: RenderCheckOptions = {}): RenderCheckResult {
  const render = runHelmTemplate(options);
  const result: RenderCheckResult = {
    ok: false,
    manifests: render.stdout,
    stderr: render.stderr,
    error: '',
    documents: [],
    findings: [],
    checked: 0,
    skipped: 0,
  };
  if (!render.ok) {
    return { ...result, error: render.stderr.trim() || 'helm template failed without a message' };
  }
  try {
    result.documents = yaml.loadAll(render.stdout);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ...result, error: `helm template printed YAML that does not parse: ${reason}` };
  }
  const input = readText(RENDERED_FILE, render.stdout);
  result.findings = sortFindings([...input.findings, ...checkDocuments(input.documents)]);
  result.checked = input.documents.length;
  result.skipped = input.skipped;
  return { ...result, ok: !result.findings.some(({ severity }) => severity === 'error') };
}

/** Why Helm would refuse `name` as a release name, or undefined when it accepts it. */
export function releaseNameProblem(name: string): string | undefined {
  const fits = name.length <= MAX_RELEASE_NAME_LENGTH && RELEASE_NAME.test(name);
  return fits ? undefined : RELEASE_NAME_RULE;
}

/** Why Kubernetes would refuse `namespace` as a namespace name, or undefined when it accepts it. */
export function namespaceProblem(namespace: string): string | undefined {
  const fits = namespace.length <= MAX_NAMESPACE_LENGTH && DNS_LABEL.test(namespace);
  return fits ? undefined : NAMESPACE_RULE;
}

function runHelmTemplate(options: RenderCheckOptions): ReturnType<typeof helmTemplate> {
  try {
    return helmTemplate({
      helm: options.helm ?? defaultHelm(),
      release: options.release ?? DEFAULT_RELEASE,
      extraArgs: options.args ?? [],
      ...(options.chartDir === undefined ? {} : { chartDir: options.chartDir }),
    });
  } catch (error) {
    throw asUsageError(error);
  }
}

// No Helm to run is an environment problem (exit 2), not a failed check.
function asUsageError(error: unknown): unknown {
  if (error instanceof HelmUnavailableError) return new UsageError(error.message);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES') {
    const fix = 'install helm or set HELM_BIN to a helm binary';
    return new UsageError(`cannot run helm (${code}); ${fix}`);
  }
  return error;
}
