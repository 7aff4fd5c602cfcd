// Draws the call graph: Mermaid flowchart text (graph.mmd) and Graphviz DOT, which @viz-js/viz
// (Graphviz compiled to WebAssembly) lays out as SVG (graph.svg), with dot, or with fdp when a
// namespace is too large for dot. Both show the same nodes, one box per namespace, and the same
// edge labels: the port, the methods allowed ("any method", "any method except DELETE" or a
// list), "(some paths)" when some tried path is denied, and "with JWT: ..." for what a valid
// token adds. An edge that only a token opens is dashed; a workload without a sidecar is marked
// "(no sidecar)". Mermaid draws nothing beyond its default limits unless they are raised, so
// mermaidLimitWarnings says when graph.mmd exceeds them.
//
// Mermaid ids carry a prefix by kind, so that no workload can take a namespace's id: `w_` for
// workloads, `ns_` for namespaces, and `outside` for the caller outside the mesh.

import { instance } from '@viz-js/viz';

import type { Access, Graph, GraphEdge, GraphNode } from './types.js';

const NO_SIDECAR = ' (no sidecar)';
const ANY_METHOD = 'any method';
const WORKLOAD_PREFIX = 'w_';
const NAMESPACE_PREFIX = 'ns_';
const OUTSIDE_MERMAID_ID = 'outside';
/** Mermaid's default limits (its `maxEdges` and `maxTextSize` settings). */
export const MERMAID_MAX_EDGES = 500;
export const MERMAID_MAX_TEXT_SIZE = 50_000;
// Graphviz lays a `label` out as part of the graph, which takes minutes for hundreds of edges;
// an `xlabel` is placed after the layout (it may overlap), which takes about a second. Beyond
// this many edges the layout is also cut short and edges are drawn straight: 200 workloads in one
// namespace took 70 s to lay out with the defaults, 3 s with LARGE_GRAPH_SETTINGS.
const MAX_LAID_OUT_LABELS = 100;
const LARGE_GRAPH_SETTINGS = '  nslimit=0.2; nslimit1=0.2; splines=line;';
// dot, which draws calls left to right, takes 3 s for a namespace of 200 workloads, 20 s for 300
// and a minute for 400; beyond this many, fdp (force-directed, namespace boxes kept) lays the
// graph out instead, 400 in one namespace in about 2 s.
const MAX_DOT_NAMESPACE = 200;

/** The label of an edge: `9080 GET, POST (some paths); with JWT: GET, POST, DELETE`. */
export function edgeLabel(edge: GraphEdge): string {
  const describe = (access: Access): string => {
    if (edge.protocol === 'tcp') return 'tcp';
    const methods = access.otherMethods
      ? anyMethodBut(access.deniedMethods)
      : access.methods.join(', ');
    return access.somePaths ? `${methods} (some paths)` : methods;
  };
  let label = String(edge.port);
  if (edge.access !== null) label += ` ${describe(edge.access)}`;
  if (edge.withJwt !== null) {
    label += `${edge.access === null ? ' ' : '; '}with JWT: ${describe(edge.withJwt)}`;
  }
  return edge.enforced ? label : `${label}${NO_SIDECAR}`;
}

/** The graph as a Mermaid flowchart, left to right. */
export function toMermaid(graph: Graph): string {
  const ids = nodeIds(graph.nodes);
  const lines = ['flowchart LR'];
  for (const [namespace, nodes] of byNamespace(graph.nodes)) {
    if (namespace === null) {
      lines.push(...nodes.map((node) => `  ${ids.get(node.id)}(["${mermaidText(node.label)}"])`));
      continue;
    }
    lines.push(`  subgraph ${NAMESPACE_PREFIX}${safeId(namespace)} ["${mermaidText(namespace)}"]`);
    lines.push(
      ...nodes.map((node) => `    ${ids.get(node.id)}["${mermaidText(nodeLabel(node))}"]`),
    );
    lines.push('  end');
  }
  for (const edge of graph.edges) {
    const arrow = edge.access === null ? '-.->' : '-->';
    const label = mermaidText(edgeLabel(edge));
    lines.push(`  ${ids.get(edge.from)} ${arrow}|"${label}"| ${ids.get(edge.to)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * One line for each default limit of Mermaid the flowchart exceeds, saying how to raise it;
 * `name` is what the lines call the file.
 */
export function mermaidLimitWarnings(text: string, edges: number, name: string): string[] {
  const raise = (setting: string, value: number): string =>
    `Mermaid shows an error instead of the graph unless the tool that draws it sets ${setting} to at least ${value} (mermaid.initialize({${setting}: ${value}}), or "${setting}" in the config file of mmdc -c; a diagram cannot raise it itself); graph.svg shows the whole graph`;
  const warnings: string[] = [];
  if (edges > MERMAID_MAX_EDGES) {
    warnings.push(
      `${name} has ${edges} edges, more than Mermaid's default maxEdges of ${MERMAID_MAX_EDGES}: ${raise('maxEdges', edges)}`,
    );
  }
  if (text.length > MERMAID_MAX_TEXT_SIZE) {
    warnings.push(
      `${name} has ${text.length} characters, more than Mermaid's default maxTextSize of ${MERMAID_MAX_TEXT_SIZE}: ${raise('maxTextSize', text.length)}`,
    );
  }
  return warnings;
}

/** The same graph in Graphviz DOT. */
export function toDot(graph: Graph): string {
  const large = graph.edges.length > MAX_LAID_OUT_LABELS;
  const lines = [
    'digraph calls {',
    '  rankdir=LR;',
    ...(large ? [LARGE_GRAPH_SETTINGS] : []),
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  for (const [namespace, nodes] of byNamespace(graph.nodes)) {
    if (namespace === null) {
      lines.push(
        ...nodes.map(
          (node) => `  ${dotText(node.id)} [label=${dotText(node.label)}, shape=ellipse];`,
        ),
      );
      continue;
    }
    lines.push(
      `  subgraph ${dotText(`cluster_${namespace}`)} {`,
      `    label=${dotText(namespace)};`,
    );
    for (const node of nodes) {
      const style = node.sidecar ? '' : ', style="rounded,dashed"';
      lines.push(`    ${dotText(node.id)} [label=${dotText(nodeLabel(node))}${style}];`);
    }
    lines.push('  }');
  }
  const labelAttribute = large ? 'xlabel' : 'label';
  for (const edge of graph.edges) {
    const style = edge.access === null ? ', style=dashed' : '';
    const label = `${labelAttribute}=${dotText(edgeLabel(edge))}`;
    lines.push(`  ${dotText(edge.from)} -> ${dotText(edge.to)} [${label}${style}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The graph as SVG, laid out by Graphviz from toDot's text. */
export async function renderSvg(graph: Graph): Promise<string> {
  const viz = await instance();
  return viz.renderString(toDot(graph), { format: 'svg', engine: layoutEngine(graph) });
}

/** dot, or fdp when a namespace holds more workloads than dot lays out in a few seconds. */
export function layoutEngine(graph: Graph): 'dot' | 'fdp' {
  const largest = Math.max(0, ...byNamespace(graph.nodes).map(([, nodes]) => nodes.length));
  return largest > MAX_DOT_NAMESPACE ? 'fdp' : 'dot';
}

// "any method", or "any method except DELETE" when a tried method is denied.
function anyMethodBut(denied: readonly string[]): string {
  return denied.length === 0 ? ANY_METHOD : `${ANY_METHOD} except ${denied.join(', ')}`;
}

function nodeLabel(node: GraphNode): string {
  return node.sidecar || node.namespace === null ? node.label : `${node.label}${NO_SIDECAR}`;
}

// Namespaces in the order of the (sorted) nodes; the outside caller, with no namespace, last.
function byNamespace(nodes: readonly GraphNode[]): [string | null, GraphNode[]][] {
  const groups = new Map<string | null, GraphNode[]>();
  for (const node of nodes)
    groups.set(node.namespace, [...(groups.get(node.namespace) ?? []), node]);
  return [...groups.entries()].sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : 0));
}

// Mermaid ids: letters, digits and `_` only, made unique in node order.
function nodeIds(nodes: readonly GraphNode[]): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const node of nodes) {
    if (node.namespace === null) {
      ids.set(node.id, OUTSIDE_MERMAID_ID);
      continue;
    }
    const base = `${WORKLOAD_PREFIX}${safeId(node.id)}`;
    let id = base;
    for (let suffix = 2; used.has(id); suffix += 1) id = `${base}_${suffix}`;
    used.add(id);
    ids.set(node.id, id);
  }
  return ids;
}

function safeId(text: string): string {
  return text.replace(/\//g, '__').replace(/[^A-Za-z0-9_]/g, '_');
}

// Inside a quoted Mermaid label only `"` needs an entity.
function mermaidText(text: string): string {
  return text.replace(/"/g, '#quot;');
}

function dotText(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
