// Draws the call graph: Mermaid flowchart text (graph.mmd) and Graphviz DOT, which @viz-js/viz
// (Graphviz compiled to WebAssembly) lays out as SVG (graph.svg). Both show the same nodes, one
// box per namespace, and the same edge labels: the port, the methods allowed, "(some paths)"
// when only some candidate paths are, and "with JWT: ..." for what a valid token adds. An edge
// that only a token opens is dashed; a workload without a sidecar is marked "(no sidecar)".

import { instance } from '@viz-js/viz';

import type { Access, Graph, GraphEdge, GraphNode } from './types.js';

const NO_SIDECAR = ' (no sidecar)';
const ANY_METHOD = 'any method';
// Graphviz lays a `label` out as part of the graph, which takes minutes for hundreds of edges;
// an `xlabel` is placed after the layout (it may overlap), which takes about a second.
const MAX_LAID_OUT_LABELS = 100;

/** The label of an edge: `9080 GET, POST (some paths); with JWT: GET, POST, DELETE`. */
export function edgeLabel(edge: GraphEdge): string {
  const describe = (access: Access): string => {
    if (edge.protocol === 'tcp') return 'tcp';
    const methods = access.anyMethod ? ANY_METHOD : access.methods.join(', ');
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
    lines.push(`  subgraph ns_${safeId(namespace)} ["${mermaidText(namespace)}"]`);
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

/** The same graph in Graphviz DOT. */
export function toDot(graph: Graph): string {
  const lines = [
    'digraph calls {',
    '  rankdir=LR;',
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
  const labelAttribute = graph.edges.length > MAX_LAID_OUT_LABELS ? 'xlabel' : 'label';
  for (const edge of graph.edges) {
    const style = edge.access === null ? ', style=dashed' : '';
    const label = `${labelAttribute}=${dotText(edgeLabel(edge))}`;
    lines.push(`  ${dotText(edge.from)} -> ${dotText(edge.to)} [${label}${style}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** SVG laid out by Graphviz from DOT text. */
export async function renderSvg(dot: string): Promise<string> {
  const viz = await instance();
  return viz.renderString(dot, { format: 'svg' });
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
    const base = safeId(node.id);
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
