// Benchmark of rendering and checking at scale: for generated values with 10 to 5,000 ALLOW rules
// over 10 to 1,000 workloads, measures
//   - `helm template` wall time and peak memory of the chart, next to `helm template` of a static
//     chart holding the same rendered output as plain files (the floor Helm itself sets);
//   - validateValues time, and `check` documents per second next to plain CRD schema validation
//     of the same documents (the @kubernetes-models/istio `.validate()` that check also runs);
//   - the AuthorizationPolicy objects and rules rendered, next to the minimum for the same
//     decisions (one ALLOW policy per distinct workload selector, plus allow-nothing).
// It prints the machine, then medians over --runs runs. The pinned Helm 3 renders; in-process
// timings (validate, check, schema) are per call over at least 20 calls and 200 ms.
//
// Run: npm run bench -- [--json] [--runs N] [--sizes small|full]
//   --sizes small: only the 10 and 100 sizes, one run unless --runs is given (the smoke test).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { MODELS } from './lib/check/crd.js';
import { readText } from './lib/check/read.js';
import { checkDocuments } from './lib/check/run.js';
import type { IstioDocument } from './lib/check/types.js';
import { UsageError, isEntryPoint, runMain } from './lib/errors.js';
import { helmVersion, pinnedHelm } from './lib/helm.js';
import { CHART_DIR } from './lib/paths.js';
import { validateValues } from './lib/validation.js';

export type SizeSet = 'small' | 'full';

export interface BenchOptions {
  json: boolean;
  runs: number;
  sizes: SizeSet;
}

interface Size {
  rules: number;
  workloads: number;
}

interface Skipped extends Size {
  reason: string;
}

interface HelmRun {
  ms: number;
  peakKiB: number;
}

interface Sample {
  chart: HelmRun;
  static: HelmRun;
  validateMs: number;
  checkMs: number;
  schemaMs: number;
}

export interface BenchRow extends Size {
  render: {
    chartMs: number;
    staticMs: number;
    ratio: number;
    chartPeakMiB: number;
    staticPeakMiB: number;
  };
  validateMs: number;
  check: {
    documents: number;
    checkMs: number;
    checkDocsPerSecond: number;
    schemaMs: number;
    schemaDocsPerSecond: number;
    ratio: number;
  };
  objects: {
    authorizationPolicies: number;
    minimumAuthorizationPolicies: number;
    rules: number;
    minimumRules: number;
  };
}

const COMMAND = 'bench';
const USAGE = '[--json] [--runs N] [--sizes small|full]';
const RULE_COUNTS: Readonly<Record<SizeSet, readonly number[]>> = {
  small: [10, 100],
  full: [10, 100, 1_000, 5_000],
};
const WORKLOAD_COUNTS: Readonly<Record<SizeSet, readonly number[]>> = {
  small: [10, 100],
  full: [10, 100, 1_000],
};
const DEFAULT_RUNS: Readonly<Record<SizeSet, number>> = { small: 1, full: 5 };
// values-schema.json: an AuthorizationPolicy holds at most 512 rules.
const MAX_RULES_PER_POLICY = 512;
const NAMESPACE = 'bench';
const RELEASE = 'bench';
const CHART_NAME = 'istio-zero-trust';
const CLIENT_NAMESPACES = 10;
const FIRST_PORT = 1024;
const GNU_TIME = '/usr/bin/time';
const PEAK_RSS = /Maximum resident set size \(kbytes\): (\d+)/;
const VMHWM = /^VmHWM:\s+(\d+) kB/m;
const POLL_MS = 5;
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
const SOURCE_HEADER = /^---\n# Source: [^/\n]+\/templates\/([^\n]+)\n/m;
const RENDER_TARGET = { rules: 1_000, ratio: 1.5 };
const CHECK_TARGET_RATIO = 3;

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const helm = pinnedHelm(3);
  const machine = describeMachine(helm);
  const { sizes, skipped } = plannedSizes(options.sizes);
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'izt-bench-'));
  try {
    const rows: BenchRow[] = [];
    for (const size of sizes) {
      console.error(`bench: ${size.rules} rules over ${size.workloads} workloads...`);
      rows.push(await benchSize(helm, size, options.runs, workDir));
    }
    const targets = judgeTargets(rows);
    if (options.json) {
      const report = { machine, runs: options.runs, sizes: options.sizes, rows, skipped, targets };
      console.log(JSON.stringify(report, null, 2));
    } else {
      printReport(machine, options.runs, rows, skipped, targets);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

// --- arguments and plan ---

export function parseArguments(args: readonly string[]): BenchOptions {
  let json = false;
  let runs: number | undefined;
  let sizes: SizeSet = 'full';
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg === '--json') json = true;
    else if (arg === '--runs') runs = positiveInteger(args[(index += 1)]);
    else if (arg === '--sizes') sizes = sizeSet(args[(index += 1)]);
    else throw new UsageError(`unknown argument '${arg}'; use ${USAGE}`);
  }
  return { json, runs: runs ?? DEFAULT_RUNS[sizes], sizes };
}

function positiveInteger(text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`--runs needs a whole number of at least 1, not '${text ?? ''}'`);
  }
  return value;
}

function sizeSet(text: string | undefined): SizeSet {
  if (text === 'small' || text === 'full') return text;
  throw new UsageError(`--sizes is small or full, not '${text ?? ''}'`);
}

/** Every rules x workloads combination, less those the generator cannot build. */
export function plannedSizes(set: SizeSet): { sizes: Size[]; skipped: Skipped[] } {
  const sizes: Size[] = [];
  const skipped: Skipped[] = [];
  for (const rules of RULE_COUNTS[set]) {
    for (const workloads of WORKLOAD_COUNTS[set]) {
      const reason = impossibility(rules, workloads);
      if (reason === undefined) sizes.push({ rules, workloads });
      else skipped.push({ rules, workloads, reason });
    }
  }
  return { sizes, skipped };
}

function impossibility(rules: number, workloads: number): string | undefined {
  if (rules < workloads) return 'fewer rules than workloads: every workload needs one rule';
  if (Math.ceil(rules / workloads) > MAX_RULES_PER_POLICY) {
    return `more than ${MAX_RULES_PER_POLICY} rules per policy, the schema's limit`;
  }
  return undefined;
}

// --- generated values ---

/**
 * Workloads w0..w(N-1) labelled app=wI, each with one ALLOW policy selecting it; the rules are
 * dealt out in turn, each admitting one client identity to one port of its own.
 */
export function generateValues({ rules, workloads }: Size): Record<string, unknown> {
  const perWorkload: Record<string, unknown>[][] = Array.from({ length: workloads }, () => []);
  for (let index = 0; index < rules; index += 1) {
    const list = perWorkload[index % workloads] as Record<string, unknown>[];
    list.push(generatedRule(index, list.length));
  }
  const policies: Record<string, unknown> = {};
  perWorkload.forEach((list, workload) => {
    policies[`allow-w${workload}`] = {
      action: 'ALLOW',
      selector: { matchLabels: { app: `w${workload}` } },
      rules: list,
    };
  });
  return { authorization: { policies } };
}

function generatedRule(index: number, indexInPolicy: number): Record<string, unknown> {
  const identity = {
    namespace: `client-ns-${index % CLIENT_NAMESPACES}`,
    serviceAccount: `client-${index}`,
  };
  return {
    from: [{ source: { workloadIdentities: [identity] } }],
    to: [{ operation: { ports: [String(FIRST_PORT + indexInPolicy)] } }],
  };
}

// --- one size ---

async function benchSize(
  helm: string,
  size: Size,
  runs: number,
  workDir: string,
): Promise<BenchRow> {
  const values = generateValues(size);
  const valuesFile = path.join(workDir, `values-${size.rules}-${size.workloads}.json`);
  writeFileSync(valuesFile, JSON.stringify(values)); // JSON is YAML, without YAML 1.1 surprises
  const rendered = renderChart(helm, valuesFile);
  const staticDir = path.join(workDir, `static-${size.rules}-${size.workloads}`);
  const staticChart = writeStaticChart(rendered, staticDir);
  assertSameOutput(rendered, renderStatic(helm, staticChart));
  const documents = readDocuments(rendered);
  const samples: Sample[] = [];
  warmUp(values, documents);
  for (let run = 0; run < runs; run += 1) {
    samples.push({
      chart: await timeHelm(helm, chartArgs(valuesFile)),
      static: await timeHelm(helm, staticArgs(staticChart)),
      validateMs: timeValidate(values),
      checkMs: timeCheck(documents),
      schemaMs: timeSchema(documents),
    });
  }
  return summarize(size, samples, documents);
}

function chartArgs(valuesFile: string): string[] {
  return ['template', RELEASE, CHART_DIR, '--namespace', NAMESPACE, '--values', valuesFile];
}

function staticArgs(chartDir: string): string[] {
  return ['template', RELEASE, chartDir, '--namespace', NAMESPACE];
}

function renderChart(helm: string, valuesFile: string): string {
  return runHelm(helm, chartArgs(valuesFile));
}

function renderStatic(helm: string, chartDir: string): string {
  return runHelm(helm, staticArgs(chartDir));
}

function runHelm(helm: string, args: readonly string[]): string {
  const run = spawnSync(helm, args, {
    encoding: 'utf8',
    maxBuffer: MAX_OUTPUT_BYTES,
    env: { ...process.env, HELM_NO_PLUGINS: '1' },
  });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`helm ${args.join(' ')} failed: ${run.stderr.trim()}`);
  return run.stdout;
}

/** A chart of the same name whose templates/ hold the rendered output as plain files. */
function writeStaticChart(rendered: string, dir: string): string {
  mkdirSync(path.join(dir, 'templates'), { recursive: true });
  writeFileSync(
    path.join(dir, 'Chart.yaml'),
    `apiVersion: v2\nname: ${CHART_NAME}\nversion: 0.0.0\ndescription: static floor\n`,
  );
  for (const [file, text] of splitBySource(rendered)) {
    writeFileSync(path.join(dir, 'templates', file), text);
  }
  return dir;
}

// `helm template` prints each document after "---\n# Source: <chart>/templates/<file>".
function splitBySource(rendered: string): Map<string, string> {
  const files = new Map<string, string>();
  const parts = rendered.split(/(?=^---\n# Source: )/m).filter((part) => part.trim() !== '');
  for (const part of parts) {
    const match = SOURCE_HEADER.exec(part);
    if (match === null) throw new Error('helm output without a "# Source:" header');
    const file = match[1] as string;
    const body = part.slice(match[0].length);
    const previous = files.get(file);
    files.set(file, previous === undefined ? body : `${previous}---\n${body}`);
  }
  return files;
}

// The floor is only a floor if it prints the same documents.
function assertSameOutput(chart: string, floor: string): void {
  if (documentsOf(chart) !== documentsOf(floor)) {
    throw new Error('the static chart does not render the same documents as the chart');
  }
}

function documentsOf(rendered: string): string {
  return rendered
    .split('\n')
    .filter((line) => !line.startsWith('# Source: ') && line !== '---')
    .join('\n');
}

function readDocuments(rendered: string): IstioDocument[] {
  const read = readText('rendered.yaml', rendered);
  if (read.findings.length > 0) {
    throw new Error(`rendered output unreadable: ${read.findings[0]?.message}`);
  }
  return read.documents;
}

// The first call compiles the values schema and warms the JIT; no sample should pay for that.
function warmUp(values: unknown, documents: readonly IstioDocument[]): void {
  timeValidate(values);
  timeCheck(documents);
  timeSchema(documents);
}

// --- measurements ---

// In-process timings repeat a call until it has run MIN_CALLS times and MIN_MS in total, and
// report the time per call: a single call of a few milliseconds mostly measures the JIT.
const MIN_CALLS = 20;
const MIN_MS = 200;

function timePerCall(call: () => void): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (calls < MIN_CALLS || elapsed < MIN_MS) {
    call();
    calls += 1;
    elapsed = performance.now() - start;
  }
  return elapsed / calls;
}

function timeValidate(values: unknown): number {
  const result = validateValues([values], { namespace: NAMESPACE });
  if (result.errors.length > 0) {
    throw new Error(`generated values are invalid: ${result.errors[0]?.message}`);
  }
  return timePerCall(() => validateValues([values], { namespace: NAMESPACE }));
}

function timeCheck(documents: readonly IstioDocument[]): number {
  const findings = checkDocuments(documents);
  const error = findings.find((finding) => finding.severity === 'error');
  if (error !== undefined) throw new Error(`check rejects the rendered output: ${error.message}`);
  return timePerCall(() => checkDocuments(documents));
}

/** Only the CRD OpenAPI schema, as check's schema rule runs it. */
function timeSchema(documents: readonly IstioDocument[]): number {
  return timePerCall(() => {
    for (const document of documents) {
      const model = MODELS[`${document.apiVersion}/${document.kind}`];
      if (model === undefined) throw new Error(`no schema model for ${document.kind}`);
      new model(document.object as never).validate();
    }
  });
}

/** Wall time and peak resident memory of one helm run. */
async function timeHelm(helm: string, args: readonly string[]): Promise<HelmRun> {
  return existsSync(GNU_TIME) ? timeWithGnuTime(helm, args) : timeWithProcPolling(helm, args);
}

function timeWithGnuTime(helm: string, args: readonly string[]): HelmRun {
  const start = performance.now();
  const run = spawnSync(GNU_TIME, ['-v', helm, ...args], {
    encoding: 'utf8',
    maxBuffer: MAX_OUTPUT_BYTES,
    env: { ...process.env, HELM_NO_PLUGINS: '1' },
  });
  const ms = performance.now() - start;
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`helm ${args.join(' ')} failed: ${run.stderr.trim()}`);
  const peak = PEAK_RSS.exec(run.stderr);
  if (peak === null) throw new Error(`${GNU_TIME} -v printed no peak memory`);
  return { ms, peakKiB: Number(peak[1]) };
}

// Without GNU time: read the child's VmHWM (peak resident set) until it exits.
function timeWithProcPolling(helm: string, args: readonly string[]): Promise<HelmRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(helm, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, HELM_NO_PLUGINS: '1' },
    });
    let peakKiB = 0;
    let stderr = '';
    const poll = (): void => {
      try {
        const match = VMHWM.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match !== null) peakKiB = Math.max(peakKiB, Number(match[1]));
      } catch {
        // the process has exited between polls
      }
    };
    const timer = setInterval(poll, POLL_MS);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (status) => {
      const ms = performance.now() - start;
      clearInterval(timer);
      if (status !== 0) reject(new Error(`helm ${args.join(' ')} failed: ${stderr.trim()}`));
      else resolve({ ms, peakKiB });
    });
    poll();
  });
}

// --- results ---

function summarize(
  size: Size,
  samples: readonly Sample[],
  documents: readonly IstioDocument[],
): BenchRow {
  const chartMs = median(samples.map((sample) => sample.chart.ms));
  const staticMs = median(samples.map((sample) => sample.static.ms));
  const checkMs = median(samples.map((sample) => sample.checkMs));
  const schemaMs = median(samples.map((sample) => sample.schemaMs));
  return {
    ...size,
    render: {
      chartMs: round(chartMs),
      staticMs: round(staticMs),
      ratio: round(chartMs / staticMs, 2),
      chartPeakMiB: round(median(samples.map((sample) => sample.chart.peakKiB)) / 1024),
      staticPeakMiB: round(median(samples.map((sample) => sample.static.peakKiB)) / 1024),
    },
    // Per-call times of small inputs are fractions of a millisecond.
    validateMs: round(median(samples.map((sample) => sample.validateMs)), 3),
    check: {
      documents: documents.length,
      checkMs: round(checkMs, 3),
      checkDocsPerSecond: Math.round(documents.length / (checkMs / 1000)),
      schemaMs: round(schemaMs, 3),
      schemaDocsPerSecond: Math.round(documents.length / (schemaMs / 1000)),
      ratio: round(checkMs / schemaMs, 2),
    },
    objects: countObjects(documents),
  };
}

/**
 * Rendered AuthorizationPolicies and rules, and the fewest that make the same decisions: one
 * ALLOW policy per distinct selector (plus allow-nothing), and per selector one rule per distinct
 * `to`/`when` (rules that differ only in `from` merge into one).
 */
export function countObjects(documents: readonly IstioDocument[]): BenchRow['objects'] {
  const policies = documents.filter((document) => document.kind === 'AuthorizationPolicy');
  const selectors = new Set<string>();
  const scopes = new Set<string>();
  let rules = 0;
  let allowNothing = 0;
  for (const { object } of policies) {
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    const list = Array.isArray(spec.rules) ? (spec.rules as Record<string, unknown>[]) : [];
    rules += list.length;
    if (list.length === 0) {
      allowNothing = 1;
      continue;
    }
    const selector = JSON.stringify([spec.action ?? 'ALLOW', spec.selector ?? null]);
    selectors.add(selector);
    for (const rule of list) {
      scopes.add(JSON.stringify([selector, rule.to ?? null, rule.when ?? null]));
    }
  }
  return {
    authorizationPolicies: policies.length,
    minimumAuthorizationPolicies: selectors.size + allowNothing,
    rules,
    minimumRules: scopes.size,
  };
}

interface Targets {
  render: { target: string; met: boolean | null; ratios: number[] };
  check: { target: string; met: boolean; worstRatio: number };
  objects: { target: string; met: boolean };
}

function judgeTargets(rows: readonly BenchRow[]): Targets {
  const renderRatios = rows
    .filter((row) => row.rules === RENDER_TARGET.rules)
    .map((row) => row.render.ratio);
  const worstCheck = Math.max(...rows.map((row) => row.check.ratio));
  return {
    render: {
      target: `chart/static <= ${RENDER_TARGET.ratio} at ${RENDER_TARGET.rules} rules`,
      met:
        renderRatios.length === 0
          ? null
          : renderRatios.every((ratio) => ratio <= RENDER_TARGET.ratio),
      ratios: renderRatios,
    },
    check: {
      target: `check/schema <= ${CHECK_TARGET_RATIO}`,
      met: worstCheck <= CHECK_TARGET_RATIO,
      worstRatio: worstCheck,
    },
    objects: {
      target: 'AuthorizationPolicies rendered = minimum',
      met: rows.every(
        (row) => row.objects.authorizationPolicies === row.objects.minimumAuthorizationPolicies,
      ),
    },
  };
}

interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  helm: string;
  peakMemoryBy: string;
}

function describeMachine(helm: string): Machine {
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    helm: helmVersion(helm),
    peakMemoryBy: existsSync(GNU_TIME) ? `${GNU_TIME} -v` : '/proc/<pid>/status VmHWM',
  };
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1] !== undefined) return match[1].trim();
  } catch {
    // not Linux; fall back to what Node reports
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function printReport(
  machine: Machine,
  runs: number,
  rows: readonly BenchRow[],
  skipped: readonly Skipped[],
  targets: Targets,
): void {
  console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB`);
  console.log(`Node ${machine.node}, Helm ${machine.helm}; peak memory by ${machine.peakMemoryBy}`);
  console.log(`Medians over ${runs} run(s); times in ms.\n`);
  const header = [
    'rules', 'workloads', 'render', 'static', 'ratio', 'MiB', 'static MiB', 'validate',
    'docs', 'check docs/s', 'schema docs/s', 'ratio', 'APs', 'min APs', 'rules out', 'min rules',
  ];
  const table = rows.map((row) => [
    row.rules, row.workloads, row.render.chartMs, row.render.staticMs, row.render.ratio,
    row.render.chartPeakMiB, row.render.staticPeakMiB, row.validateMs, row.check.documents,
    row.check.checkDocsPerSecond, row.check.schemaDocsPerSecond, row.check.ratio,
    row.objects.authorizationPolicies, row.objects.minimumAuthorizationPolicies,
    row.objects.rules, row.objects.minimumRules,
  ].map(String));
  printTable([header, ...table]);
  for (const { rules, workloads, reason } of skipped) {
    console.log(`skipped ${rules} rules over ${workloads} workloads: ${reason}`);
  }
  console.log('');
  const { render, check, objects } = targets;
  console.log(`render ${render.target}: ${verdict(render.met)} (${render.ratios.join(', ')})`);
  console.log(`check ${check.target}: ${verdict(check.met)} (worst ${check.worstRatio})`);
  console.log(`objects ${objects.target}: ${verdict(objects.met)}`);
}

function verdict(met: boolean | null): string {
  if (met === null) return 'not measured';
  return met ? 'met' : 'MISSED';
}

function printTable(lines: readonly string[][]): void {
  const widths = (lines[0] ?? []).map((_, column) =>
    Math.max(...lines.map((line) => (line[column] ?? '').length)),
  );
  for (const line of lines) {
    console.log(line.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  '));
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

if (isEntryPoint(import.meta.url)) runMain(COMMAND, main);
