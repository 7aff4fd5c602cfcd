// Validates values the way the chart will judge them, with clearer messages and a few warnings:
//
// 1. coalesce chart/values.yaml with the given layers exactly as Helm does (coalesce.ts);
// 2. check values-schema.json (draft-07, every error at once), as Helm does before rendering;
// 3. only when the schema passes, the chart's cross-field rules (values-rules.ts), whose
//    messages equal those Helm prints after "istio-zero-trust: invalid values:";
// 4. warnings for values that render but probably do not do what was meant (values-warnings.ts).
//
//   import { formatFinding, validateValues } from './lib/validation.js';
//   const { errors, warnings } = validateValues([parsedFile], { namespace: 'shop' });
//   for (const finding of [...errors, ...warnings]) console.error(formatFinding(finding));

import { readFileSync } from 'node:fs';

import { Ajv, type ValidateFunction } from 'ajv';

import { coalesceValues } from './coalesce.js';
import { CHART_VALUES, SOURCE_SCHEMA } from './paths.js';
import { describeSchemaErrors, type SchemaLandmarks } from './schema-messages.js';
import { checkValuesRules, isOn, truthy } from './values-rules.js';
import { checkWarnings } from './values-warnings.js';
import {
  isValuesMap,
  loadValuesFile,
  type SourceSpellings,
  type ValuesMap,
} from './yaml-values.js';

export type Severity = 'error' | 'warning';

export interface Finding {
  severity: Severity;
  path: string;
  code: string;
  message: string;
}

export interface ValidationResult {
  values: unknown;
  errors: Finding[];
  warnings: Finding[];
}

export interface ValidateOptions {
  /** The release namespace (`helm --namespace`); Helm's default is "default". */
  namespace?: string;
  /** How the files spelled keys and scalars (yaml-values.ts layerSpellings), for messages. */
  spellings?: SourceSpellings;
}

export const SCHEMA_ERROR = 'IZT-E-SCHEMA';
export const RULE_ERROR = 'IZT-E-RULE';
export const DEFAULT_NAMESPACE = 'default';

// Entries whose name the chart's templates need as a string once the entry is on.
const NAMED_ENTRIES: readonly (readonly [string, string])[] = [
  ['peerAuthentication', 'namespace'],
  ['peerAuthentication', 'mesh'],
  ['authorization', 'defaultDeny'],
];

let cachedDefaults: ValuesMap | undefined;
let cachedSchema: { validate: ValidateFunction; landmarks: SchemaLandmarks } | undefined;

/** Coalesces chart defaults with the given layers (parsed values objects), then checks. */
export function validateValues(
  layers: readonly unknown[],
  options: ValidateOptions = {},
): ValidationResult {
  const defaults = chartDefaults();
  const values = coalesceValues(defaults, layers);
  const errors = checkSchema(values, defaults, options.spellings);
  if (errors.length > 0) return { values, errors, warnings: [] };
  errors.push(...checkNames(values));
  if (errors.length === 0) {
    errors.push(...checkRules(values, options.namespace ?? DEFAULT_NAMESPACE));
  }
  return { values, errors, warnings: checkWarnings(values) };
}

/** One line: "<severity> <code> <path>: <message>". */
export function formatFinding(finding: Finding): string {
  return `${finding.severity} ${finding.code} ${finding.path}: ${finding.message}`;
}

/** chart/values.yaml, read once. */
export function chartDefaults(): ValuesMap {
  cachedDefaults ??= loadValuesFile(CHART_VALUES);
  return cachedDefaults;
}

function checkSchema(
  values: ValuesMap,
  defaults: ValuesMap,
  spellings: SourceSpellings | undefined,
): Finding[] {
  const { validate, landmarks } = compiledSchema();
  if (validate(values)) return [];
  return describeSchemaErrors(validate.errors ?? [], values, defaults, landmarks, spellings).map(
    ({ path, message }) => error(path, SCHEMA_ERROR, message),
  );
}

// The schema leaves these names optional, but the chart cannot render the entry without one
// (Helm stops with "wrong type for value; expected string"), so a null here is an error.
function checkNames(values: ValuesMap): Finding[] {
  if (!truthy(values.enabled)) return [];
  const findings: Finding[] = [];
  for (const [section, entry] of NAMED_ENTRIES) {
    const value = isValuesMap(values[section]) ? values[section][entry] : undefined;
    if (isOn(value) && typeof value.name !== 'string') {
      findings.push(
        error(
          `${section}.${entry}.name`,
          SCHEMA_ERROR,
          'is missing: a values file set it to null, and the chart cannot render the policy without a name; remove that null or give a name',
        ),
      );
    }
  }
  return findings;
}

function checkRules(values: ValuesMap, namespace: string): Finding[] {
  return checkValuesRules(values, namespace).map(({ path, message }) =>
    error(path, RULE_ERROR, message),
  );
}

function compiledSchema(): { validate: ValidateFunction; landmarks: SchemaLandmarks } {
  if (cachedSchema === undefined) {
    const schema = JSON.parse(readFileSync(SOURCE_SCHEMA, 'utf8')) as SchemaDocument;
    // strict: false because the schema carries annotations (default next to $ref) and nullable
    // type unions that ajv's strict mode reports; verbose gives the data and parent schema.
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
    const definitions = schema.definitions ?? {};
    cachedSchema = {
      validate: ajv.compile(schema),
      landmarks: {
        source: definitions.source,
        operation: definitions.operation,
        matchLabels: definitions.workloadSelector?.properties?.matchLabels,
      },
    };
  }
  return cachedSchema;
}

interface SchemaDocument {
  definitions?: Record<string, { properties?: Record<string, object> } | undefined>;
}

function error(path: string, code: string, message: string): Finding {
  return { severity: 'error', path, code, message };
}
