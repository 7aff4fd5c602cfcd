// Runs `helm template` on the project's chart and returns what it printed.

import { spawnSync } from 'node:child_process';

import { defaultHelm } from './helm.js';
import { CHART_DIR } from './paths.js';

const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

export interface HelmTemplateOptions {
  /** Helm binary; `defaultHelm()` when omitted. */
  helm?: string;
  release?: string;
  namespace?: string;
  valueFiles?: readonly string[];
  /** Any further `helm template` flags, passed through as given. */
  extraArgs?: readonly string[];
  chartDir?: string;
}

export interface HelmTemplateResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  /** Helm's error with its "Error: execution error at (...): " prefix removed. */
  error: string;
}

/** Renders the chart; never throws for a failed render, so callers can pin error messages. */
export function helmTemplate(options: HelmTemplateOptions = {}): HelmTemplateResult {
  const args = ['template', options.release ?? 'release', options.chartDir ?? CHART_DIR];
  if (options.namespace !== undefined) args.push('--namespace', options.namespace);
  for (const file of options.valueFiles ?? []) args.push('--values', file);
  args.push(...(options.extraArgs ?? []));
  const run = spawnSync(options.helm ?? defaultHelm(), args, {
    encoding: 'utf8',
    maxBuffer: MAX_OUTPUT_BYTES,
    env: helmEnvironment(),
  });
  if (run.error) throw run.error;
  const ok = run.status === 0;
  return { ok, stdout: run.stdout, stderr: run.stderr, error: ok ? '' : helmError(run.stderr) };
}

/** The message a failed render gives a user, without Helm's location prefix. */
export function helmError(stderr: string): string {
  const text = stderr
    .replace(/^Error: /m, '')
    .replace(/\s*Use --debug flag to render out invalid YAML\s*$/, '')
    .trim();
  const execution = /execution error at \([^)]*\): ([\s\S]*)$/.exec(text);
  return execution?.[1]?.trim() ?? text;
}

/** Helm reads its home and cache from the environment; keep renders free of the user's repos. */
function helmEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env, HELM_NO_PLUGINS: '1' };
}
