// The values schema is the single source of truth: what derives from it is current, it stays
// within what Helm 3, Helm 4, ajv and json-schema-to-typescript all read alike (draft-07,
// internal $refs, RE2-compatible patterns), and its defaults are what chart/values.yaml ships.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import yaml from 'js-yaml';

import { deriveFiles } from '../scripts/generate.js';
import { CHART_VALUES, SOURCE_SCHEMA, projectRelative } from '../scripts/lib/paths.js';

interface SchemaNode {
  [keyword: string]: unknown;
  properties?: Record<string, SchemaNode>;
  definitions?: Record<string, SchemaNode>;
}

// Draft-07 validation and annotation keywords; anything newer is ignored by Helm 3.
const DRAFT_07_KEYWORDS = new Set([
  '$schema', '$id', '$ref', '$comment', 'title', 'description', 'default', 'examples',
  'type', 'enum', 'const', 'properties', 'additionalProperties', 'required', 'propertyNames',
  'minProperties', 'maxProperties', 'patternProperties', 'dependencies', 'items',
  'additionalItems', 'minItems', 'maxItems', 'uniqueItems', 'contains', 'minLength',
  'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'multipleOf', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else',
  'definitions', 'readOnly', 'writeOnly', 'contentMediaType', 'contentEncoding',
]);
// Keywords whose value is a map of names to schemas, not a schema.
const SCHEMA_MAPS = new Set(['properties', 'definitions', 'patternProperties']);

const schemaText = readFileSync(SOURCE_SCHEMA, 'utf8');
const schema = JSON.parse(schemaText) as SchemaNode;

describe('values-schema.json', () => {
  it('has every derived file current (else: run npm run generate)', async () => {
    const stale = [];
    for (const { file, content } of await deriveFiles(schemaText)) {
      if (readFileSync(file, 'utf8') !== content) stale.push(projectRelative(file));
    }
    assert.deepEqual(stale, [], `stale: ${stale.join(', ')}; run \`npm run generate\``);
  });

  it('uses only draft-07 keywords and internal $refs', () => {
    const problems: string[] = [];
    walkSchema(schema, '#', (node, at) => {
      for (const [keyword, value] of Object.entries(node)) {
        if (!DRAFT_07_KEYWORDS.has(keyword)) problems.push(`${at}: ${keyword}`);
        if (keyword === '$ref' && !String(value).startsWith('#/definitions/')) {
          problems.push(`${at}: external $ref ${String(value)}`);
        }
      }
    });
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.deepEqual(problems, []);
  });

  it('has patterns that both Go (RE2) and JavaScript accept', () => {
    const problems: string[] = [];
    walkSchema(schema, '#', (node, at) => {
      if (typeof node.pattern !== 'string') return;
      // RE2 has no lookaround and no backreferences.
      if (/\(\?[=!<]|\\[1-9]/.test(node.pattern)) problems.push(`${at}: ${node.pattern}`);
      assert.doesNotThrow(() => new RegExp(node.pattern as string, 'u'), at);
    });
    assert.deepEqual(problems, []);
  });

  it('gives every property a type or $ref and a description', () => {
    const problems: string[] = [];
    walkSchema(schema, '#', (node, at) => {
      for (const [name, child] of Object.entries(node.properties ?? {})) {
        const typed = child.type !== undefined || child.$ref !== undefined;
        const described = child.description !== undefined || child.$ref !== undefined;
        if (!typed || !described) problems.push(`${at}/properties/${name}`);
      }
    });
    assert.deepEqual(problems, []);
  });

  it('states as defaults exactly the values chart/values.yaml ships', () => {
    const shipped = yaml.load(readFileSync(CHART_VALUES, 'utf8'));
    assert.deepEqual(defaultsOf(schema), shipped);
  });
});

/** Calls visit on every schema object in the tree, with a JSON-pointer-like location. */
function walkSchema(node: SchemaNode, at: string, visit: (node: SchemaNode, at: string) => void) {
  visit(node, at);
  for (const [keyword, value] of Object.entries(node)) {
    if (SCHEMA_MAPS.has(keyword)) {
      for (const [name, child] of Object.entries(value as Record<string, SchemaNode>)) {
        walkSchema(child, `${at}/${keyword}/${name}`, visit);
      }
    } else if (isSchemaObject(value) && keyword !== 'default' && keyword !== 'enum') {
      walkSchema(value, `${at}/${keyword}`, visit);
    } else if (Array.isArray(value) && ['allOf', 'anyOf', 'oneOf'].includes(keyword)) {
      value.forEach((child, index) => walkSchema(child as SchemaNode, `${at}/${keyword}/${index}`, visit));
    }
  }
}

function isSchemaObject(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The values document the schema's defaults describe, following plain properties only. */
function defaultsOf(node: SchemaNode): unknown {
  if (node.default !== undefined) return node.default;
  const result: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const value = defaultsOf(child);
    if (value !== undefined) result[name] = value;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}
