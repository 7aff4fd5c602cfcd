// Which AuthorizationPolicy and RequestAuthentication documents apply to a workload: its own
// namespace or the root namespace, then the selector (a subset match on the pod's labels), or
// targetRefs, which only Gateway API gateways (pods labelled with their Gateway's name) use.

import type { IstioDocument } from '../check/types.js';
import type { MeshSettings, Target } from './types.js';

/** The pod label Gateway API gateways carry: the name of their Gateway. */
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';
// Labels of the gateways Istio's own charts install.
const CLASSIC_GATEWAY_LABELS: readonly [string, string][] = [
  ['istio', 'ingressgateway'],
  ['istio', 'egressgateway'],
  ['app', 'istio-ingressgateway'],
  ['app', 'istio-egressgateway'],
];

export type TargetKind = 'sidecar' | 'gateway' | 'gateway-api';

/** A Gateway API gateway, a classic Istio gateway, or a workload with a sidecar. */
export function targetKind(target: Target): TargetKind {
  if (target.labels[GATEWAY_NAME_LABEL] !== undefined) return 'gateway-api';
  const classic = CLASSIC_GATEWAY_LABELS.some(([key, value]) => target.labels[key] === value);
  return classic ? 'gateway' : 'sidecar';
}

/**
 * The documents that can apply to workloads of the target's namespace: those of that namespace
 * and of the root namespace. Simulating many requests to one workload, pass these to `explain`
 * instead of the whole input; the decisions are the same.
 */
export function documentsFor(
  documents: readonly IstioDocument[],
  target: Target,
  mesh: MeshSettings,
): IstioDocument[] {
  return documents.filter(
    (document) => document.namespace === target.namespace || document.namespace === mesh.rootNamespace,
  );
}

/** True when the AuthorizationPolicy or RequestAuthentication applies to the target. */
export function policyApplies(
  document: IstioDocument,
  target: Target,
  mesh: MeshSettings,
): boolean {
  return scopeOf(document, target, mesh).applies;
}

/** Whether the document applies, and in words why (or why not). */
export function scopeOf(
  document: IstioDocument,
  target: Target,
  mesh: MeshSettings,
): { applies: boolean; reason: string } {
  const spec = specOf(document);
  const inRoot = document.namespace === mesh.rootNamespace;
  if (document.namespace !== target.namespace && !inRoot) {
    return { applies: false, reason: `namespace ${document.namespace}` };
  }
  const refs = targetRefsOf(spec);
  if (refs !== undefined) return targetRefScope(document, refs, target);
  const labels = matchLabelsOf(spec);
  const where = document.namespace === target.namespace ? 'its namespace' : 'the root namespace';
  if (labels === undefined || Object.keys(labels).length === 0) {
    return { applies: true, reason: `every workload of ${where}` };
  }
  const missing = Object.entries(labels).filter(([key, value]) => target.labels[key] !== value);
  if (missing.length > 0) {
    return { applies: false, reason: `selector ${formatLabels(labels)}` };
  }
  return { applies: true, reason: `selector ${formatLabels(labels)} in ${where}` };
}

function targetRefScope(
  document: IstioDocument,
  refs: readonly Record<string, unknown>[],
  target: Target,
): { applies: boolean; reason: string } {
  const gatewayName = target.labels[GATEWAY_NAME_LABEL];
  const described = refs.map((ref) => `${String(ref.kind)}/${String(ref.name)}`).join(', ');
  if (gatewayName === undefined) {
    return { applies: false, reason: `targetRefs ${described}, which only gateways use` };
  }
  const attached = refs.some(
    (ref) =>
      ref.kind === 'Gateway' &&
      ref.group === GATEWAY_GROUP &&
      ref.name === gatewayName &&
      (ref.namespace === undefined || ref.namespace === '' || ref.namespace === target.namespace) &&
      document.namespace === target.namespace,
  );
  return attached
    ? { applies: true, reason: `targetRefs Gateway/${gatewayName}` }
    : { applies: false, reason: `targetRefs ${described}` };
}

export function specOf(document: IstioDocument): Record<string, unknown> {
  const spec = document.object.spec;
  return isRecord(spec) ? spec : {};
}

export function matchLabelsOf(spec: Record<string, unknown>): Record<string, string> | undefined {
  const selector = spec.selector;
  if (!isRecord(selector)) return undefined;
  const labels = selector.matchLabels;
  if (!isRecord(labels)) return {};
  return Object.fromEntries(Object.entries(labels).map(([key, value]) => [key, String(value)]));
}

// targetRefs, or the legacy single targetRef; undefined when the policy has neither.
function targetRefsOf(spec: Record<string, unknown>): Record<string, unknown>[] | undefined {
  if (Array.isArray(spec.targetRefs) && spec.targetRefs.length > 0) {
    return spec.targetRefs.filter(isRecord);
  }
  if (isRecord(spec.targetRef)) return [spec.targetRef];
  return undefined;
}

export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
