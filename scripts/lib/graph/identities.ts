// Which callers the policies of a target can tell apart, so that `npm run graph` asks the
// simulator once for all the callers they cannot: with hundreds of workloads, most callers are
// named by no policy of a given target, and asking for each of them made the graph grow with the
// square of the workloads.
//
// A caller's identity reaches a decision only through the values of `principals`, `namespaces`,
// `serviceAccounts` and `trustDomains` (and their `not` forms), and of the `when` keys
// `source.principal`, `source.namespace`, `source.serviceAccount` and `source.trustDomain`. Every
// caller of the graph has the mesh's trust domain, so trust-domain values treat them all alike.
// For the others, a value can match an identity only when each text between its `*`s occurs in
// the identity's principal (`<trust-domain>/ns/<namespace>/sa/<service-account>`): that holds for
// the exact, prefix, suffix and presence forms, for namespace patterns (every `*` any text), for
// service accounts (compared exactly), and for principals whose trust domain the simulator swaps
// for the local one or an alias (only the text after the trust domain is kept). A value with no
// such text (`*`) matches every identity alike. Callers that no value can match therefore get
// the same decision for every request.

import type { IstioDocument } from '../check/types.js';
import { isRecord, recordsOf, specOf } from './fields.js';

/** The texts that must all occur in a principal for one policy value to match it. */
export type Fragments = readonly string[];

// Source fields and `when` keys that read the caller's identity, by how a value is compared.
const PRINCIPAL_FIELDS = ['principals', 'notPrincipals'];
const NAMESPACE_FIELDS = ['namespaces', 'notNamespaces'];
const SERVICE_ACCOUNT_FIELDS = ['serviceAccounts', 'notServiceAccounts'];
const CONDITION_KEYS: Readonly<Record<string, (value: string) => string>> = {
  'source.principal': afterTrustDomain,
  'source.namespace': (value) => value,
  'source.serviceAccount': accountOf,
};
const CONDITION_VALUES = ['values', 'notValues'];

/** For each value in the AuthorizationPolicies that can match some identity and not another. */
export function identityFragments(documents: readonly IstioDocument[]): Fragments[] {
  const values = documents
    .filter(({ kind }) => kind === 'AuthorizationPolicy')
    .flatMap((policy) => recordsOf(specOf(policy).rules))
    .flatMap((rule) => [...sourceValues(rule), ...conditionValues(rule)]);
  return values.map(fragmentsOf).filter((fragments) => fragments.length > 0);
}

/** True when some value may match the principal, so the caller must be asked about alone. */
export function mayBeNamed(fragments: readonly Fragments[], principal: string): boolean {
  return fragments.some((texts) => texts.every((text) => principal.includes(text)));
}

// Each value as the text it is compared by.
function sourceValues(rule: Record<string, unknown>): string[] {
  return recordsOf(rule.from).flatMap((entry) => {
    const source = isRecord(entry.source) ? entry.source : {};
    return [
      ...PRINCIPAL_FIELDS.flatMap((name) => listOf(source[name]).map(afterTrustDomain)),
      ...NAMESPACE_FIELDS.flatMap((name) => listOf(source[name])),
      ...SERVICE_ACCOUNT_FIELDS.flatMap((name) => listOf(source[name]).map(accountOf)),
    ];
  });
}

function conditionValues(rule: Record<string, unknown>): string[] {
  return recordsOf(rule.when).flatMap((condition) => {
    const compared = CONDITION_KEYS[String(condition.key)];
    if (compared === undefined) return [];
    return CONDITION_VALUES.flatMap((name) => listOf(condition[name]).map(compared));
  });
}

// The simulator may swap a principal's trust domain (the text before the first `/`), unless the
// value starts with `*`.
function afterTrustDomain(value: string): string {
  const slash = value.indexOf('/');
  return value.startsWith('*') || slash < 0 ? value : value.slice(slash);
}

// `ns/sa` or a bare `sa`: the account is compared exactly with the principal's last part.
function accountOf(value: string): string {
  return value.slice(value.indexOf('/') + 1);
}

function fragmentsOf(value: string): string[] {
  return value.split('*').filter((text) => text !== '');
}

// As the simulator reads a list: every item as a string.
function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
