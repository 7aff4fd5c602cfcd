// What istiod's validating webhook (istiod-default-validator) rejects or warns about in
// AuthorizationPolicy, PeerAuthentication and RequestAuthentication, offline: one small rule per
// check, each with a stable IZT-C-WH-* code. The rules read a document the way istiod decodes it
// (golang/protobuf jsonpb): a `null` field is absent, an empty list `[]` is absent (except for the
// `from: []` / `to: []` rule, see emptyFromOrTo), a `null` list item is an empty message or an
// empty string, and an empty object `{}` is present. Values of the wrong JSON type are left to the
// CRD layer, which rejects them before the webhook runs.
// Webhook warnings are findings with severity 'warning'.
//
// Usage:
//   import { WEBHOOK_RULES } from './lib/check/webhook.js';
//   const findings = WEBHOOK_RULES.flatMap((rule) => rule(document));

import { X509Certificate } from 'node:crypto';

import { fieldOrder, setLists, setsAny, type SetList } from './lists.js';
import { memoizedByDocument } from './memo.js';
import { policyRules, type PolicyCondition, type PolicyEntry, type PolicyRule } from './policy.js';
import { keyPath } from './path.js';
import type { DocumentRule, IstioDocument, RuleFinding, Severity } from './types.js';

type Json = Record<string, unknown>;

const DRY_RUN_ANNOTATION = 'istio.io/dry-run';
const INTERNAL_ANNOTATIONS = [
  'internal.istio.io/webhook-always-reject',
  'internal.istio.io/parents',
  'internal.istio.io/parent-namespace',
];
// strconv.ParseBool
const GO_BOOLS = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'];
const ACTIONS_BY_NUMBER = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'];
const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'];

// group ('' means core) and kind a targetRef may name.
const TARGET_KINDS = [
  'core/Service',
  'networking.istio.io/ServiceEntry',
  'gateway.networking.k8s.io/Gateway',
  'gateway.networking.k8s.io/GatewayClass',
];

const CONDITION_VALUE_FIELDS = ['values', 'notValues'];
const CONDITION_VALUE_ORDER = fieldOrder(CONDITION_VALUE_FIELDS);
const FROM_AND_TO = ['from', 'to'] as const;
const IP_FIELDS = ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'];
const PORT_FIELDS = ['ports', 'notPorts'];
const PATH_FIELDS = ['paths', 'notPaths'];
const SERVICE_ACCOUNT_FIELDS = ['serviceAccounts', 'notServiceAccounts'];
const TRUST_DOMAIN_FIELDS = ['trustDomains', 'notTrustDomains'];
const PEER_IDENTITY_FIELDS = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces'];
// Source fields the webhook counts as L4 (usable on TCP) for its DENY warning.
const L4_SOURCE_FIELDS = [
  'principals',
  'notPrincipals',
  'namespaces',
  'notNamespaces',
  'ipBlocks',
  'notIpBlocks',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
  'serviceAccounts',
  'notServiceAccounts',
];
const CUSTOM_FORBIDDEN_SOURCE_FIELDS = [
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'trustDomains',
  'notTrustDomains',
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
];
const CUSTOM_FORBIDDEN_KEYS = [
  'source.namespace',
  'source.serviceAccount',
  'source.trustDomain',
  'source.principal',
];

// when-keys istiod knows: exact ones, and prefixes that need an `a[b]` suffix.
const IP_KEYS = ['source.ip', 'remote.ip', 'destination.ip'];
const PLAIN_KEYS = [
  ...IP_KEYS,
  'source.namespace',
  'source.serviceAccount',
  'source.principal',
  'source.trustDomain',
  'request.auth.principal',
  'request.auth.audiences',
  'request.auth.presenter',
  'destination.port',
  'connection.sni',
];
const BRACKET_KEY_PREFIXES = [
  'request.headers',
  'request.auth.claims',
  'experimental.envoy.filters.',
];

const MAX_SERVICE_ACCOUNTS = 16;
const MAX_SERVICE_ACCOUNT_LENGTH = 320;
const MAX_PORT = 65535;
const MAX_UINT32 = 4294967295;
// RFC 3986 pchar, the only characters a literal segment of a templated path may hold.
const PATH_LITERAL = /^[a-zA-Z0-9-._~%!$&'()+,;:@=]+$/;
const STRICT_HEADER_NAME = /^[-_A-Za-z0-9]+$/;
const DIGITS = /^\d+$/;

const NANOS_PER_MS = 1_000_000n;
const MAX_DURATION = 1n << 63n;
const DURATION_UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
// Per key type: the base64 fields a public key needs, the base64 fields a private key adds, and
// whether the curve name is a field of its own.
const JWK_SHAPES: Readonly<
  Record<string, { bytes: string[]; privateBytes: string[]; crv: boolean }>
> = {
  RSA: { bytes: ['e', 'n'], privateBytes: ['d', 'p', 'q', 'dp', 'dq', 'qi'], crv: false },
  EC: { bytes: ['x', 'y'], privateBytes: ['d'], crv: true },
  OKP: { bytes: ['x'], privateBytes: ['d'], crv: true },
  oct: { bytes: ['k'], privateBytes: [], crv: false },
};
const JWK_STRINGS = ['alg', 'kid', 'use', 'x5t', 'x5t#S256', 'x5u'];

export const WEBHOOK_RULES: DocumentRule[] = [
  // metadata and selector, all kinds
  dryRunUnsupportedKind,
  internalAnnotation,
  selectorEmptyLabelKey,
  selectorWildcard,
  selectorWithoutLabels,
  unknownEnum,
  // attachment, AuthorizationPolicy and RequestAuthentication
  selectorWithTargetRefs,
  targetRefWithoutName,
  targetRefWithNamespace,
  targetRefUnsupportedKind,
  // AuthorizationPolicy
  dryRunInvalidValue,
  dryRunUnsupportedAction,
  customWithoutRules,
  customWithoutProvider,
  customUnsupportedField,
  providerWithoutCustom,
  denyWithoutRules,
  emptyFromOrTo,
  fromWithoutSource,
  toWithoutOperation,
  emptySource,
  emptyOperation,
  serviceAccountsWithPrincipals,
  emptyValue,
  invalidIp,
  invalidPort,
  serviceAccountsTooMany,
  serviceAccountFormat,
  trustDomainWildcard,
  trustDomainSlash,
  invalidPathTemplate,
  whenEmptyKey,
  whenWithoutValues,
  whenUnknownKey,
  whenRetiredKey,
  whenKeyFormat,
  denyHttpOnly,
  // PeerAuthentication
  portLevelMtlsWithoutSelector,
  portLevelMtlsEmpty,
  portLevelMtlsPort,
  // RequestAuthentication
  jwtWithoutIssuer,
  jwksUriInvalid,
  jwksInvalid,
  jwksPrivateKey,
  jwtEmptyAudience,
  jwtEmptyTokenLocation,
  claimToHeaderEmpty,
  claimToHeaderName,
  jwtTimeoutInvalid,
  jwtTimeoutPrecision,
];

// --- metadata and selector (all kinds) ---

function dryRunUnsupportedKind(doc: IstioDocument): RuleFinding[] {
  if (doc.kind === 'AuthorizationPolicy' || annotation(doc, DRY_RUN_ANNOTATION) === undefined) {
    return [];
  }
  return [
    error(
      'DRY-RUN-UNSUPPORTED-KIND',
      annotationPath(DRY_RUN_ANNOTATION),
      `${doc.kind} does not support the ${DRY_RUN_ANNOTATION} annotation`,
      'remove the annotation; only AuthorizationPolicy supports dry-run',
    ),
  ];
}

function internalAnnotation(doc: IstioDocument): RuleFinding[] {
  return INTERNAL_ANNOTATIONS.filter((name) => annotation(doc, name) !== undefined).map((name) =>
    error(
      'INTERNAL-ANNOTATION',
      annotationPath(name),
      `annotation ${name} is reserved for istiod and may not be set by users`,
      'remove the annotation',
    ),
  );
}

function selectorEmptyLabelKey(doc: IstioDocument): RuleFinding[] {
  if (!('' in matchLabels(doc))) return [];
  return [
    error(
      'SELECTOR-EMPTY-LABEL-KEY',
      'spec.selector.matchLabels',
      'selector has a label with an empty key',
      'give the label a key or remove it',
    ),
  ];
}

function selectorWildcard(doc: IstioDocument): RuleFinding[] {
  return Object.entries(matchLabels(doc))
    .filter(([key, value]) => key.includes('*') || goString(value).includes('*'))
    .map(([key, value]) =>
      error(
        'SELECTOR-WILDCARD',
        keyPath('spec.selector.matchLabels', key),
        `selector label ${key}=${goString(value)} contains '*'; selectors match exact labels only`,
        'use the exact label key and value',
      ),
    );
}

function selectorWithoutLabels(doc: IstioDocument): RuleFinding[] {
  const spec = specOf(doc);
  if (!isPresent(spec.selector) || Object.keys(matchLabels(doc)).length > 0) return [];
  return [
    warning(
      'SELECTOR-WITHOUT-LABELS',
      'spec.selector',
      'selector has no labels, so it selects every workload in the namespace',
      'add matchLabels, or remove the selector to apply to the namespace on purpose',
    ),
  ];
}

// jsonpb refuses an enum name it does not know (a number it takes as is), so istiod rejects the
// whole object before any other check.
function unknownEnum(doc: IstioDocument): RuleFinding[] {
  return enumFields(doc)
    .filter(({ value, names }) => typeof value === 'string' && !names.includes(value))
    .map(({ value, names, path }) =>
      error(
        'UNKNOWN-ENUM',
        path,
        `'${String(value)}' is not one of ${names.join(', ')}`,
        `use one of ${names.join(', ')} (upper case)`,
      ),
    );
}

// --- attachment (AuthorizationPolicy and RequestAuthentication) ---

function selectorWithTargetRefs(doc: IstioDocument): RuleFinding[] {
  if (!hasTargetRefs(doc)) return [];
  const spec = specOf(doc);
  const set = [
    isPresent(spec.selector),
    isPresent(spec.targetRef),
    items(spec.targetRefs).length > 0,
  ];
  if (set.filter(Boolean).length < 2) return [];
  return [
    error(
      'SELECTOR-WITH-TARGETREFS',
      'spec',
      'only one of selector, targetRef and targetRefs may be set',
      'keep one way to attach the policy and remove the others',
    ),
  ];
}

function targetRefWithoutName(doc: IstioDocument): RuleFinding[] {
  return targetRefs(doc)
    .filter(({ ref }) => goString(ref.name) === '')
    .map(({ path }) =>
      error(
        'TARGETREF-WITHOUT-NAME',
        `${path}.name`,
        'targetRef has no name',
        'set name to the resource the policy attaches to',
      ),
    );
}

function targetRefWithNamespace(doc: IstioDocument): RuleFinding[] {
  return targetRefs(doc)
    .filter(({ ref }) => goString(ref.namespace) !== '')
    .map(({ path }) =>
      error(
        'TARGETREF-NAMESPACE',
        `${path}.namespace`,
        'targetRef sets a namespace; cross-namespace references are not supported',
        "remove namespace and create the policy in the target's namespace",
      ),
    );
}

function targetRefUnsupportedKind(doc: IstioDocument): RuleFinding[] {
  return targetRefs(doc)
    .filter(
      ({ ref }) => !TARGET_KINDS.includes(`${goString(ref.group) || 'core'}/${goString(ref.kind)}`),
    )
    .map(({ ref, path }) =>
      error(
        'TARGETREF-UNSUPPORTED-KIND',
        path,
        `targetRef to ${goString(ref.group)}/${goString(ref.kind)} is not supported`,
        'target a core Service, an Istio ServiceEntry, or a Gateway API Gateway or GatewayClass',
      ),
    );
}

// --- AuthorizationPolicy: action, provider, dry-run ---

function dryRunInvalidValue(doc: IstioDocument): RuleFinding[] {
  const value = annotation(doc, DRY_RUN_ANNOTATION);
  if (!isPolicy(doc) || value === undefined || !['ALLOW', 'DENY'].includes(actionOf(doc)))
    return [];
  if (GO_BOOLS.includes(value)) return [];
  return [
    error(
      'DRY-RUN-INVALID-VALUE',
      annotationPath(DRY_RUN_ANNOTATION),
      `${DRY_RUN_ANNOTATION} is '${value}', which is not a boolean`,
      "set it to 'true' or 'false'",
    ),
  ];
}

function dryRunUnsupportedAction(doc: IstioDocument): RuleFinding[] {
  const action = actionOf(doc);
  if (!isPolicy(doc) || annotation(doc, DRY_RUN_ANNOTATION) === undefined) return [];
  if (['ALLOW', 'DENY'].includes(action)) return [];
  return [
    error(
      'DRY-RUN-UNSUPPORTED-ACTION',
      annotationPath(DRY_RUN_ANNOTATION),
      `${DRY_RUN_ANNOTATION} supports only ALLOW and DENY policies, not ${action}`,
      'remove the annotation or use action ALLOW or DENY',
    ),
  ];
}

function customWithoutRules(doc: IstioDocument): RuleFinding[] {
  if (!isPolicy(doc) || actionOf(doc) !== 'CUSTOM' || items(specOf(doc).rules).length > 0)
    return [];
  return [
    error(
      'CUSTOM-WITHOUT-RULES',
      'spec.rules',
      'a CUSTOM policy without rules never triggers',
      'add rules, or rules: [{}] to send every request to the provider',
    ),
  ];
}

function customWithoutProvider(doc: IstioDocument): RuleFinding[] {
  if (!isPolicy(doc) || actionOf(doc) !== 'CUSTOM') return [];
  const provider = specOf(doc).provider;
  if (isObject(provider) && goString(provider.name) !== '') return [];
  return [
    error(
      'CUSTOM-WITHOUT-PROVIDER',
      'spec.provider.name',
      'a CUSTOM policy needs provider.name',
      'set provider.name to an extension provider defined in the mesh config',
    ),
  ];
}

function customUnsupportedField(doc: IstioDocument): RuleFinding[] {
  if (!isPolicy(doc) || actionOf(doc) !== 'CUSTOM') return [];
  const fields = sources(doc).flatMap(({ body: source, path }) =>
    CUSTOM_FORBIDDEN_SOURCE_FIELDS.filter((field) => items(source[field]).length > 0).map(
      (field) => ({ what: field, path: `${path}.${field}` }),
    ),
  );
  const keys = conditions(doc)
    .map(({ condition, path }) => ({ what: goString(condition.key), path: `${path}.key` }))
    .filter(({ what }) => CUSTOM_FORBIDDEN_KEYS.includes(what) || what.startsWith('request.auth.'));
  return [...fields, ...keys].map(({ what, path }) =>
    error(
      'CUSTOM-UNSUPPORTED-FIELD',
      path,
      `${what} is not supported with action CUSTOM`,
      'match on it in the external authorizer, or move it to an ALLOW or DENY policy',
    ),
  );
}

function providerWithoutCustom(doc: IstioDocument): RuleFinding[] {
  if (!isPolicy(doc) || !isPresent(specOf(doc).provider) || actionOf(doc) === 'CUSTOM') return [];
  return [
    error(
      'PROVIDER-WITHOUT-CUSTOM',
      'spec.provider',
      `provider is set on a ${actionOf(doc)} policy; it is only used with action CUSTOM`,
      'remove provider or set action: CUSTOM',
    ),
  ];
}

function denyWithoutRules(doc: IstioDocument): RuleFinding[] {
  if (!isPolicy(doc) || actionOf(doc) !== 'DENY' || items(specOf(doc).rules).length > 0) return [];
  return [
    error(
      'DENY-WITHOUT-RULES',
      'spec.rules',
      'a DENY policy without rules never triggers',
      'add rules, or rules: [{}] to deny every request',
    ),
  ];
}

// --- AuthorizationPolicy: rule structure ---

// istiod's code rejects a `from` or `to` that is present but empty, and Istio's own tests expect
// that outcome. Its JSON decoder may instead read `[]` as absent, which matches any source or
// operation: either way the rule does not say what its author meant, so it is an error here.
function emptyFromOrTo(doc: IstioDocument): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const { rule, path } of rules(doc)) {
    for (const field of FROM_AND_TO) {
      if (!isEmptyList(rule[field])) continue;
      findings.push(
        error(
          'EMPTY-FROM-OR-TO',
          `${path}.${field}`,
          `${field} is an empty list`,
          `list at least one entry, or remove ${field} to match any`,
        ),
      );
    }
  }
  return findings;
}

function fromWithoutSource(doc: IstioDocument): RuleFinding[] {
  return entries(doc, 'from')
    .filter(({ inner }) => !isPresent(inner))
    .map(({ entryPath: path }) =>
      error(
        'FROM-WITHOUT-SOURCE',
        path,
        'from entry has no source',
        'add source with at least one field',
      ),
    );
}

function toWithoutOperation(doc: IstioDocument): RuleFinding[] {
  return entries(doc, 'to')
    .filter(({ inner }) => !isPresent(inner))
    .map(({ entryPath: path }) =>
      error(
        'TO-WITHOUT-OPERATION',
        path,
        'to entry has no operation',
        'add operation with at least one field',
      ),
    );
}

function emptySource(doc: IstioDocument): RuleFinding[] {
  return sources(doc)
    .filter(({ lists }) => lists.length === 0)
    .map(({ path }) =>
      error(
        'EMPTY-SOURCE',
        path,
        'source sets no field',
        'set at least one field, such as principals',
      ),
    );
}

function emptyOperation(doc: IstioDocument): RuleFinding[] {
  return operations(doc)
    .filter(({ lists }) => lists.length === 0)
    .map(({ path }) =>
      error(
        'EMPTY-OPERATION',
        path,
        'operation sets no field',
        'set at least one field, such as ports or paths',
      ),
    );
}

function serviceAccountsWithPrincipals(doc: IstioDocument): RuleFinding[] {
  return sources(doc)
    .filter(
      ({ lists }) =>
        setsAny(lists, SERVICE_ACCOUNT_FIELDS) && setsAny(lists, PEER_IDENTITY_FIELDS),
    )
    .map(({ path }) =>
      error(
        'SERVICE-ACCOUNTS-WITH-PRINCIPALS',
        path,
        'serviceAccounts cannot be combined with principals or namespaces in one source',
        'put serviceAccounts in a separate from entry',
      ),
    );
}

function emptyValue(doc: IstioDocument): RuleFinding[] {
  const lists = [...sourceLists(doc), ...operationLists(doc), ...conditionLists(doc)];
  return matchingStrings(lists, isEmptyString).map(({ path }) =>
    error('EMPTY-VALUE', path, 'empty string in a match list', 'remove the empty entry'),
  );
}

function invalidIp(doc: IstioDocument): RuleFinding[] {
  const lists = [
    ...listsOf(sourceLists(doc), IP_FIELDS),
    ...conditionLists(doc).filter(({ key }) => IP_KEYS.includes(key)),
  ];
  return matchingStrings(lists, (value) => value !== '' && !isIpOrCidr(value)).map(
    ({ value, path }) =>
      error(
        'INVALID-IP',
        path,
        `'${value}' is not an IP address or CIDR range`,
        'use an address like 10.0.0.1 or a range like 10.0.0.0/16 (no wildcards)',
      ),
  );
}

function invalidPort(doc: IstioDocument): RuleFinding[] {
  const lists = [
    ...listsOf(operationLists(doc), PORT_FIELDS),
    ...conditionLists(doc).filter(({ key }) => key === 'destination.port'),
  ];
  return matchingStrings(lists, (value) => value !== '' && !isPort(value)).map(({ value, path }) =>
    error(
      'INVALID-PORT',
      path,
      `'${value}' is not a port number from 0 to 65535`,
      'use one decimal port number per entry (no names, ranges or wildcards)',
    ),
  );
}

function serviceAccountsTooMany(doc: IstioDocument): RuleFinding[] {
  return serviceAccountLists(doc)
    .filter(({ list }) => list.length > MAX_SERVICE_ACCOUNTS)
    .map(({ parent, field }) =>
      error(
        'SERVICE-ACCOUNTS-TOO-MANY',
        `${parent}.${field}`,
        `more than ${MAX_SERVICE_ACCOUNTS} service accounts in one list`,
        'split them across several from entries or rules',
      ),
    );
}

function serviceAccountFormat(doc: IstioDocument): RuleFinding[] {
  const lists = serviceAccountLists(doc);
  return matchingStrings(lists, (value) => serviceAccountProblem(value) !== undefined).map(
    ({ value, path }) =>
      error(
        'SERVICE-ACCOUNT-FORMAT',
        path,
        `service account '${value}' ${serviceAccountProblem(value)}`,
        "write 'name' or 'namespace/name', without wildcards",
      ),
  );
}

function trustDomainWildcard(doc: IstioDocument): RuleFinding[] {
  const lists = [
    ...listsOf(sourceLists(doc), TRUST_DOMAIN_FIELDS),
    ...conditionLists(doc).filter(({ key }) => key === 'source.trustDomain'),
  ];
  return matchingStrings(lists, (value) => value !== '' && !isWildcardValue(value)).map(
    ({ value, path }) =>
      error(
        'TRUST-DOMAIN-WILDCARD',
        path,
        `trust domain '${value}' may hold one '*', and only at its start or end`,
        "use one '*' at the start or end only, as in '*.example.com' or 'prod-*'",
      ),
  );
}

function trustDomainSlash(doc: IstioDocument): RuleFinding[] {
  const lists = listsOf(sourceLists(doc), TRUST_DOMAIN_FIELDS);
  return matchingStrings(lists, (value) => value.includes('/') && isWildcardValue(value)).map(
    ({ value, path }) =>
      error(
        'TRUST-DOMAIN-SLASH',
        path,
        `trust domain '${value}' contains '/'`,
        "write the bare trust domain, such as 'cluster.local', not a spiffe:// URI",
      ),
  );
}

function invalidPathTemplate(doc: IstioDocument): RuleFinding[] {
  const lists = listsOf(operationLists(doc), PATH_FIELDS);
  return matchingStrings(lists, (value) => pathTemplateProblem(value) !== undefined).map(
    ({ value, path }) =>
      error(
        'INVALID-PATH-TEMPLATE',
        path,
        `path '${value}' ${pathTemplateProblem(value)}`,
        "use '{*}' or '{**}' as whole segments, '{**}' last, other segments plain characters",
      ),
  );
}

// --- AuthorizationPolicy: when ---

function whenEmptyKey(doc: IstioDocument): RuleFinding[] {
  return conditions(doc)
    .filter(({ condition }) => goString(condition.key) === '')
    .map(({ path }) =>
      error(
        'WHEN-EMPTY-KEY',
        `${path}.key`,
        'condition has no key',
        'set key, such as request.headers[x-id]',
      ),
    );
}

function whenWithoutValues(doc: IstioDocument): RuleFinding[] {
  return conditions(doc)
    .filter(({ condition }) => goString(condition.key) !== '' && !hasConditionValues(condition))
    .map(({ condition, path }) =>
      error(
        'WHEN-WITHOUT-VALUES',
        path,
        `condition on ${goString(condition.key)} has neither values nor notValues`,
        'list at least one value in values or notValues',
      ),
    );
}

function whenUnknownKey(doc: IstioDocument): RuleFinding[] {
  return checkedConditions(doc)
    .filter(({ key }) => attributeOf(key) === 'unknown')
    .map(({ key, path }) =>
      error(
        'WHEN-UNKNOWN-KEY',
        `${path}.key`,
        `'${key}' is not a condition key Istio knows`,
        'use a supported key, such as request.headers[name], source.ip or request.auth.claims[name]',
      ),
    );
}

// What to use instead of each retired condition key.
const RETIRED_KEY_REPLACEMENTS: Readonly<Record<string, string>> = {
  'destination.namespace': 'the policy namespace (metadata.namespace)',
  'destination.labels': 'the workload selector',
  'destination.name': 'a selector or targetRefs',
  'destination.user': 'a selector or targetRefs',
};

function whenRetiredKey(doc: IstioDocument): RuleFinding[] {
  return checkedConditions(doc)
    .map(({ key, path }) => ({ key, path, attribute: attributeOf(key) }))
    .filter(({ attribute }) => attribute in RETIRED_KEY_REPLACEMENTS)
    .map(({ key, path, attribute }) =>
      error(
        'WHEN-RETIRED-KEY',
        `${path}.key`,
        `'${key}' is no longer a condition key`,
        `express it with ${RETIRED_KEY_REPLACEMENTS[attribute]}`,
      ),
    );
}

function whenKeyFormat(doc: IstioDocument): RuleFinding[] {
  return checkedConditions(doc)
    .filter(({ key }) => attributeOf(key) === 'bracketed' && !isBracketedKey(key))
    .map(({ key, path }) =>
      error(
        'WHEN-KEY-FORMAT',
        `${path}.key`,
        `'${key}' must have the form name[field] with a non-empty field`,
        'add the bracketed name, as in request.headers[x-user]',
      ),
    );
}

function denyHttpOnly(doc: IstioDocument): RuleFinding[] {
  if (!isPolicy(doc) || actionOf(doc) !== 'DENY') return [];
  return rules(doc)
    .filter(({ rule }) => deniesAllTcp(rule))
    .map(({ path }) =>
      warning(
        'DENY-HTTP-ONLY',
        path,
        'this DENY rule uses only HTTP attributes, so it will deny all traffic to TCP ports in its scope',
        'add ports to an operation of the rule to scope it to the HTTP ports',
      ),
    );
}

// --- PeerAuthentication ---

function portLevelMtlsWithoutSelector(doc: IstioDocument): RuleFinding[] {
  const portLevel = specOf(doc).portLevelMtls;
  if (doc.kind !== 'PeerAuthentication' || !isObject(portLevel)) return [];
  if (Object.keys(portLevel).length === 0 || Object.keys(matchLabels(doc)).length > 0) return [];
  return [
    error(
      'PORT-LEVEL-MTLS-WITHOUT-SELECTOR',
      'spec.portLevelMtls',
      'portLevelMtls needs a selector with at least one label',
      'add selector.matchLabels for the workload whose ports these are',
    ),
  ];
}

function portLevelMtlsEmpty(doc: IstioDocument): RuleFinding[] {
  const portLevel = specOf(doc).portLevelMtls;
  if (doc.kind !== 'PeerAuthentication' || !isObject(portLevel)) return [];
  if (Object.keys(portLevel).length > 0) return [];
  return [
    error(
      'PORT-LEVEL-MTLS-EMPTY',
      'spec.portLevelMtls',
      'portLevelMtls is empty',
      'add at least one port or remove portLevelMtls',
    ),
  ];
}

function portLevelMtlsPort(doc: IstioDocument): RuleFinding[] {
  const portLevel = specOf(doc).portLevelMtls;
  if (doc.kind !== 'PeerAuthentication' || !isObject(portLevel)) return [];
  return Object.keys(portLevel)
    .filter((key) => {
      const port = decodeUint32(key);
      return port === undefined || port < 1 || port > MAX_PORT;
    })
    .map((key) =>
      error(
        'PORT-LEVEL-MTLS-PORT',
        keyPath('spec.portLevelMtls', key),
        `portLevelMtls key '${key}' is not a port number from 1 to 65535`,
        'key each entry by a container port number',
      ),
    );
}

// --- RequestAuthentication ---

function jwtWithoutIssuer(doc: IstioDocument): RuleFinding[] {
  return jwtRules(doc)
    .filter(({ rule }) => goString(rule.issuer) === '' && jwksUriOf(rule).value === '')
    .map(({ path }) =>
      error('JWT-WITHOUT-ISSUER', path, 'JWT rule has neither issuer nor jwksUri', 'set issuer'),
    );
}

function jwksUriInvalid(doc: IstioDocument): RuleFinding[] {
  return jwtRules(doc)
    .map(({ rule, path }) => ({ ...jwksUriOf(rule), path }))
    .map(({ value, field, path }) => ({
      value,
      path: `${path}.${field}`,
      problem: jwksUriProblem(value),
    }))
    .filter(({ value, problem }) => value !== '' && problem !== undefined)
    .map(({ value, path, problem }) =>
      error(
        'JWKS-URI-INVALID',
        path,
        `jwksUri '${value}' ${problem}`,
        'use an http:// or https:// URL with a numeric port, if any',
      ),
    );
}

function jwksInvalid(doc: IstioDocument): RuleFinding[] {
  return jwtRules(doc)
    .map(({ rule, path }) => ({ jwks: goString(rule.jwks), path: `${path}.jwks` }))
    .filter(({ jwks }) => jwks !== '')
    .map(({ jwks, path }) => ({ path, parsed: parseJwks(jwks) }))
    .filter(({ parsed }) => typeof parsed === 'string')
    .map(({ path, parsed }) =>
      error(
        'JWKS-INVALID',
        path,
        `jwks is not a valid JSON Web Key Set: ${String(parsed)}`,
        'paste the JSON of the JWKS the issuer publishes ({"keys": [...]}), or use jwksUri',
      ),
    );
}

function jwksPrivateKey(doc: IstioDocument): RuleFinding[] {
  return jwtRules(doc).flatMap(({ rule, path }) => {
    const parsed = parseJwks(goString(rule.jwks));
    if (typeof parsed === 'string') return [];
    return parsed
      .map((key, index) => ({ key, index }))
      .filter(({ key }) => key.private)
      .map(({ index }) =>
        warning(
          'JWKS-PRIVATE-KEY',
          `${path}.jwks`,
          `jwks key ${index} contains private key material; only public keys verify tokens`,
          'remove the private parts (d, p, q, dp, dq, qi, or oct keys) and rotate the exposed key',
        ),
      );
  });
}

function jwtEmptyAudience(doc: IstioDocument): RuleFinding[] {
  return jwtRules(doc)
    .flatMap(({ rule, path }) => stringItems(rule.audiences, `${path}.audiences`))
    .filter(({ value }) => value === '')
    .map(({ path }) =>
      error('JWT-EMPTY-AUDIENCE', path, 'empty audience', 'remove the empty entry'),
    );
}

function jwtEmptyTokenLocation(doc: IstioDocument): RuleFinding[] {
  const locations = jwtRules(doc).flatMap(({ rule, path }) => [
    ...stringItems(rule.fromParams, `${path}.fromParams`),
    ...stringItems(rule.fromCookies, `${path}.fromCookies`),
    ...items(rule.fromHeaders).map((header, i) => ({
      value: goString(objectOf(header).name),
      path: `${path}.fromHeaders[${i}].name`,
    })),
  ]);
  return locations
    .filter(({ value }) => value === '')
    .map(({ path }) =>
      error(
        'JWT-EMPTY-TOKEN-LOCATION',
        path,
        'empty header, query parameter or cookie name for the token',
        'name where the token is, or remove the entry',
      ),
    );
}

function claimToHeaderEmpty(doc: IstioDocument): RuleFinding[] {
  return claimToHeaders(doc)
    .filter(({ item }) => goString(item.claim) === '' || goString(item.header) === '')
    .map(({ path }) =>
      error(
        'CLAIM-TO-HEADER-EMPTY',
        path,
        'outputClaimToHeaders entry needs both claim and header',
        'set claim and header, or remove the entry',
      ),
    );
}

function claimToHeaderName(doc: IstioDocument): RuleFinding[] {
  return claimToHeaders(doc)
    .filter(({ item }) => goString(item.claim) !== '' && goString(item.header) !== '')
    .filter(({ item }) => !STRICT_HEADER_NAME.test(goString(item.header)))
    .map(({ item, path }) =>
      error(
        'CLAIM-TO-HEADER-NAME',
        `${path}.header`,
        `'${goString(item.header)}' is not a valid header name`,
        'use letters, digits, - and _ only (no pseudo-headers like :authority)',
      ),
    );
}

function jwtTimeoutInvalid(doc: IstioDocument): RuleFinding[] {
  return jwtTimeouts(doc)
    .filter(({ nanos }) => nanos === undefined || nanos < NANOS_PER_MS)
    .map(({ text, path }) =>
      error(
        'JWT-TIMEOUT-INVALID',
        path,
        `timeout '${text}' is not a duration of at least 1ms`,
        'use a duration such as 5s or 500ms',
      ),
    );
}

function jwtTimeoutPrecision(doc: IstioDocument): RuleFinding[] {
  return jwtTimeouts(doc)
    .filter(({ nanos }) => nanos !== undefined && nanos >= NANOS_PER_MS)
    .filter(({ nanos }) => (nanos as bigint) % NANOS_PER_MS !== 0n)
    .map(({ text, path }) =>
      error(
        'JWT-TIMEOUT-PRECISION',
        path,
        `timeout '${text}' is not a whole number of milliseconds`,
        'round the timeout to whole milliseconds',
      ),
    );
}

// --- document access, as istiod decodes it ---

function specOf(doc: IstioDocument): Json {
  return objectOf(doc.object.spec);
}

function objectOf(value: unknown): Json {
  return isObject(value) ? value : {};
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A message field is set when it is present and not null (`{}` counts). */
function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

/** The items of a list field; absent, null and `[]` all decode to no items. */
function items(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A string field or list item as decoded: null is ''; other types are left to the CRD layer. */
function goString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function stringItems(list: unknown, path: string): { value: string; path: string }[] {
  return items(list).flatMap((item, i) =>
    item === null || typeof item === 'string'
      ? [{ value: goString(item), path: `${path}[${i}]` }]
      : [],
  );
}

/**
 * The string items (null read as '') of `lists` that pass `test`, with their paths. Only matches
 * get a path: most items pass every check.
 */
function matchingStrings(
  lists: readonly MatchList[],
  test: (value: string) => boolean,
): { value: string; path: string }[] {
  const found: { value: string; path: string }[] = [];
  for (const { list, parent, field } of lists) {
    for (let i = 0; i < list.length; i += 1) {
      const item: unknown = list[i];
      if (item !== null && typeof item !== 'string') continue;
      const value = goString(item);
      if (test(value)) found.push({ value, path: `${parent}.${field}[${i}]` });
    }
  }
  return found;
}

function isEmptyString(value: string): boolean {
  return value === '';
}

function annotation(doc: IstioDocument, name: string): string | undefined {
  const annotations = objectOf(objectOf(doc.object.metadata).annotations);
  if (!(name in annotations)) return undefined;
  const value = annotations[name];
  return typeof value === 'string' ? value : String(value ?? '');
}

function annotationPath(name: string): string {
  return keyPath('metadata.annotations', name);
}

function matchLabels(doc: IstioDocument): Json {
  return objectOf(objectOf(specOf(doc).selector).matchLabels);
}

function isPolicy(doc: IstioDocument): boolean {
  return doc.kind === 'AuthorizationPolicy';
}

function hasTargetRefs(doc: IstioDocument): boolean {
  return doc.kind === 'AuthorizationPolicy' || doc.kind === 'RequestAuthentication';
}

/** The action as istiod reads it: unset is ALLOW; jsonpb also takes the enum number. */
function actionOf(doc: IstioDocument): string {
  const action = specOf(doc).action;
  if (typeof action === 'number') return ACTIONS_BY_NUMBER[action] ?? String(action);
  return typeof action === 'string' && action !== '' ? action : 'ALLOW';
}

function enumFields(doc: IstioDocument): { value: unknown; names: string[]; path: string }[] {
  const spec = specOf(doc);
  if (isPolicy(doc)) return [{ value: spec.action, names: ACTIONS_BY_NUMBER, path: 'spec.action' }];
  if (doc.kind !== 'PeerAuthentication') return [];
  const ports = Object.entries(objectOf(spec.portLevelMtls)).map(([port, mtls]) => ({
    value: objectOf(mtls).mode,
    names: MTLS_MODES,
    path: `${keyPath('spec.portLevelMtls', port)}.mode`,
  }));
  return [{ value: objectOf(spec.mtls).mode, names: MTLS_MODES, path: 'spec.mtls.mode' }, ...ports];
}

const targetRefs = memoizedByDocument(
  (doc: IstioDocument): { ref: Json; path: string }[] => {
    if (!hasTargetRefs(doc)) return [];
    const spec = specOf(doc);
    const single = isPresent(spec.targetRef)
      ? [{ ref: objectOf(spec.targetRef), path: 'spec.targetRef' }]
      : [];
    const list = items(spec.targetRefs).map((ref, i) => ({
      ref: objectOf(ref),
      path: `spec.targetRefs[${i}]`,
    }));
    return [...single, ...list];
  },
);

/**
 * The parts of a policy the rules read, in document order: its rules, their `from` and `to`
 * entries, the sources and operations present (`{}` too; null is absent), the conditions, and
 * the match lists of all of them.
 */
interface PolicyView {
  rules: PolicyRule[];
  from: PolicyEntry[];
  to: PolicyEntry[];
  /** Each present source, with the match lists it sets (see policy.ts). */
  sources: PolicyEntry[];
  /** Each present operation, with the match lists it sets. */
  operations: PolicyEntry[];
  conditions: PolicyCondition[];
  /** Conditions whose key and values istiod goes on to check: a key and at least one value. */
  checkedConditions: { condition: Json; key: string; path: string }[];
  /** The match lists of the sources, of the operations and of the checked conditions. */
  sourceLists: MatchList[];
  operationLists: MatchList[];
  conditionLists: MatchList[];
}

/**
 * A match list that holds items: a field of a source or operation, or the values or notValues of
 * a checked condition (with its key). Absent, null and empty lists have nothing to check.
 */
interface MatchList {
  field: string;
  list: unknown[];
  /** The path of the source, operation or condition holding the list. */
  parent: string;
  key: string;
}

// One pass over the policy (policy.ts) for all the rules that read it.
const policyView = memoizedByDocument((doc: IstioDocument): PolicyView => {
  const view: PolicyView = {
    rules: policyRules(doc),
    from: [],
    to: [],
    sources: [],
    operations: [],
    conditions: [],
    checkedConditions: [],
    sourceLists: [],
    operationLists: [],
    conditionLists: [],
  };
  for (const rule of view.rules) {
    addEntries(view.from, view.sources, view.sourceLists, rule.from);
    addEntries(view.to, view.operations, view.operationLists, rule.to);
    addConditions(view, rule.when);
  }
  return view;
});

function addEntries(
  entries: PolicyEntry[],
  present: PolicyEntry[],
  matchLists: MatchList[],
  ruleEntries: readonly PolicyEntry[],
): void {
  for (const entry of ruleEntries) {
    entries.push(entry);
    if (!isPresent(entry.inner)) continue;
    present.push(entry);
    addMatchLists(matchLists, entry.lists, entry.path, '');
  }
}

function addConditions(view: PolicyView, conditions: readonly PolicyCondition[]): void {
  for (const item of conditions) {
    view.conditions.push(item);
    const { condition, path } = item;
    const key = goString(condition.key);
    if (key === '' || !hasConditionValues(condition)) continue;
    view.checkedConditions.push({ condition, key, path });
    addMatchLists(view.conditionLists, setLists(condition, CONDITION_VALUE_ORDER), path, key);
  }
}

function addMatchLists(
  matchLists: MatchList[],
  lists: readonly SetList[],
  parent: string,
  key: string,
): void {
  for (const { field, list } of lists) matchLists.push({ field, list, parent, key });
}

function hasConditionValues(condition: Json): boolean {
  return items(condition.values).length > 0 || items(condition.notValues).length > 0;
}

/** Rules of a policy; a null rule decodes to `{}`. */
function rules(doc: IstioDocument): PolicyRule[] {
  return policyView(doc).rules;
}

function entries(doc: IstioDocument, field: 'from' | 'to'): PolicyEntry[] {
  return field === 'from' ? policyView(doc).from : policyView(doc).to;
}

function sources(doc: IstioDocument): PolicyView['sources'] {
  return policyView(doc).sources;
}

function operations(doc: IstioDocument): PolicyView['operations'] {
  return policyView(doc).operations;
}

function conditions(doc: IstioDocument): PolicyCondition[] {
  return policyView(doc).conditions;
}

function checkedConditions(doc: IstioDocument): { condition: Json; key: string; path: string }[] {
  return policyView(doc).checkedConditions;
}

function sourceLists(doc: IstioDocument): MatchList[] {
  return policyView(doc).sourceLists;
}

function operationLists(doc: IstioDocument): MatchList[] {
  return policyView(doc).operationLists;
}

function conditionLists(doc: IstioDocument): MatchList[] {
  return policyView(doc).conditionLists;
}

function listsOf(lists: readonly MatchList[], fields: readonly string[]): MatchList[] {
  return lists.filter(({ field }) => fields.includes(field));
}

const serviceAccountLists = memoizedByDocument((doc: IstioDocument): MatchList[] => [
  ...listsOf(sourceLists(doc), SERVICE_ACCOUNT_FIELDS),
  ...conditionLists(doc).filter(({ key }) => key === 'source.serviceAccount'),
]);

/**
 * Which attribute a when-key names, in istiod's order: 'bracketed' for keys that need `a[b]`,
 * 'known' for the other supported ones, the retired attribute's name, or 'unknown'.
 */
function attributeOf(key: string): string {
  if (key.startsWith('request.headers')) return 'bracketed';
  if (PLAIN_KEYS.includes(key)) return 'known';
  if (key.startsWith('request.auth.claims')) return 'bracketed';
  if (key.startsWith('experimental.envoy.filters.')) return 'bracketed';
  if (key === 'destination.namespace') return key;
  if (key.startsWith('destination.labels')) return 'destination.labels';
  if (key === 'destination.name' || key === 'destination.user') return key;
  return 'unknown';
}

function isBracketedKey(key: string): boolean {
  const open = key.indexOf('[');
  return key.endsWith(']') && open > 0 && open < key.length - 2;
}

/** istiod's DENY warning: the rule's HTTP-only fields make it match every TCP connection. */
/**
 * Whether istiod warns (IZT-C-WH-DENY-HTTP-ONLY) about this rule of a DENY policy; lint.ts uses it
 * to keep IZT-C-W001 from reporting the same rule again.
 */
export function webhookWarnsDenyHttpOnly(rule: Json): boolean {
  return deniesAllTcp(rule);
}

function deniesAllTcp(rule: Json): boolean {
  const from = items(rule.from)
    .map(objectOf)
    .filter((entry) => isPresent(entry.source));
  const to = items(rule.to)
    .map(objectOf)
    .filter((entry) => isPresent(entry.operation));
  const l4From = from.some((entry) =>
    L4_SOURCE_FIELDS.some((field) => items(objectOf(entry.source)[field]).length > 0),
  );
  const l4To = to.some((entry) =>
    PORT_FIELDS.some((field) => items(objectOf(entry.operation)[field]).length > 0),
  );
  return (from.length > 0 && to.length === 0 && !l4From) || (to.length > 0 && !l4To);
}

function jwtRules(doc: IstioDocument): { rule: Json; path: string }[] {
  if (doc.kind !== 'RequestAuthentication') return [];
  return items(specOf(doc).jwtRules).map((rule, i) => ({
    rule: objectOf(rule),
    path: `spec.jwtRules[${i}]`,
  }));
}

/** jsonpb reads `jwks_uri` and then `jwksUri`, so the JSON name wins when both are there. */
function jwksUriOf(rule: Json): { value: string; field: string } {
  const field = 'jwksUri' in rule ? 'jwksUri' : 'jwks_uri';
  return { value: goString(rule[field]), field };
}

function claimToHeaders(doc: IstioDocument): { item: Json; path: string }[] {
  return jwtRules(doc).flatMap(({ rule, path }) =>
    items(rule.outputClaimToHeaders).map((item, i) => ({
      item: objectOf(item),
      path: `${path}.outputClaimToHeaders[${i}]`,
    })),
  );
}

function jwtTimeouts(
  doc: IstioDocument,
): { text: string; nanos: bigint | undefined; path: string }[] {
  return jwtRules(doc)
    .filter(({ rule }) => isPresent(rule.timeout))
    .map(({ rule, path }) => {
      const text = typeof rule.timeout === 'string' ? rule.timeout : JSON.stringify(rule.timeout);
      const nanos = typeof rule.timeout === 'string' ? parseGoDuration(rule.timeout) : undefined;
      return { text, nanos, path: `${path}.timeout` };
    });
}

// --- value checks, as istiod's Go code makes them ---

function serviceAccountProblem(value: string): string | undefined {
  if (value === '') return undefined; // EMPTY-VALUE reports it
  if (value.includes('*')) return "contains '*'";
  const slashes = value.split('/').length - 1;
  if (slashes > 1) return "has more than one '/'";
  if (value.length > MAX_SERVICE_ACCOUNT_LENGTH) return 'is longer than 320 characters';
  if (value.startsWith('/')) return 'has an empty namespace';
  if (value.endsWith('/')) return 'has an empty name';
  return undefined;
}

/** One `*` at most, and only alone, leading or trailing. */
function isWildcardValue(value: string): boolean {
  const stars = value.split('*').length - 1;
  if (stars > 1) return false;
  return stars === 0 || value === '*' || value.startsWith('*') || value.endsWith('*');
}

function isPort(value: string): boolean {
  if (!DIGITS.test(value)) return false;
  // A Number holds up to 15 digits exactly; longer ones (leading zeros) need a BigInt.
  return value.length <= 15 ? Number(value) <= MAX_PORT : BigInt(value) <= BigInt(MAX_PORT);
}

/** What istiod finds wrong with a path (CheckValidPathTemplate), or undefined. */
function pathTemplateProblem(path: string): string | undefined {
  const templated = path.includes('{*}') || path.includes('{**}');
  let afterAny = false;
  for (const segment of path.replace(/^\/+|\/+$/g, '').split('/')) {
    const operator = segment === '{*}' || segment === '{**}';
    if (operator && afterAny) return "has an operator after '{**}'";
    if (operator) {
      afterAny ||= segment === '{**}';
      continue;
    }
    if (/[{}]/.test(segment)) return "has '{' or '}' outside a whole '{*}' or '{**}' segment";
    if (templated && !PATH_LITERAL.test(segment)) {
      return `has segment '${segment}' with characters a templated path may not hold`;
    }
  }
  return undefined;
}

/** A map key decoded as a JSON number into uint32 (jsonpb); undefined when that fails. */
function decodeUint32(key: string): number | undefined {
  const text = key.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '');
  if (text === 'null') return 0;
  if (!/^(0|[1-9]\d*)$/.test(text) || Number(text) > MAX_UINT32) return undefined;
  return Number(text);
}

/** Go's netip.ParseAddr or, with a '/', netip.ParsePrefix. */
function isIpOrCidr(value: string): boolean {
  const slash = value.lastIndexOf('/');
  if (slash < 0) return parseAddr(value) !== undefined;
  const address = parseAddr(value.slice(0, slash));
  const bits = value.slice(slash + 1);
  if (address === undefined || address.zoned) return false;
  if (!/^(0|[1-9]\d*)$/.test(bits)) return false;
  return Number(bits) <= (address.v6 ? 128 : 32);
}

function parseAddr(text: string): { v6: boolean; zoned: boolean } | undefined {
  for (const c of text) {
    if (c === '.') return isIpv4(text) ? { v6: false, zoned: false } : undefined;
    if (c === ':') return parseIpv6(text);
    if (c === '%') return undefined;
  }
  return undefined;
}

function isIpv4(text: string): boolean {
  const fields = text.split('.');
  return (
    fields.length === 4 &&
    fields.every((field) => /^(0|[1-9]\d{0,2})$/.test(field) && Number(field) <= 255)
  );
}

/** Go's parseIPv6: hex groups, one '::', an optional trailing IPv4 part and '%zone'. */
function parseIpv6(input: string): { v6: boolean; zoned: boolean } | undefined {
  const percent = input.indexOf('%');
  const zoned = percent >= 0;
  if (zoned && percent === input.length - 1) return undefined;
  const text = zoned ? input.slice(0, percent) : input;
  const double = text.indexOf('::');
  if (double >= 0 && text.indexOf('::', double + 1) >= 0) return undefined;
  const halves = double >= 0 ? [text.slice(0, double), text.slice(double + 2)] : [text];
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  const all = groups.flat();
  const last = all[all.length - 1];
  let count = all.length;
  if (last !== undefined && last.includes('.')) {
    if (!isIpv4(last)) return undefined;
    if (double < 0 && all.length !== 7) return undefined;
    count += 1; // the IPv4 part fills two groups
    all.pop();
  }
  if (!all.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  if (double < 0 ? count !== 8 : count > 7) return undefined;
  return { v6: true, zoned };
}

/** Go's time.ParseDuration in nanoseconds, or undefined when Go would refuse it. */
function parseGoDuration(text: string): bigint | undefined {
  const negative = text.startsWith('-');
  let rest = text.replace(/^[-+]/, '');
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  while (rest !== '') {
    const match = /^(\d*)(?:\.(\d*))?([^\d.]*)/.exec(rest);
    if (match === null) return undefined;
    const [all, whole = '', fraction, unitName = ''] = match;
    if (whole === '' && (fraction === undefined || fraction === '')) return undefined;
    const unit = DURATION_UNITS[unitName];
    if (unit === undefined) return undefined;
    let value = BigInt(whole || '0') * unit;
    const { digits, scale } = leadingFraction(fraction ?? '');
    // Go adds the fraction through float64, as here.
    if (digits > 0n) value += BigInt(Math.trunc(Number(digits) * (Number(unit) / scale)));
    total += value;
    if (total > MAX_DURATION) return undefined;
    rest = rest.slice(all.length);
  }
  if (!negative && total > MAX_DURATION - 1n) return undefined;
  return negative ? -total : total;
}

/** The fraction digits Go keeps (it stops before overflowing) and their power of ten. */
function leadingFraction(fraction: string): { digits: bigint; scale: number } {
  let digits = 0n;
  let scale = 1;
  for (const digit of fraction) {
    const next = digits * 10n + BigInt(digit);
    if (digits > ((1n << 63n) - 1n) / 10n || next > 1n << 63n) break;
    digits = next;
    scale *= 10;
  }
  return { digits, scale };
}

/** What Go's net/url.Parse plus istiod's scheme and port checks find wrong, or undefined. */
function jwksUriProblem(uri: string): string | undefined {
  if (/[\x00-\x1f\x7f]/.test(uri)) return 'contains a control character';
  const [withoutFragment = '', ...fragment] = uri.split('#');
  if (fragment.length > 0 && !hasValidEscapes(fragment.join('#'))) return 'has an invalid % escape';
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(withoutFragment);
  if (withoutFragment.startsWith(':')) return 'has no scheme';
  const name = scheme?.[1]?.toLowerCase() ?? '';
  if (name !== 'http' && name !== 'https') return `has scheme '${name}', not http or https`;
  const rest = withoutFragment.slice(name.length + 1).split('?')[0] ?? '';
  if (!rest.startsWith('/')) return undefined; // opaque, as in http:host: Go accepts it
  if (!rest.startsWith('//')) return hasValidEscapes(rest) ? undefined : 'has an invalid % escape';
  const slash = rest.indexOf('/', 2);
  const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
  if (slash >= 0 && !hasValidEscapes(rest.slice(slash))) return 'has an invalid % escape';
  return authorityProblem(authority);
}

function authorityProblem(authority: string): string | undefined {
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at);
  const host = authority.slice(at + 1);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) return 'has invalid user information';
  let hostname = host;
  let port = '';
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) return "is missing ']' in the host";
    port = host.slice(close + 1);
    hostname = host.slice(0, close + 1);
  } else if (host.includes(':')) {
    port = host.slice(host.lastIndexOf(':'));
    hostname = host.slice(0, host.lastIndexOf(':'));
  }
  if (port !== '' && !/^:\d*$/.test(port)) return `has an invalid port '${port}'`;
  // u.Port() takes what follows the first ':' of an unbracketed host; strconv.Atoi must read it.
  const portText = host.startsWith('[') ? port.slice(1) : host.slice(host.indexOf(':') + 1);
  if (port.length > 1 && !/^\d+$/.test(portText)) return `has an invalid port '${portText}'`;
  if (port.length > 1 && BigInt(portText) > 9223372036854775807n) return 'has a port too large';
  if (!/^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%]*$/.test(hostname))
    return 'has invalid characters in the host';
  if (!hasValidEscapes(hostname)) return 'has an invalid % escape';
  return undefined;
}

function hasValidEscapes(text: string): boolean {
  return !/%(?![0-9A-Fa-f]{2})/.test(text);
}

// --- JWKS, as lestrrat-go/jwx v1 jwk.Parse reads it ---

interface ParsedKey {
  private: boolean;
}

/** The keys of a JWKS (or of a single JWK), or what makes it unreadable. */
function parseJwks(text: string): ParsedKey[] | string {
  if (text === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    return `not JSON (${(cause as Error).message})`;
  }
  if (!isObject(parsed)) return 'not a JSON object';
  if (!('keys' in parsed)) return parseKeyOrProblem(parsed, 'the key');
  if (parsed.keys === null) return [];
  if (!Array.isArray(parsed.keys)) return '"keys" is not a list';
  const keys: ParsedKey[] = [];
  for (const [index, key] of parsed.keys.entries()) {
    const result = parseKey(key);
    if (typeof result === 'string') return `key ${index}: ${result}`;
    keys.push(result);
  }
  return keys;
}

function parseKeyOrProblem(key: unknown, name: string): ParsedKey[] | string {
  const result = parseKey(key);
  return typeof result === 'string' ? `${name}: ${result}` : [result];
}

function parseKey(key: unknown): ParsedKey | string {
  if (!isObject(key)) return 'not a JSON object';
  const type = typeof key.kty === 'string' ? key.kty : '';
  const shape = JWK_SHAPES[type];
  if (shape === undefined) return `unknown key type ${JSON.stringify(key.kty ?? '')}`;
  // jwx picks the private variant when `d` is there (any `oct` key is secret).
  const isPrivate = type === 'oct' || key.d !== undefined;
  const bytes = [...shape.bytes, ...(isPrivate ? shape.privateBytes : [])];
  const required = [
    ...(shape.crv ? ['crv'] : []),
    ...shape.bytes,
    ...(isPrivate && type !== 'oct' ? ['d'] : []),
  ];
  const missing = required.find((field) => key[field] === undefined);
  if (missing !== undefined) return `required field ${missing} is missing`;
  const badBytes = bytes.find((field) => field in key && !isGoBase64(key[field]));
  if (badBytes !== undefined) return `field ${badBytes} is not base64`;
  const strings = [...JWK_STRINGS, ...(shape.crv ? ['crv'] : [])];
  const badString = strings.find((field) => field in key && !isStringOrNull(key[field]));
  if (badString !== undefined) return `field ${badString} is not a string`;
  if ('key_ops' in key && !isStringListOrNull(key.key_ops))
    return 'key_ops is not a list of strings';
  if ('x5c' in key && !isCertificateChain(key.x5c)) return 'x5c is not a list of certificates';
  return { private: isPrivate };
}

function isStringOrNull(value: unknown): boolean {
  return value === null || typeof value === 'string';
}

function isStringListOrNull(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.every(isStringOrNull));
}

/** Go's base64 with the variant jwx picks from the text (URL or standard, padded or raw). */
function isGoBase64(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'string') return false;
  const text = value.replace(/[\r\n]/g, '');
  const padded = text.endsWith('=');
  const url = !/[+/]/.test(text);
  const alphabet = url ? /^[A-Za-z0-9_-]*={0,2}$/ : /^[A-Za-z0-9+/]*={0,2}$/;
  if (!alphabet.test(text)) return false;
  if (padded) return text.length % 4 === 0 && !/=[^=]/.test(text);
  return text.length % 4 !== 1;
}

function isCertificateChain(value: unknown): boolean {
  if (value === null) return true;
  if (!Array.isArray(value)) return false;
  return value.every((item) => {
    if (typeof item !== 'string' || !isGoBase64(item)) return false;
    try {
      new X509Certificate(
        Buffer.from(item, item.includes('-') || item.includes('_') ? 'base64url' : 'base64'),
      );
      return true;
    } catch {
      return false;
    }
  });
}

// --- findings ---

function error(name: string, path: string, message: string, fix: string): RuleFinding {
  return finding('error', name, path, message, fix);
}

function warning(name: string, path: string, message: string, fix: string): RuleFinding {
  return finding('warning', name, path, message, fix);
}

function finding(
  severity: Severity,
  name: string,
  path: string,
  message: string,
  fix: string,
): RuleFinding {
  return { severity, code: `IZT-C-WH-${name}`, path, message, fix };
}
