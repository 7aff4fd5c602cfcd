// The CRD part of `npm run check`: what the Kubernetes API server with Istio's CRDs rejects in an
// AuthorizationPolicy, PeerAuthentication or RequestAuthentication (security.istio.io v1 and
// v1beta1), as document rules:
//   - the CRDs' OpenAPI schema, through @kubernetes-models/istio (types, enums, patterns,
//     lengths, item counts, required fields), plus the few fields newer than that package;
//   - every CEL rule of the CRDs (x-kubernetes-validations, listed in ./crd-cel-rules.ts),
//     evaluated with @bufbuild/cel (./cel.ts) on each value it applies to;
//   - fields the CRDs do not define, which the API server prunes or, with strict field
//     validation, rejects (the package accepts them);
//   - object metadata the API server rejects for every kind (names, label syntax).
//
//   import { CRD_RULES } from './crd.js';
//   const findings = CRD_RULES.flatMap((rule) => rule(document));

import * as securityV1 from '@kubernetes-models/istio/security.istio.io/v1';
import * as securityV1beta1 from '@kubernetes-models/istio/security.istio.io/v1beta1';

import { compileRule, type CompiledRule } from './cel.js';
import { CRD_CEL_RULES, type CrdCelRule } from './crd-cel-rules.js';
import { keyPath } from './path.js';
import type { DocumentRule, IstioDocument, RuleFinding, SecurityKind } from './types.js';

type Json = Record<string, unknown>;
/** Reports a problem at a path; `fix` replaces the rule's general fix when given. */
type Report = (path: string, problem: string, fix?: string) => void;

const SCHEMA_CODE = 'IZT-C-CRD-SCHEMA';
const SCHEMA_FIX = "change the value to what Istio's CRD schema allows";
const UNKNOWN_FIELD_CODE = 'IZT-C-CRD-UNKNOWN-FIELD';
const UNKNOWN_FIELD_FIX =
  'remove the field or correct its spelling; the API server drops or refuses it';
const METADATA_CODE = 'IZT-C-CRD-METADATA';
const METADATA_FIX = 'use a lower-case DNS name and valid label and annotation keys';
const QUALIFIED_NAME_FIX =
  'write the key as [prefix/]name: an optional DNS-subdomain prefix, a name of at most 63 letters, digits, -, _ and .';
const NAME_FIX = 'use lower-case letters, digits, - and . only, starting and ending alphanumeric';

/** A model class of @kubernetes-models: validate() throws listing every schema violation. */
interface ValidatingModel {
  validate(): void;
}
// The package types each constructor with its own data shape; a rendered document is unknown
// data until validated, so the classes are held under this looser type.
interface ModelClass {
  new (data: never): ValidatingModel;
  prototype: ValidatingModel;
}

/** The @kubernetes-models/istio class of each served `apiVersion/kind`. */
export const MODELS: Readonly<Record<string, ModelClass>> = {
  'security.istio.io/v1/AuthorizationPolicy': securityV1.AuthorizationPolicy,
  'security.istio.io/v1/PeerAuthentication': securityV1.PeerAuthentication,
  'security.istio.io/v1/RequestAuthentication': securityV1.RequestAuthentication,
  'security.istio.io/v1beta1/AuthorizationPolicy': securityV1beta1.AuthorizationPolicy,
  'security.istio.io/v1beta1/PeerAuthentication': securityV1beta1.PeerAuthentication,
  'security.istio.io/v1beta1/RequestAuthentication': securityV1beta1.RequestAuthentication,
};

// The `spec` fields each CRD defines (identical in v1 and v1beta1). `true` is a leaf, a
// one-element array a list of that shape, `'*'` a map whose keys the user owns.
type FieldTree = true | readonly [FieldTree] | { readonly [field: string]: FieldTree };
const LIST_OF_STRINGS: FieldTree = [true];
const LABEL_SELECTOR: FieldTree = { matchLabels: { '*': true } };
const TARGET_REF: FieldTree = { group: true, kind: true, name: true, namespace: true };
const SPEC_FIELDS: Readonly<Record<SecurityKind, FieldTree>> = {
  AuthorizationPolicy: {
    action: true,
    provider: { name: true },
    rules: [
      {
        from: [{ source: fieldsOf(LIST_OF_STRINGS, sourceFieldNames()) }],
        to: [{ operation: fieldsOf(LIST_OF_STRINGS, operationFieldNames()) }],
        when: [{ key: true, values: LIST_OF_STRINGS, notValues: LIST_OF_STRINGS }],
      },
    ],
    selector: LABEL_SELECTOR,
    targetRef: TARGET_REF,
    targetRefs: [TARGET_REF],
  },
  PeerAuthentication: {
    mtls: { mode: true },
    portLevelMtls: { '*': { mode: true } },
    selector: LABEL_SELECTOR,
  },
  RequestAuthentication: {
    jwtRules: [
      {
        ...fieldsOf(true, ['issuer', 'jwks', 'jwksUri', 'jwks_uri', 'forwardOriginalToken']),
        ...fieldsOf(true, ['outputPayloadToHeader', 'presence', 'timeout']),
        ...fieldsOf(LIST_OF_STRINGS, ['audiences', 'fromCookies', 'fromParams']),
        spaceDelimitedClaims: LIST_OF_STRINGS,
        fromHeaders: [{ name: true, prefix: true }],
        outputClaimToHeaders: [{ claim: true, header: true }],
      },
    ],
    selector: LABEL_SELECTOR,
    targetRef: TARGET_REF,
    targetRefs: [TARGET_REF],
  },
};
const PRESENCE_VALUES: readonly string[] = ['OPTIONAL', 'REQUIRED'];
const TRUST_DOMAIN_FIELDS: readonly string[] = ['trustDomains', 'notTrustDomains'];
const TOP_LEVEL_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
// Members of a model (and its prototype chain up to Object.prototype) that a key of the same name
// in the document would hide on the model built from it.
const MODEL_KEYS = ['validate', 'toJSON', 'setDefinedProps', 'constructor'];

// Kubernetes object metadata rules (apimachinery validation), applied to every kind.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const MAX_ANNOTATIONS_BYTES = 256 * 1024;
const MAX_REMEMBERED = 10_000;
const QUALIFIED_NAMES = new Map<string, boolean>();
const LABEL_VALUES = new Map<string, boolean>();

/** A CEL rule ready to run: its program, and its path as steps. */
interface PreparedCelRule {
  rule: CrdCelRule;
  program: CompiledRule;
  steps: readonly PathStep[];
}

/** One segment of a rule path: a field (or `*`, every map value), then every list item for `[]`. */
interface PathStep {
  field: string;
  list: boolean;
}

// Compiled and parsed once, at load; each kind's rules in the order the CRDs list them.
const PREPARED_CEL_RULES: Readonly<Record<SecurityKind, readonly PreparedCelRule[]>> = {
  AuthorizationPolicy: prepareCelRules(CRD_CEL_RULES.AuthorizationPolicy),
  PeerAuthentication: prepareCelRules(CRD_CEL_RULES.PeerAuthentication),
  RequestAuthentication: prepareCelRules(CRD_CEL_RULES.RequestAuthentication),
};

/** Every check of the CRDs, one document rule each. */
export const CRD_RULES: readonly DocumentRule[] = [
  openApiSchemaRule,
  newerFieldsRule,
  knownFieldsRule,
  metadataRule,
  celRules,
];

function openApiSchemaRule(document: IstioDocument): RuleFinding[] {
  const model = MODELS[`${document.apiVersion}/${document.kind}`];
  if (model === undefined) return [];
  return collect(SCHEMA_CODE, SCHEMA_FIX, (report) =>
    checkOpenApiSchema(model, document.object, report),
  );
}

function newerFieldsRule(document: IstioDocument): RuleFinding[] {
  const spec = specOf(document);
  return collect(SCHEMA_CODE, SCHEMA_FIX, (report) =>
    checkFieldsNewerThanPackage(document.kind, spec, report),
  );
}

function knownFieldsRule(document: IstioDocument): RuleFinding[] {
  return collect(UNKNOWN_FIELD_CODE, UNKNOWN_FIELD_FIX, (report) =>
    checkKnownFields(document.kind, document.object, report),
  );
}

function metadataRule(document: IstioDocument): RuleFinding[] {
  return collect(METADATA_CODE, METADATA_FIX, (report) =>
    checkMetadata(document.object.metadata, report),
  );
}

// --- CEL rules (x-kubernetes-validations) ---

function celRules(document: IstioDocument): RuleFinding[] {
  const findings: RuleFinding[] = [];
  // One path and one state for all the rules: each walk leaves `at` empty again.
  const at: (string | number)[] = [];
  const state: CelState = { prepared: undefined, findings };
  for (const prepared of PREPARED_CEL_RULES[document.kind]) {
    state.prepared = prepared;
    visitValuesAt(document.object, prepared.steps, 0, at, evaluateCelRule, state);
  }
  return findings;
}

/** The rule being run and the findings so far. */
interface CelState {
  prepared: PreparedCelRule | undefined;
  findings: RuleFinding[];
}

function evaluateCelRule(
  self: unknown,
  at: readonly (string | number)[],
  { prepared, findings }: CelState,
): void {
  const { rule, program } = prepared as PreparedCelRule;
  if (!hasJsonType(self, rule.selfType)) return; // the schema check reports it
  if (rule.canFail !== undefined && !rule.canFail(self)) return;
  const result = program.evaluate(self);
  if (result === true) return;
  const { code, fix } = rule;
  const message =
    result === false
      ? rule.message
      : `${rule.message} (the rule cannot be evaluated: ${result.message})`;
  findings.push({ severity: 'error', code, path: writtenPath(at), message, fix });
}

function prepareCelRules(rules: readonly CrdCelRule[]): PreparedCelRule[] {
  return rules.map((rule) => ({
    rule,
    program: compileRule(rule.rule),
    steps: pathSteps(rule.path),
  }));
}

function pathSteps(path: string): PathStep[] {
  return path.split('.').map((step) => {
    const list = step.endsWith('[]');
    return { field: list ? step.slice(0, -2) : step, list };
  });
}

/**
 * The values at a rule's path with their concrete paths: `[]` takes every list item and `*`
 * every map value. Absent and null values are skipped, as the API server skips them.
 */
export function valuesAt(object: unknown, path: string): [string, unknown][] {
  const found: [string, unknown][] = [];
  visitValuesAt(object, pathSteps(path), 0, [], addValue, found);
  return found;
}

function addValue(value: unknown, at: readonly (string | number)[], found: [string, unknown][]) {
  found.push([writtenPath(at), value]);
}

/** Called with each value at a path, the path to it, and the caller's state. */
type Visit<S> = (value: unknown, at: readonly (string | number)[], state: S) => void;

/**
 * Calls `visit` with each value at `steps` (from `steps[index]` on), the path to it and `state`,
 * in document order. `at` is the path so far, a field or list index per step, written out by
 * writtenPath only where needed: most values get no finding.
 */
function visitValuesAt<S>(
  value: unknown,
  steps: readonly PathStep[],
  index: number,
  at: (string | number)[],
  visit: Visit<S>,
  state: S,
): void {
  const step = steps[index];
  if (step === undefined) {
    if (value !== null && value !== undefined) visit(value, at, state);
    return;
  }
  if (!isObject(value)) return;
  if (step.field === '*') {
    for (const key of Object.keys(value)) {
      visitStep(value[key], key, steps, index, at, visit, state);
    }
  } else if (has(value, step.field)) {
    visitStep(value[step.field], step.field, steps, index, at, visit, state);
  }
}

// The value of one field, or each of its items for a `[]` step, then the steps after it.
function visitStep<S>(
  value: unknown,
  field: string,
  steps: readonly PathStep[],
  index: number,
  at: (string | number)[],
  visit: Visit<S>,
  state: S,
): void {
  at.push(field);
  if (!(steps[index] as PathStep).list) {
    visitValuesAt(value, steps, index + 1, at, visit, state);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      at.push(i);
      visitValuesAt(value[i], steps, index + 1, at, visit, state);
      at.pop();
    }
  }
  at.pop();
}

function hasJsonType(value: unknown, type: CrdCelRule['selfType']): boolean {
  return type === 'string' ? typeof value === 'string' : isObject(value);
}

// --- Helpers ---

function collect(code: string, fix: string, check: (report: Report) => void): RuleFinding[] {
  const findings: RuleFinding[] = [];
  check((path, message, specific) =>
    findings.push({ severity: 'error', code, path, message, fix: specific ?? fix }),
  );
  return findings;
}

function specOf(document: IstioDocument): Json {
  return isObject(document.object.spec) ? document.object.spec : {};
}

// --- OpenAPI schema (@kubernetes-models/istio) ---

function checkOpenApiSchema(model: ModelClass, doc: Json, report: Report): void {
  try {
    if (validatesAsCopied(doc)) model.prototype.validate.call(doc);
    // The model's own copy of a `validate` key would hide the method, so call it from the class.
    else model.prototype.validate.call(new model(doc as never));
  } catch (error) {
    const errors = schemaErrors(error);
    if (errors === undefined) throw error;
    for (const { instancePath, message, params } of errors) {
      const allowed = params?.allowedValues;
      const choices = Array.isArray(allowed) ? `: ${allowed.join(', ')}` : '';
      report(pathOfPointer(doc, instancePath ?? ''), `${message ?? 'is invalid'}${choices}`);
    }
  }
}

/**
 * Whether validating the document itself gives what validating the model built from it gives,
 * sparing the copy the model's constructor makes. The copy leaves out undefined values of maps,
 * turns a `__proto__` key into a prototype (by assignment), adds apiVersion and kind when absent,
 * and its own keys would hide the model's methods (`validate`). The schema's validator reads
 * properties by name and walks the keys of maps, so without any of these (as in any document read
 * from YAML or JSON) it sees the same values either way.
 */
function validatesAsCopied(doc: Json): boolean {
  if (!Object.hasOwn(doc, 'apiVersion') || !Object.hasOwn(doc, 'kind')) return false;
  for (const key of MODEL_KEYS) if (Object.hasOwn(doc, key)) return false;
  return copiesAsIs(doc);
}

function copiesAsIs(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    // The copy maps lists item by item, keeping undefined items.
    for (const item of value) if (!copiesAsIs(item)) return false;
    return true;
  }
  for (const key of Object.keys(value)) {
    const item = (value as Json)[key];
    if (item === undefined || key === '__proto__' || !copiesAsIs(item)) return false;
  }
  return true;
}

interface SchemaError {
  instancePath?: string;
  message?: string;
  params?: { allowedValues?: unknown[] };
}

// The package throws Ajv's ValidationError, whose `errors` lists every failed keyword.
function schemaErrors(error: unknown): SchemaError[] | undefined {
  const errors = isObject(error) ? error.errors : undefined;
  return Array.isArray(errors) ? (errors as SchemaError[]) : undefined;
}

// `/spec/rules/0/to` becomes `spec.rules[0].to`; the document tells list indexes from map keys
// such as the port numbers of portLevelMtls.
function pathOfPointer(doc: unknown, pointer: string): string {
  let path = '';
  let value = doc;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    path = Array.isArray(value) ? `${path}[${key}]` : keyPath(path, key);
    value = Array.isArray(value) ? value[Number(key)] : isObject(value) ? value[key] : undefined;
  }
  return path;
}

// The package's schemas come from Istio 1.29 and pass any value in fields added since:
// source.trustDomains and notTrustDomains (1.30) and jwtRules[].presence (1.32 development line).
function checkFieldsNewerThanPackage(kind: SecurityKind, spec: Json, report: Report): void {
  if (kind === 'AuthorizationPolicy') trustDomainsAreStrings(spec, report);
  if (kind === 'RequestAuthentication') presenceIsKnown(spec, report);
}

// OpenAPI: `trustDomains` and `notTrustDomains` are arrays of strings.
function trustDomainsAreStrings(spec: Json, report: Report): void {
  listOf(spec.rules).forEach((rule, r) => {
    listOf(isObject(rule) ? rule.from : undefined).forEach((from, f) => {
      const source = isObject(from) && isObject(from.source) ? from.source : {};
      for (const field of TRUST_DOMAIN_FIELDS) {
        const value = source[field];
        if (!has(source, field) || isListOfStrings(value)) continue;
        report(`spec.rules[${r}].from[${f}].source.${field}`, 'must be a list of strings');
      }
    });
  });
}

// OpenAPI: `presence` is one of PRESENCE_VALUES.
function presenceIsKnown(spec: Json, report: Report): void {
  jwtRules(spec).forEach((rule, i) => {
    if (!has(rule, 'presence') || PRESENCE_VALUES.includes(rule.presence as string)) return;
    const problem = `must be equal to one of the allowed values: ${PRESENCE_VALUES.join(', ')}`;
    report(`spec.jwtRules[${i}].presence`, problem);
  });
}

// --- Fields the CRD does not define ---

function checkKnownFields(kind: SecurityKind, doc: Json, report: Report): void {
  for (const field of Object.keys(doc)) {
    if (!TOP_LEVEL_FIELDS.has(field)) report(field, 'field not declared in the schema');
  }
  if (isObject(doc.spec)) walkFields(doc.spec, SPEC_FIELDS[kind], ['spec'], report);
}

// `at` holds the path from the document root, a field name or list index per step; it is written
// out only for a report, as most documents have nothing to report.
function walkFields(
  value: unknown,
  tree: FieldTree,
  at: (string | number)[],
  report: Report,
): void {
  if (tree === true) return;
  if (Array.isArray(tree)) {
    // A list of leaves has nothing to check.
    if (tree[0] === true || !Array.isArray(value)) return;
    for (let i = 0; i < value.length; i += 1) {
      at.push(i);
      walkFields(value[i], tree[0], at, report);
      at.pop();
    }
    return;
  }
  if (!isObject(value)) return;
  const fields = tree as { readonly [field: string]: FieldTree };
  for (const field of Object.keys(value)) {
    // Own fields only: `constructor` or `toString` in a document are unknown fields, not
    // Object.prototype's members.
    const childTree = Object.hasOwn(fields, '*') ? fields['*'] : Object.hasOwn(fields, field) ? fields[field] : undefined;
    if (childTree === true) continue; // a leaf: nothing below it to check
    at.push(field);
    if (childTree === undefined) report(writtenPath(at), 'field not declared in the schema');
    else walkFields(value[field], childTree, at, report);
    at.pop();
  }
}

/** A path as `at` steps hold it (field names and list indexes), written as findings write it. */
function writtenPath(at: readonly (string | number)[]): string {
  let path = '';
  for (const step of at) path = typeof step === 'number' ? `${path}[${step}]` : keyPath(path, step);
  return path;
}

function fieldsOf(tree: FieldTree, names: readonly string[]): Record<string, FieldTree> {
  return Object.fromEntries(names.map((name) => [name, tree]));
}

function sourceFieldNames(): string[] {
  const fields = ['principals', 'requestPrincipals', 'namespaces', 'serviceAccounts'];
  fields.push('trustDomains', 'ipBlocks', 'remoteIpBlocks');
  return [...fields, ...fields.map((field) => `not${field[0]?.toUpperCase()}${field.slice(1)}`)];
}

function operationFieldNames(): string[] {
  const fields = ['hosts', 'ports', 'methods', 'paths'];
  return [...fields, ...fields.map((field) => `not${field[0]?.toUpperCase()}${field.slice(1)}`)];
}

// --- Object metadata (every Kubernetes object) ---

function checkMetadata(metadata: unknown, report: Report): void {
  if (metadata === undefined || metadata === null) {
    report('metadata', 'is missing; an object needs metadata.name', 'add metadata with a name');
    return;
  }
  if (!isObject(metadata)) {
    const what = Array.isArray(metadata) ? 'a list' : `the ${typeof metadata} ${String(metadata)}`;
    report(
      'metadata',
      `is ${what}; metadata must be a map (name, namespace, labels, annotations)`,
      'write metadata as a map, such as `metadata: {name: my-policy}`',
    );
    return;
  }
  const { name, namespace, labels, annotations } = metadata;
  if (name === undefined || name === null || name === '') {
    report('metadata.name', 'is missing; give the object a name', 'add metadata.name');
  } else if (typeof name !== 'string' || !isDnsSubdomain(name)) {
    report(
      'metadata.name',
      'must be a lower-case DNS subdomain of at most 253 characters',
      `${NAME_FIX}, at most 253 characters`,
    );
  }
  if (namespace !== undefined && !(typeof namespace === 'string' && isDnsLabel(namespace))) {
    report(
      'metadata.namespace',
      'must be a lower-case DNS label of at most 63 characters',
      'use the name of an existing namespace (lower-case letters, digits and -), or leave it out to give it at apply time',
    );
  }
  if (isObject(labels)) checkLabels(labels, report);
  if (isObject(annotations)) checkAnnotations(annotations, report);
}

function checkLabels(labels: Json, report: Report): void {
  for (const [key, value] of Object.entries(labels)) {
    if (!isQualifiedName(key)) {
      report(keyPath('metadata.labels', key), 'invalid label key', QUALIFIED_NAME_FIX);
    }
    if (typeof value === 'string' && !isLabelValue(value)) {
      report(
        keyPath('metadata.labels', key),
        'invalid label value: at most 63 characters, alphanumeric at both ends, - _ . inside',
        'shorten the value or replace other characters with -, _ or .',
      );
    }
  }
}

function checkAnnotations(annotations: Json, report: Report): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    if (!isQualifiedName(key)) {
      report(keyPath('metadata.annotations', key), 'invalid annotation key', QUALIFIED_NAME_FIX);
    }
    bytes += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (bytes > MAX_ANNOTATIONS_BYTES) {
    const limit = MAX_ANNOTATIONS_BYTES;
    report(
      'metadata.annotations',
      `${bytes} bytes in total; the limit is ${limit}`,
      'move large values out of annotations (into a ConfigMap, for example)',
    );
  }
}

function isDnsSubdomain(value: string): boolean {
  return value.length <= MAX_NAME_LENGTH && DNS_SUBDOMAIN.test(value);
}

function isDnsLabel(value: string): boolean {
  return value.length <= MAX_LABEL_LENGTH && DNS_LABEL.test(value);
}

// Label and annotation keys (and label values) repeat from document to document, as a chart sets
// the same ones on every object, so each is judged once.
function isQualifiedName(key: string): boolean {
  return remembered(QUALIFIED_NAMES, key, judgeQualifiedName);
}

function remembered(
  judged: Map<string, boolean>,
  text: string,
  judge: (text: string) => boolean,
): boolean {
  let known = judged.get(text);
  if (known === undefined) {
    if (judged.size >= MAX_REMEMBERED) judged.clear();
    known = judge(text);
    judged.set(text, known);
  }
  return known;
}

// `[prefix/]name`: a DNS subdomain prefix, then a name of at most 63 characters.
function judgeQualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return false;
  return name.length <= MAX_LABEL_LENGTH && QUALIFIED_NAME_PART.test(name);
}

function isLabelValue(value: string): boolean {
  return remembered(LABEL_VALUES, value, judgeLabelValue);
}

function judgeLabelValue(value: string): boolean {
  return value.length <= MAX_LABEL_LENGTH && LABEL_VALUE.test(value);
}

// The field is present. The API server drops null values of non-nullable fields before
// validation, so null counts as absent (as in the CEL rules, see ./cel.ts toCel).
function has(object: Json, field: string): boolean {
  return object[field] !== undefined && object[field] !== null;
}

function jwtRules(spec: Json): Json[] {
  return listOf(spec.jwtRules).map((rule) => (isObject(rule) ? rule : {}));
}

function isListOfStrings(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
