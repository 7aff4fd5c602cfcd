// Checks rendered documents the way a Kubernetes API server with Istio's CRDs would admit them,
// for the three kinds the chart renders (AuthorizationPolicy, PeerAuthentication,
// RequestAuthentication; security.istio.io v1 and v1beta1):
//   - the CRDs' OpenAPI schema, through @kubernetes-models/istio (types, enums, patterns,
//     lengths, item counts, required fields), plus the few fields newer than that package;
//   - the CRDs' CEL rules (x-kubernetes-validations), which that package does not evaluate,
//     mirrored below as small named checks, each naming the rule it mirrors;
//   - fields the CRDs do not define, which the API server prunes or, with strict field
//     validation, rejects (the package accepts them);
//   - object metadata the API server rejects for every kind (names, label syntax).
// istiod's validating webhook checks more (see the chart's own rules in _validate.tpl).
//
// Usage:
//   import { checkDocuments, formatFinding } from './lib/crd-check.js';
//   const findings = checkDocuments(yaml.loadAll(manifests));
//   for (const finding of findings) console.error(formatFinding(finding));

import * as securityV1 from '@kubernetes-models/istio/security.istio.io/v1';
import * as securityV1beta1 from '@kubernetes-models/istio/security.istio.io/v1beta1';

/** One reason the API server would refuse (or silently change) a rendered document. */
export interface CrdFinding {
  /** Position of the document in the rendered stream, from 0. */
  index: number;
  kind: string;
  /** `namespace/name` of the object, or just `name` when it has no namespace. */
  object: string;
  /** Where in the object, such as `spec.rules[0].from[0].source`; '' for the whole object. */
  path: string;
  problem: string;
}

type Json = Record<string, unknown>;
type Report = (path: string, problem: string) => void;
type SpecCheck = (spec: Json, report: Report) => void;
type SecurityKind = 'AuthorizationPolicy' | 'PeerAuthentication' | 'RequestAuthentication';

/** A model class of @kubernetes-models: validate() throws listing every schema violation. */
interface ValidatingModel {
  validate(): void;
}
// The package types each constructor with its own data shape; a rendered document is unknown
// data until validated, so the classes are held under this looser type.
type ModelClass = new (data: never) => ValidatingModel;

const MODELS: Readonly<Record<string, ModelClass>> = {
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
const TOP_LEVEL_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

const CEL_CHECKS: Readonly<Record<SecurityKind, readonly SpecCheck[]>> = {
  AuthorizationPolicy: [
    selectorLabelKeysWithoutWildcard,
    selectorLabelKeysNotEmpty,
    selectorLabelValuesWithoutWildcard,
    onlyOneOfSelectorOrTargetRefs,
    noCrossNamespaceTargetRefs,
    serviceAccountsAlone,
  ],
  PeerAuthentication: [
    selectorLabelKeysWithoutWildcard,
    selectorLabelKeysNotEmpty,
    selectorLabelValuesWithoutWildcard,
    portLevelMtlsPortsInRange,
    portLevelMtlsRequiresSelector,
  ],
  RequestAuthentication: [
    selectorLabelKeysWithoutWildcard,
    selectorLabelKeysNotEmpty,
    selectorLabelValuesWithoutWildcard,
    onlyOneOfSelectorOrTargetRefs,
    noCrossNamespaceTargetRefs,
    jwksUriHasHttpScheme,
    timeoutAtLeastOneMillisecond,
    onlyOneKeySetSource,
  ],
};

// Kubernetes object metadata rules (apimachinery validation), applied to every kind.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

// One number+unit pair of Go's time.ParseDuration, which CEL's duration() uses.
const GO_DURATION = /^(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
const NANOSECONDS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
const ONE_MILLISECOND = 1e6;

/** Every problem in the documents; null documents (empty `---` sections) are skipped. */
export function checkDocuments(docs: readonly unknown[]): CrdFinding[] {
  const findings: CrdFinding[] = [];
  docs.forEach((doc, index) => {
    if (doc === null || doc === undefined) return;
    const kind = isObject(doc) && typeof doc.kind === 'string' ? doc.kind : '';
    const report: Report = (path, problem) =>
      findings.push({ index, kind, object: objectName(doc), path, problem });
    checkDocument(doc, report);
  });
  return findings;
}

/** One line for a person: `document 2, AuthorizationPolicy shop/api: spec.rules: problem`. */
export function formatFinding(finding: CrdFinding): string {
  const what = [finding.kind || 'document without kind', finding.object].filter(Boolean);
  const where = finding.path === '' ? '' : `${finding.path}: `;
  return `document ${finding.index}, ${what.join(' ')}: ${where}${finding.problem}`;
}

function checkDocument(doc: unknown, report: Report): void {
  if (!isObject(doc)) {
    report('', 'not a Kubernetes object (a YAML mapping)');
    return;
  }
  const model = MODELS[`${String(doc.apiVersion)}/${String(doc.kind)}`];
  if (model === undefined) {
    const apiVersion = String(doc.apiVersion);
    report('', `not a security.istio.io v1 or v1beta1 policy (apiVersion ${apiVersion})`);
    return;
  }
  const kind = doc.kind as SecurityKind;
  const spec = isObject(doc.spec) ? doc.spec : {};
  checkOpenApiSchema(model, doc, report);
  checkFieldsNewerThanPackage(kind, spec, report);
  checkKnownFields(kind, doc, report);
  checkMetadata(doc.metadata, report);
  for (const check of CEL_CHECKS[kind]) check(spec, report);
}

// --- OpenAPI schema (@kubernetes-models/istio) ---

function checkOpenApiSchema(model: ModelClass, doc: Json, report: Report): void {
  try {
    new model(doc as never).validate();
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
    path = Array.isArray(value) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
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
      for (const field of ['trustDomains', 'notTrustDomains']) {
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
  if (isObject(doc.spec)) walkFields(doc.spec, SPEC_FIELDS[kind], 'spec', report);
}

function walkFields(value: unknown, tree: FieldTree, path: string, report: Report): void {
  if (tree === true) return;
  if (Array.isArray(tree)) {
    const items = Array.isArray(value) ? value : [];
    items.forEach((item, i) => walkFields(item, tree[0], `${path}[${i}]`, report));
    return;
  }
  if (!isObject(value)) return;
  const fields = tree as { readonly [field: string]: FieldTree };
  for (const [field, child] of Object.entries(value)) {
    const childTree = fields['*'] ?? fields[field];
    if (childTree === undefined) report(`${path}.${field}`, 'field not declared in the schema');
    else walkFields(child, childTree, `${path}.${field}`, report);
  }
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
  if (!isObject(metadata)) {
    report('metadata', 'missing; an object needs metadata.name');
    return;
  }
  const { name, namespace, labels, annotations } = metadata;
  if (typeof name !== 'string' || !isDnsSubdomain(name)) {
    report('metadata.name', 'must be a lower-case DNS subdomain of at most 253 characters');
  }
  if (namespace !== undefined && !(typeof namespace === 'string' && isDnsLabel(namespace))) {
    report('metadata.namespace', 'must be a lower-case DNS label of at most 63 characters');
  }
  if (isObject(labels)) checkLabels(labels, report);
  if (isObject(annotations)) checkAnnotations(annotations, report);
}

function checkLabels(labels: Json, report: Report): void {
  for (const [key, value] of Object.entries(labels)) {
    if (!isQualifiedName(key)) report(`metadata.labels.${key}`, 'invalid label key');
    if (typeof value === 'string' && !isLabelValue(value)) {
      report(
        `metadata.labels.${key}`,
        'invalid label value: at most 63 characters, alphanumeric at both ends, - _ . inside',
      );
    }
  }
}

function checkAnnotations(annotations: Json, report: Report): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    if (!isQualifiedName(key)) report(`metadata.annotations.${key}`, 'invalid annotation key');
    bytes += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (bytes > MAX_ANNOTATIONS_BYTES) {
    const limit = MAX_ANNOTATIONS_BYTES;
    report('metadata.annotations', `${bytes} bytes in total; the limit is ${limit}`);
  }
}

function isDnsSubdomain(value: string): boolean {
  return value.length <= MAX_NAME_LENGTH && DNS_SUBDOMAIN.test(value);
}

function isDnsLabel(value: string): boolean {
  return value.length <= MAX_LABEL_LENGTH && DNS_LABEL.test(value);
}

// `[prefix/]name`: a DNS subdomain prefix, then a name of at most 63 characters.
function isQualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return false;
  return name.length <= MAX_LABEL_LENGTH && QUALIFIED_NAME_PART.test(name);
}

function isLabelValue(value: string): boolean {
  return value.length <= MAX_LABEL_LENGTH && LABEL_VALUE.test(value);
}

// --- CEL rules (x-kubernetes-validations), one function per rule ---

// CEL on spec.selector.matchLabels: `self.all(key, !key.contains("*"))`.
function selectorLabelKeysWithoutWildcard(spec: Json, report: Report): void {
  for (const key of Object.keys(matchLabels(spec))) {
    if (key.includes('*')) {
      report('spec.selector.matchLabels', 'wildcard not allowed in label key match');
    }
  }
}

// CEL on spec.selector.matchLabels: `self.all(key, key.size() != 0)`.
function selectorLabelKeysNotEmpty(spec: Json, report: Report): void {
  if (Object.keys(matchLabels(spec)).includes('')) {
    report('spec.selector.matchLabels', 'key must not be empty');
  }
}

// CEL on each spec.selector.matchLabels value: `!self.contains("*")`.
function selectorLabelValuesWithoutWildcard(spec: Json, report: Report): void {
  for (const [key, value] of Object.entries(matchLabels(spec))) {
    if (typeof value === 'string' && value.includes('*')) {
      report(`spec.selector.matchLabels.${key}`, 'wildcard not allowed in label value match');
    }
  }
}

// CEL on spec: `(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0)
//   + (has(self.targetRefs) ? 1 : 0) <= 1`.
function onlyOneOfSelectorOrTargetRefs(spec: Json, report: Report): void {
  const count = ['selector', 'targetRef', 'targetRefs'].filter((field) => has(spec, field)).length;
  if (count > 1) report('spec', 'only one of targetRefs or selector can be set');
}

// CEL on spec.targetRef.namespace and spec.targetRefs[].namespace: `self.size() == 0`.
function noCrossNamespaceTargetRefs(spec: Json, report: Report): void {
  const refs: [string, unknown][] = [['spec.targetRef', spec.targetRef]];
  if (Array.isArray(spec.targetRefs)) {
    spec.targetRefs.forEach((ref, i) => refs.push([`spec.targetRefs[${i}]`, ref]));
  }
  for (const [path, ref] of refs) {
    if (isObject(ref) && typeof ref.namespace === 'string' && ref.namespace.length > 0) {
      report(`${path}.namespace`, 'cross namespace referencing is not currently supported');
    }
  }
}

// CEL on spec.rules[].from[].source: `(has(self.serviceAccounts) || has(self.notServiceAccounts))
//   ? (!has(self.principals) && !has(self.notPrincipals) && !has(self.namespaces)
//   && !has(self.notNamespaces)) : true`.
function serviceAccountsAlone(spec: Json, report: Report): void {
  const identityFields = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces'];
  listOf(spec.rules).forEach((rule, r) => {
    listOf(isObject(rule) ? rule.from : undefined).forEach((from, f) => {
      const source = isObject(from) && isObject(from.source) ? from.source : {};
      const withAccounts = has(source, 'serviceAccounts') || has(source, 'notServiceAccounts');
      if (withAccounts && identityFields.some((field) => has(source, field))) {
        const problem = 'Cannot set serviceAccounts with namespaces or principals';
        report(`spec.rules[${r}].from[${f}].source`, problem);
      }
    });
  });
}

// CEL on spec.portLevelMtls: `self.all(key, 0 < int(key) && int(key) <= 65535)`; CEL's int()
// parses like Go's strconv.ParseInt, so a sign and leading zeros pass and anything else fails.
function portLevelMtlsPortsInRange(spec: Json, report: Report): void {
  if (!isObject(spec.portLevelMtls)) return;
  for (const key of Object.keys(spec.portLevelMtls)) {
    const port = /^[-+]?\d+$/.test(key) ? Number(key) : Number.NaN;
    if (!(port > 0 && port <= 65535)) {
      report(`spec.portLevelMtls.${key}`, 'port must be between 1-65535');
    }
  }
}

// CEL on spec: `has(self.portLevelMtls) ? (((has(self.selector) && has(self.selector.matchLabels))
//   ? self.selector.matchLabels : {}).size() > 0) : true`.
function portLevelMtlsRequiresSelector(spec: Json, report: Report): void {
  if (has(spec, 'portLevelMtls') && Object.keys(matchLabels(spec)).length === 0) {
    report('spec', 'portLevelMtls requires selector');
  }
}

// CEL on spec.jwtRules[].jwksUri and spec.jwtRules[].jwks_uri:
//   `url(self).getScheme() in ["http", "https"]`; Go's URL parser lower-cases the scheme.
function jwksUriHasHttpScheme(spec: Json, report: Report): void {
  jwtRules(spec).forEach((rule, i) => {
    for (const field of ['jwksUri', 'jwks_uri']) {
      const uri = rule[field];
      if (typeof uri !== 'string') continue;
      const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
      if (scheme !== 'http' && scheme !== 'https') {
        report(`spec.jwtRules[${i}].${field}`, 'url must have scheme http:// or https://');
      }
    }
  });
}

// CEL on spec.jwtRules[].timeout: `duration(self) >= duration('1ms')`.
function timeoutAtLeastOneMillisecond(spec: Json, report: Report): void {
  jwtRules(spec).forEach((rule, i) => {
    if (typeof rule.timeout !== 'string') return;
    const nanoseconds = parseGoDuration(rule.timeout);
    if (nanoseconds === undefined || nanoseconds < ONE_MILLISECOND) {
      report(`spec.jwtRules[${i}].timeout`, 'must be a valid duration greater than 1ms');
    }
  });
}

// CEL on spec.jwtRules[]: `(has(self.jwksUri) ? 1 : 0) + (has(self.jwks_uri) ? 1 : 0)
//   + (has(self.jwks) ? 1 : 0) <= 1`.
function onlyOneKeySetSource(spec: Json, report: Report): void {
  jwtRules(spec).forEach((rule, i) => {
    const count = ['jwksUri', 'jwks_uri', 'jwks'].filter((field) => has(rule, field)).length;
    if (count > 1) report(`spec.jwtRules[${i}]`, 'only one of jwks or jwksUri can be set');
  });
}

/** Nanoseconds of a Go duration string such as `1h30m` or `500ms`; undefined when invalid. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  let rest = text.replace(/^[-+]/, '');
  let total = 0;
  if (rest === '') return undefined;
  while (rest !== '') {
    const match = GO_DURATION.exec(rest);
    if (match === null) return undefined;
    total += Number(match[1]) * NANOSECONDS[match[3]!]!;
    rest = rest.slice(match[0].length);
  }
  return sign * total;
}

// --- Helpers ---

// CEL's has() on a structural object: the field is present. The API server drops null values of
// non-nullable fields before validation, so null counts as absent.
function has(object: Json, field: string): boolean {
  return object[field] !== undefined && object[field] !== null;
}

function matchLabels(spec: Json): Json {
  const selector = spec.selector;
  return isObject(selector) && isObject(selector.matchLabels) ? selector.matchLabels : {};
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

function objectName(doc: unknown): string {
  const metadata = isObject(doc) && isObject(doc.metadata) ? doc.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  return namespace !== '' && name !== '' ? `${namespace}/${name}` : name;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
