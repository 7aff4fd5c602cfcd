// The mTLS mode a workload's port accepts, from PeerAuthentication: the workload policy (with its
// port-level setting), then the namespace policy, then the mesh policy in the root namespace,
// then PERMISSIVE. UNSET defers to the level above. Of several policies at one level, the oldest
// counts (creationTimestamp, then name, then namespace), as istiod orders them.

import type { IstioDocument } from '../check/types.js';
import { isRecord, matchLabelsOf, specOf, targetKind } from './scope.js';
import type { DecidedBy, MeshSettings, MtlsMode, Target } from './types.js';

export interface MtlsResult {
  mode: MtlsMode;
  /** The PeerAuthentication that set the mode; null when no policy does (PERMISSIVE). */
  decidedBy: DecidedBy | null;
  message: string;
}

type Level = 'workload' | 'namespace' | 'mesh';

/** The mode `port` of the target accepts (the workload-level mode when port is undefined). */
export function effectiveMtls(
  documents: readonly IstioDocument[],
  target: Target,
  port: number | undefined,
  mesh: MeshSettings,
): MtlsResult {
  if (targetKind(target) !== 'sidecar') {
    return {
      mode: 'PERMISSIVE',
      decidedBy: null,
      message:
        'a gateway takes its TLS settings from its Gateway resource; PeerAuthentication does not apply',
    };
  }
  const policies = documents.filter((document) => document.kind === 'PeerAuthentication');
  const levels: [Level, IstioDocument | undefined][] = [
    ['workload', oldest(policies.filter((policy) => selectsWorkload(policy, target, mesh)))],
    ['namespace', oldest(policies.filter((policy) => isNamespaceWide(policy, target.namespace)))],
    ['mesh', oldest(policies.filter((policy) => isNamespaceWide(policy, mesh.rootNamespace)))],
  ];
  const [, workloadPolicy] = levels[0] ?? ['workload', undefined];
  const portMode = port === undefined ? undefined : portLevelMode(workloadPolicy, port);
  if (workloadPolicy !== undefined && portMode !== undefined) {
    return result(portMode, workloadPolicy, `port ${port} of workload policy`);
  }
  for (const [level, policy] of levels) {
    const mode = policy === undefined ? undefined : modeOf(specOf(policy).mtls);
    if (policy !== undefined && mode !== undefined) return result(mode, policy, `${level} policy`);
  }
  return {
    mode: 'PERMISSIVE',
    decidedBy: null,
    message: 'no PeerAuthentication sets a mode: PERMISSIVE (mTLS or plaintext)',
  };
}

function result(mode: MtlsMode, policy: IstioDocument, what: string): MtlsResult {
  return {
    mode,
    decidedBy: {
      kind: 'PeerAuthentication',
      namespace: policy.namespace,
      name: policy.name,
      action: mode,
      ruleIndex: null,
    },
    message: `${mode}, set by the ${what} ${policy.namespace}/${policy.name}`,
  };
}

// A workload policy: a selector with labels, outside the root namespace (istiod ignores
// selector policies there).
function selectsWorkload(policy: IstioDocument, target: Target, mesh: MeshSettings): boolean {
  if (policy.namespace !== target.namespace || policy.namespace === mesh.rootNamespace) return false;
  const labels = matchLabelsOf(specOf(policy));
  if (labels === undefined || Object.keys(labels).length === 0) return false;
  return Object.entries(labels).every(([key, value]) => target.labels[key] === value);
}

// No selector, or a selector without labels, counts as the namespace-level policy.
function isNamespaceWide(policy: IstioDocument, namespace: string): boolean {
  if (policy.namespace !== namespace) return false;
  const labels = matchLabelsOf(specOf(policy));
  return labels === undefined || Object.keys(labels).length === 0;
}

function oldest(policies: readonly IstioDocument[]): IstioDocument | undefined {
  return [...policies].sort(compareByAge)[0];
}

function compareByAge(a: IstioDocument, b: IstioDocument): number {
  const byTime = creationTime(a) - creationTime(b);
  if (byTime !== 0) return byTime;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0;
}

// Seconds since the epoch. A document without a timestamp has not been applied yet, so it is the
// newest once it is; rendered manifests, none of which has one, are ordered by name.
function creationTime(document: IstioDocument): number {
  const metadata = document.object.metadata;
  const stamp = isRecord(metadata) ? metadata.creationTimestamp : undefined;
  const time = typeof stamp === 'string' ? Date.parse(stamp) : Number.NaN;
  return Number.isNaN(time) ? Number.MAX_SAFE_INTEGER : Math.floor(time / 1000);
}

function portLevelMode(policy: IstioDocument | undefined, port: number): MtlsMode | undefined {
  if (policy === undefined) return undefined;
  const ports = specOf(policy).portLevelMtls;
  if (!isRecord(ports)) return undefined;
  return modeOf(ports[String(port)]);
}

// The mode of an `mtls` block; undefined for UNSET or no block (inherit).
function modeOf(mtls: unknown): MtlsMode | undefined {
  if (!isRecord(mtls)) return undefined;
  const mode = mtls.mode;
  return mode === 'STRICT' || mode === 'PERMISSIVE' || mode === 'DISABLE' ? mode : undefined;
}
