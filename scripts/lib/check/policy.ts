// The rules of an AuthorizationPolicy, read once for all the checks that walk them (the webhook
// rules and the lint rules): each rule with its `from` and `to` entries, their source or operation
// and the match lists those set, and its `when` conditions, each with its path. Items are kept as
// written next to their decoded form, so that each check can read them its own way.
//
//   import { policyRules } from './policy.js';
//   for (const { path, from } of policyRules(document)) ...

import { fieldOrder, setLists, type FieldOrder, type SetList } from './lists.js';
import { memoizedByDocument } from './memo.js';
import type { IstioDocument } from './types.js';

type Json = Record<string, unknown>;

/** Every field of a source, in the order istiod's validation walks them. */
export const SOURCE_FIELDS: readonly string[] = [
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'trustDomains',
  'notTrustDomains',
  'ipBlocks',
  'notIpBlocks',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
];
/** Every field of an operation, in the order istiod's validation walks them. */
export const OPERATION_FIELDS: readonly string[] = [
  'hosts',
  'notHosts',
  'ports',
  'notPorts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
];
const SOURCE_ORDER = fieldOrder(SOURCE_FIELDS);
const OPERATION_ORDER = fieldOrder(OPERATION_FIELDS);

/** One item of `spec.rules`. */
export interface PolicyRule {
  /** The item as written. */
  item: unknown;
  /** The item as istiod decodes it: `{}` for null (or anything but a map). */
  rule: Json;
  path: string;
  from: PolicyEntry[];
  to: PolicyEntry[];
  when: PolicyCondition[];
}

/** One item of a rule's `from` (with its source) or `to` (with its operation). */
export interface PolicyEntry {
  /** The item as istiod decodes it. */
  entry: Json;
  /** `spec.rules[0].from[1]` */
  entryPath: string;
  /** Its source or operation as written (undefined when absent). */
  inner: unknown;
  /** The source or operation as istiod decodes it. */
  body: Json;
  /** `spec.rules[0].from[1].source`; '' when the source or operation is absent or null. */
  path: string;
  /** The fields of the source or operation that hold a non-empty list, in field order. */
  lists: SetList[];
}

/** One item of a rule's `when`. */
export interface PolicyCondition {
  /** The item as written. */
  item: unknown;
  /** The item as istiod decodes it. */
  condition: Json;
  path: string;
}

/** The rules of an AuthorizationPolicy; none for other kinds. */
export const policyRules = memoizedByDocument((document: IstioDocument): PolicyRule[] => {
  if (document.kind !== 'AuthorizationPolicy') return [];
  const items = listItems(objectOf(document.object.spec).rules);
  const rules: PolicyRule[] = [];
  for (let index = 0; index < items.length; index += 1) {
    const item: unknown = items[index];
    const rule = objectOf(item);
    const path = `spec.rules[${index}]`;
    rules.push({
      item,
      rule,
      path,
      from: entriesOf(rule.from, `${path}.from`, 'source', SOURCE_ORDER),
      to: entriesOf(rule.to, `${path}.to`, 'operation', OPERATION_ORDER),
      when: conditionsOf(rule.when, `${path}.when`),
    });
  }
  return rules;
});

function entriesOf(
  list: unknown,
  listPath: string,
  field: 'source' | 'operation',
  order: FieldOrder,
): PolicyEntry[] {
  const items = listItems(list);
  const entries: PolicyEntry[] = [];
  for (let index = 0; index < items.length; index += 1) {
    const entry = objectOf(items[index]);
    const entryPath = `${listPath}[${index}]`;
    const inner = entry[field];
    const present = inner !== undefined && inner !== null;
    const body = objectOf(inner);
    const path = present ? `${entryPath}.${field}` : '';
    const lists = present ? setLists(body, order) : [];
    entries.push({ entry, entryPath, inner, body, path, lists });
  }
  return entries;
}

function conditionsOf(list: unknown, listPath: string): PolicyCondition[] {
  const items = listItems(list);
  const conditions: PolicyCondition[] = [];
  for (let index = 0; index < items.length; index += 1) {
    const item: unknown = items[index];
    conditions.push({ item, condition: objectOf(item), path: `${listPath}[${index}]` });
  }
  return conditions;
}

function listItems(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function objectOf(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}
