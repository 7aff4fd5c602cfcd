// The coverage report of `npm run graph`: Markdown that reads as plain text on a terminal and is
// written as coverage.md, or one JSON object holding the nodes, the edges and the coverage.
// Warnings about the outputs themselves (a flowchart beyond Mermaid's default limits) come first.

import type { Coverage, Graph, JwtFinding, MtlsFinding } from './types.js';

const NONE = '- none';

/** The coverage report as Markdown, one finding a line under a heading per kind. */
export function coverageMarkdown(
  graph: Graph,
  coverage: Coverage,
  warnings: readonly string[] = [],
): string {
  const workloads = graph.nodes.filter(({ namespace }) => namespace !== null);
  const namespaces = new Set(workloads.map(({ namespace }) => namespace));
  const lines = [
    '# Coverage',
    '',
    `${count(workloads.length, 'workload')} in ${count(namespaces.size, 'namespace')}; ` +
      `${count(graph.edges.length, 'edge')} in the call graph.`,
    ...(warnings.length === 0
      ? []
      : section(
          'Warnings',
          warnings.map((line) => `- ${line}`),
        )),
    ...section('Not under STRICT mTLS', coverage.notStrict.map(mtlsLine)),
    ...section(
      'No ALLOW policy (allowed unless a DENY policy matches)',
      coverage.noAllowPolicy.map(({ workload, message }) => `- ${workload}: ${message}`),
    ),
    ...section('Require a JWT', coverage.requireJwt.map(jwtLine)),
    ...section('Verify a JWT but do not require one', coverage.optionalJwt.map(jwtLine)),
    ...section(
      'Dry-run policies (evaluated and logged, not enforced)',
      coverage.dryRun.map(({ workload, action, policy }) => `- ${workload}: ${action} ${policy}`),
    ),
    ...section(
      'Policies that select no workload of the inventory',
      coverage.unusedPolicies.map(({ kind, policy, message }) => `- ${kind} ${policy}: ${message}`),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** Nodes, edges, coverage and warnings as one JSON object (two-space indent). */
export function reportJson(
  graph: Graph,
  coverage: Coverage,
  warnings: readonly string[] = [],
): string {
  const report = { nodes: graph.nodes, edges: graph.edges, coverage, warnings };
  return `${JSON.stringify(report, null, 2)}\n`;
}

function section(title: string, lines: readonly string[]): string[] {
  return ['', `## ${title}`, '', ...(lines.length === 0 ? [NONE] : lines)];
}

function mtlsLine({ workload, port, mode, message }: MtlsFinding): string {
  const where = port === null ? workload : `${workload} port ${port}`;
  return mode === null ? `- ${where}: ${message}` : `- ${where}: ${mode}; ${message}`;
}

function jwtLine({ workload, requestAuthentications, requiredBy }: JwtFinding): string {
  const verifiedBy = `RequestAuthentication ${requestAuthentications.join(', ')}`;
  const required =
    requiredBy.length === 0
      ? 'no policy makes a token mandatory, so requests without one pass'
      : `required by AuthorizationPolicy ${requiredBy.join(', ')}`;
  return `- ${workload}: ${verifiedBy}; ${required}`;
}

function count(value: number, noun: string): string {
  return `${value} ${noun}${value === 1 ? '' : 's'}`;
}
