// Renders the values reference (Markdown tables) from values-schema.json, for chart/README.md.

export const START_MARKER = '<!-- values-reference:start -->';
export const END_MARKER = '<!-- values-reference:end -->';

interface SchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  $ref?: string;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  required?: string[];
}

interface Row {
  key: string;
  type: string;
  defaultValue: string;
  description: string;
}

/** The whole generated block: top-level values, then one table per shared definition. */
export function renderValuesReference(schema: Record<string, unknown>, banner: string): string {
  const root = schema as SchemaNode & { definitions?: Record<string, SchemaNode> };
  const definitions = root.definitions ?? {};
  const sections = [`<!-- ${banner} -->`, '', table(rowsOf(root, ''))];
  for (const name of Object.keys(definitions).sort()) {
    const definition = definitions[name] as SchemaNode;
    sections.push('', `### ${name}`, '', escapeText(definition.description ?? ''));
    const rows = rowsOf(definition, '');
    if (rows.length > 0) sections.push('', table(rows));
  }
  return `${sections.join('\n')}\n`;
}

/** Replaces the text between the markers, keeping the markers and everything around them. */
export function replaceBetweenMarkers(document: string, block: string): string {
  const start = document.indexOf(START_MARKER);
  const end = document.indexOf(END_MARKER);
  if (start < 0 || end < start) {
    throw new Error(`the README needs the markers ${START_MARKER} and ${END_MARKER}`);
  }
  return `${document.slice(0, start + START_MARKER.length)}\n${block}${document.slice(end)}`;
}

function rowsOf(node: SchemaNode, prefix: string): Row[] {
  const rows: Row[] = [];
  const required = new Set(node.required ?? []);
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const key = `${prefix}${name}`;
    rows.push(rowOf(key, child, required.has(name)));
    if (child.properties !== undefined && child.$ref === undefined) {
      rows.push(...rowsOf(child, `${key}.`));
    }
  }
  return rows;
}

function rowOf(key: string, node: SchemaNode, required: boolean): Row {
  return {
    key: `\`${key}\``,
    type: typeOf(node),
    defaultValue: node.default === undefined ? (required ? 'required' : '') : code(node.default),
    description: escapeText(node.description ?? ''),
  };
}

function typeOf(node: SchemaNode): string {
  if (node.$ref !== undefined) return link(node.$ref);
  if (node.enum !== undefined) return node.enum.map((value) => code(value)).join(' \\| ');
  const types = Array.isArray(node.type) ? node.type : [node.type ?? 'any'];
  const main = types.filter((type) => type !== 'null');
  const nullable = main.length < types.length ? ' or null' : '';
  if (main.includes('array') && node.items !== undefined) {
    return `list of ${typeOf(node.items)}${nullable}`;
  }
  if (main.includes('object') && typeof node.additionalProperties === 'object') {
    return `map of ${typeOf(node.additionalProperties)}${nullable}`;
  }
  return `${main.join(' or ')}${nullable}`;
}

function link(ref: string): string {
  const name = ref.replace('#/definitions/', '');
  return `[${name}](#${name.toLowerCase()})`;
}

function code(value: unknown): string {
  return `\`${JSON.stringify(value).replace(/\|/g, '\\|')}\``;
}

function escapeText(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function table(rows: readonly Row[]): string {
  const lines = ['| Key | Type | Default | Description |', '| --- | --- | --- | --- |'];
  for (const row of rows) {
    lines.push(`| ${row.key} | ${row.type} | ${row.defaultValue} | ${row.description} |`);
  }
  return lines.join('\n');
}
