// Helpers for writing the chart's values in TypeScript, checked against the generated types.
//
//   import { defineValues, matchLabels, ports } from '../scripts/lib/authoring.js';
//   export default defineValues({
//     authorization: {
//       policies: {
//         'api-viewer': {
//           selector: matchLabels({ app: 'api' }),
//           rules: [{ to: [{ operation: { methods: ['GET'], ports: ports(8080) } }] }],
//         },
//       },
//     },
//   });
//
// `npm run build-values` turns each examples/<name>.ts into generated/values/<name>.yaml.

import type {
  IstioZeroTrustValues,
  WorkloadIdentity,
  WorkloadSelector,
} from '../../generated/values.js';

/** The chart's values as generated from values-schema.json. */
export type Values = IstioZeroTrustValues;

/**
 * `T` with every fixed key optional at every depth, because the chart's values.yaml supplies
 * what is left out. Lists and user-owned maps (policies, labels, ...) keep their exact type:
 * Helm replaces a list as a whole, and a new map entry has no defaults to fall back on.
 */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? string extends keyof T
      ? T
      : { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Values as a user writes them: only what differs from the chart's defaults. */
export type ValuesInput = DeepPartial<Values>;

/** The Helm release an example's values are meant for, e.g. { name: 'shop', namespace: 'shop' }. */
export interface Release {
  name: string;
  namespace: string;
}

const MIN_PORT = 1;
const MAX_PORT = 65535;

/** Returns `values` unchanged; its only job is to type-check them against the chart's schema. */
export function defineValues(values: ValuesInput): ValuesInput {
  return values;
}

/** The caller `namespace/serviceAccount`, rendered by the chart as an mTLS principal. */
export function workloadIdentity(namespace: string, serviceAccount: string): WorkloadIdentity {
  return { namespace, serviceAccount };
}

/** A selector for the workloads carrying all of `labels`; throws when `labels` is empty. */
export function matchLabels(labels: Readonly<Record<string, string>>): WorkloadSelector {
  if (Object.keys(labels).length === 0) {
    // An empty selector would not narrow anything: the policy would cover the whole namespace.
    throw new Error('matchLabels needs at least one label; leave the selector out to mean all');
  }
  return { matchLabels: { ...labels } };
}

/**
 * Port numbers as the strings Istio's `ports` and `portLevelMtls` expect, e.g. ports(8080, 9090)
 * gives ["8080", "9090"]; throws for anything but a whole number from 1 to 65535.
 */
export function ports(...numbers: [number, ...number[]]): [string, ...string[]] {
  if (numbers.length === 0) throw new Error('ports needs at least one port number');
  const [first, ...rest] = numbers.map(portString);
  return [first as string, ...rest];
}

function portString(port: number): string {
  if (!Number.isInteger(port) || port < MIN_PORT || port > MAX_PORT) {
    throw new RangeError(
      `ports: ${port} is not a port number; use a whole number from ${MIN_PORT} to ${MAX_PORT}`,
    );
  }
  return String(port);
}
