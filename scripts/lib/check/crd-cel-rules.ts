// The CEL rules (x-kubernetes-validations) of Istio's security.istio.io CRDs, as data: each rule's
// text and message exactly as the CRDs hold them, the field it sits on, and this project's code and
// fix for it. Copied from the CRDs of Istio's master branch (1.32 development line), whose rules
// are the same in 1.30 and 1.31; v1 and v1beta1 carry identical rules, so one list serves both.
// scripts/lib/check/crd.ts evaluates them with CEL.
//
// `path` is where the rule sits, dotted from the document root: `[]` stands for every item of a
// list and `*` for every value of a map, so `spec.targetRefs[].namespace` runs once per target.
// `canFail`, where given, is a quick test that holds whenever the rule can be false (or fail to
// evaluate): where it does not hold, the rule is true and CEL is not run. It looks only at what the
// rule reads, as CEL sees it (a null map entry is absent), and errs towards running CEL.

import type { SecurityKind } from './types.js';

export interface CrdCelRule {
  /** Where the rule sits; the rule's `self` is the value found there. */
  path: string;
  /** The CEL expression, as in the CRD. */
  rule: string;
  /** The CRD's message when the rule is false. */
  message: string;
  /** Stable code, IZT-C-CRD-*. */
  code: string;
  fix: string;
  /** The JSON type the schema gives `self`; a value of another type is left to the schema check. */
  selfType: 'object' | 'string';
  /**
   * False only where the rule is sure to be true, so CEL need not run; `self` is of `selfType`.
   * Absent: the rule always runs.
   */
  canFail?: (self: unknown) => boolean;
}

// The fields each guard (canFail) looks at.
const TARGET_FIELDS = ['selector', 'targetRef', 'targetRefs'];
const SERVICE_ACCOUNT_FIELDS = ['serviceAccounts', 'notServiceAccounts'];
const PORT_LEVEL_MTLS_FIELDS = ['portLevelMtls'];
const JWKS_FIELDS = ['jwksUri', 'jwks_uri', 'jwks'];

const ONLY_ONE_TARGET: CrdCelRule = {
  path: 'spec',
  rule: '(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1',
  message: 'only one of targetRefs or selector can be set',
  code: 'IZT-C-CRD-SELECTOR-WITH-TARGETREFS',
  fix: 'keep one of selector, targetRef and targetRefs: targetRefs for gateways and services, selector for workloads',
  selfType: 'object',
  canFail: (self) => presentFields(self, TARGET_FIELDS) >= 2,
};

const SELECTOR_RULES: readonly CrdCelRule[] = [
  {
    path: 'spec.selector.matchLabels',
    rule: 'self.all(key, !key.contains("*"))',
    message: 'wildcard not allowed in label key match',
    code: 'IZT-C-CRD-LABEL-KEY-WILDCARD',
    fix: 'name each label key in full; matchLabels matches keys exactly',
    selfType: 'object',
    canFail: (self) => hasKey(self, hasStar),
  },
  {
    path: 'spec.selector.matchLabels',
    rule: 'self.all(key, key.size() != 0)',
    message: 'key must not be empty',
    code: 'IZT-C-CRD-LABEL-KEY-EMPTY',
    fix: 'remove the entry with the empty key or give it the label key meant',
    selfType: 'object',
    canFail: (self) => Object.hasOwn(self as object, ''),
  },
  {
    path: 'spec.selector.matchLabels.*',
    rule: '!self.contains("*")',
    message: 'wildcard not allowed in label value match',
    code: 'IZT-C-CRD-LABEL-VALUE-WILDCARD',
    fix: 'give the exact label value; matchLabels matches values exactly',
    selfType: 'string',
    canFail: (self) => (self as string).includes('*'),
  },
];

const TARGET_NAMESPACE_RULES: readonly CrdCelRule[] = ['spec.targetRef', 'spec.targetRefs[]'].map(
  (target) => ({
    path: `${target}.namespace`,
    rule: 'self.size() == 0',
    message: 'cross namespace referencing is not currently supported',
    code: 'IZT-C-CRD-CROSS-NAMESPACE-TARGET',
    fix: 'remove namespace from the target and create the policy in the namespace of its target',
    selfType: 'string',
    canFail: (self) => self !== '',
  }),
);

const JWKS_URI_RULES: readonly CrdCelRule[] = ['jwks_uri', 'jwksUri'].map((field) => ({
  path: `spec.jwtRules[].${field}`,
  rule: 'url(self).getScheme() in ["http", "https"]',
  message: 'url must have scheme http:// or https://',
  code: 'IZT-C-CRD-JWKS-URI-SCHEME',
  fix: 'give an absolute http:// or https:// URL, such as https://issuer.example.com/.well-known/jwks.json',
  selfType: 'string',
}));

/** The rules of each kind, in the order the CRDs list them. */
export const CRD_CEL_RULES: Readonly<Record<SecurityKind, readonly CrdCelRule[]>> = {
  AuthorizationPolicy: [
    ONLY_ONE_TARGET,
    {
      path: 'spec.rules[].from[].source',
      rule: '(has(self.serviceAccounts) || has(self.notServiceAccounts)) ? (!has(self.principals) &&\n!has(self.notPrincipals) && !has(self.namespaces) && !has(self.notNamespaces)) : true',
      message: 'Cannot set serviceAccounts with namespaces or principals',
      code: 'IZT-C-CRD-SERVICEACCOUNTS-WITH-IDENTITIES',
      fix: 'put serviceAccounts and principals/namespaces in separate from entries, or express the service accounts as principals',
      selfType: 'object',
      canFail: (self) => presentFields(self, SERVICE_ACCOUNT_FIELDS) >= 1,
    },
    ...SELECTOR_RULES,
    ...TARGET_NAMESPACE_RULES,
  ],
  PeerAuthentication: [
    {
      path: 'spec',
      rule: 'has(self.portLevelMtls) ? (((has(self.selector) && has(self.selector.matchLabels)) ? self.selector.matchLabels : {}).size() > 0) : true',
      message: 'portLevelMtls requires selector',
      code: 'IZT-C-CRD-PORT-MTLS-WITHOUT-SELECTOR',
      fix: 'add a selector with matchLabels for the workload whose ports these are, or remove portLevelMtls',
      selfType: 'object',
      canFail: (self) => presentFields(self, PORT_LEVEL_MTLS_FIELDS) >= 1,
    },
    {
      path: 'spec.portLevelMtls',
      rule: 'self.all(key, 0 < int(key) && int(key) <= 65535)',
      message: 'port must be between 1-65535',
      code: 'IZT-C-CRD-PORT-MTLS-PORT-RANGE',
      fix: 'key portLevelMtls by port number, 1 to 65535 (the container port, not a port name)',
      selfType: 'object',
    },
    ...SELECTOR_RULES,
  ],
  RequestAuthentication: [
    ONLY_ONE_TARGET,
    {
      path: 'spec.jwtRules[]',
      rule: '(has(self.jwksUri) ? 1 : 0) + (has(self.jwks_uri) ? 1 : 0) + (has(self.jwks) ? 1 : 0) <= 1',
      message: 'only one of jwks or jwksUri can be set',
      code: 'IZT-C-CRD-JWKS-SOURCES',
      fix: 'keep one of jwks, jwksUri and jwks_uri in each JWT rule',
      selfType: 'object',
      canFail: (self) => presentFields(self, JWKS_FIELDS) >= 2,
    },
    ...JWKS_URI_RULES,
    {
      path: 'spec.jwtRules[].timeout',
      rule: "duration(self) >= duration('1ms')",
      message: 'must be a valid duration greater than 1ms',
      code: 'IZT-C-CRD-JWT-TIMEOUT',
      fix: 'write a Go duration of at least 1ms, such as 5s or 500ms',
      selfType: 'string',
    },
    ...SELECTOR_RULES,
    ...TARGET_NAMESPACE_RULES,
  ],
};

/** How many of `fields` the object has, as CEL's has() sees them (a null entry is absent). */
function presentFields(self: unknown, fields: readonly string[]): number {
  const object = self as Record<string, unknown>;
  let count = 0;
  for (const field of fields) {
    if (Object.hasOwn(object, field) && object[field] !== null) count += 1;
  }
  return count;
}

function hasStar(text: string): boolean {
  return text.includes('*');
}

/** Whether a key of the object passes `test`. */
function hasKey(self: unknown, test: (key: string) => boolean): boolean {
  for (const key of Object.keys(self as object)) if (test(key)) return true;
  return false;
}
