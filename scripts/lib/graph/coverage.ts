// What the policies leave uncovered in the inventory: workloads (or ports) not under STRICT mTLS,
// workloads no enforced ALLOW policy applies to, workloads that require (or only verify) an
// end-user JWT, dry-run policies (evaluated, not enforced), and policies that select no workload
// of the inventory. Scope, mTLS mode, action and dry run come from the simulator; only the shape
// that makes a token mandatory is read here: a DENY rule with `notRequestPrincipals: ["*"]`, or
// ALLOW policies whose every rule needs requestPrincipals.

import type { IstioDocument } from '../check/types.js';
import { actionOf } from '../explain/authorization.js';
import { isDryRun } from '../explain/evaluate.js';
import { effectiveMtls } from '../explain/peer-authentication.js';
import { documentsFor, policyApplies, targetKind } from '../explain/scope.js';
import type { MeshSettings } from '../explain/types.js';
import { compareText, isRecord, recordsOf, specOf, stringsOf } from './fields.js';
import { targetOf } from './edges.js';
import { compareWorkloads, workloadId, type Workload } from './inventory.js';
import type {
  Coverage,
  DryRunFinding,
  JwtFinding,
  MtlsFinding,
  OpenFinding,
  UnusedFinding,
} from './types.js';

const NO_SIDECAR = 'no sidecar: not in the mesh, so it accepts plaintext and enforces no policy';
const NO_PEER_AUTHENTICATION =
  "no PeerAuthentication sets a mode, so Istio's default accepts mTLS and plaintext";

/** Every coverage finding, sorted by workload (and port) or by policy. */
export function coverageOf(
  documents: readonly IstioDocument[],
  workloads: readonly Workload[],
  mesh: MeshSettings,
): Coverage {
  const sorted = [...workloads].sort(compareWorkloads);
  // Only documents of a workload's namespace and the root namespace can apply to it.
  const scoped = new Map(
    sorted.map((workload) => [workload, documentsFor(documents, targetOf(workload), mesh)]),
  );
  const each = <T>(find: (documents: IstioDocument[], workload: Workload) => T[]): T[] =>
    sorted.flatMap((workload) => find(scoped.get(workload) ?? [], workload));
  const jwt = each((scope, workload) => jwtFindings(scope, workload, mesh));
  return {
    notStrict: each((scope, workload) => mtlsFindings(scope, workload, mesh)),
    noAllowPolicy: each((scope, workload) => openFindings(scope, workload, mesh)),
    requireJwt: jwt.filter(({ requiredBy }) => requiredBy.length > 0),
    optionalJwt: jwt.filter(({ requiredBy }) => requiredBy.length === 0),
    dryRun: each((scope, workload) => dryRunFindings(scope, workload, mesh)),
    unusedPolicies: unusedPolicies(documents, scoped, mesh),
  };
}

/**
 * One finding for the whole workload when all its ports accept the same, else one per port that
 * accepts more than mTLS (portLevelMtls).
 */
function mtlsFindings(
  documents: readonly IstioDocument[],
  workload: Workload,
  mesh: MeshSettings,
): MtlsFinding[] {
  const id = workloadId(workload);
  if (!workload.sidecar) {
    return [{ workload: id, port: null, mode: null, setBy: null, message: NO_SIDECAR }];
  }
  const target = targetOf(workload);
  const ports = workload.ports.map(({ port }) => port);
  const results = (ports.length === 0 ? [undefined] : ports).map((port) => ({
    port,
    ...effectiveMtls(documents, target, port, mesh),
  }));
  const setBy = (by: { namespace: string; name: string } | null): string | null =>
    by === null ? null : `${by.namespace}/${by.name}`;
  const first = results[0];
  const uniform = results.every(
    ({ mode, decidedBy }) =>
      mode === first?.mode && setBy(decidedBy) === setBy(first?.decidedBy ?? null),
  );
  const reported = uniform && first !== undefined ? [{ ...first, port: undefined }] : results;
  return reported
    .filter(({ mode }) => mode !== 'STRICT')
    .map(({ port, mode, decidedBy, message }) => ({
      workload: id,
      port: port ?? null,
      mode,
      setBy: setBy(decidedBy),
      message: mtlsMessage(mode, decidedBy === null && targetKind(target) === 'sidecar', message),
    }));
}

// The report shows the mode before the message, so the message does not repeat it.
function mtlsMessage(mode: string, unset: boolean, message: string): string {
  if (unset) return NO_PEER_AUTHENTICATION;
  return message.startsWith(`${mode}, `) ? message.slice(mode.length + 2) : message;
}

function openFindings(
  documents: readonly IstioDocument[],
  workload: Workload,
  mesh: MeshSettings,
): OpenFinding[] {
  const id = workloadId(workload);
  if (!workload.sidecar) return [{ workload: id, message: NO_SIDECAR }];
  const allow = applyingPolicies(documents, workload, mesh).filter(
    (policy) => actionOf(policy) === 'ALLOW',
  );
  if (allow.some((policy) => !isDryRun(policy))) return [];
  const dryRuns = names(allow);
  const message =
    dryRuns.length === 0
      ? 'no ALLOW policy applies: what no DENY policy denies is allowed'
      : `no enforced ALLOW policy applies (dry run only: ${dryRuns.join(', ')}): what no DENY policy denies is allowed`;
  return [{ workload: id, message }];
}

// Dry-run policies are evaluated and logged but never enforced: listed so that a reader of the
// graph, which shows only what is enforced, sees them.
function dryRunFindings(
  documents: readonly IstioDocument[],
  workload: Workload,
  mesh: MeshSettings,
): DryRunFinding[] {
  if (!workload.sidecar) return [];
  return applyingPolicies(documents, workload, mesh)
    .filter(isDryRun)
    .sort((a, b) => compareText(nameOf(a), nameOf(b)))
    .map((policy) => ({
      workload: workloadId(workload),
      policy: nameOf(policy),
      action: actionOf(policy),
    }));
}

function jwtFindings(
  documents: readonly IstioDocument[],
  workload: Workload,
  mesh: MeshSettings,
): JwtFinding[] {
  if (!workload.sidecar) return [];
  const target = targetOf(workload);
  const requestAuthentications = documents.filter(
    (document) =>
      document.kind === 'RequestAuthentication' && policyApplies(document, target, mesh),
  );
  if (requestAuthentications.length === 0) return [];
  const policies = enforcedPolicies(documents, workload, mesh);
  const denying = policies.filter(
    (policy) => actionOf(policy) === 'DENY' && rulesOf(policy).some(deniesMissingToken),
  );
  const allowing = policies.filter((policy) => actionOf(policy) === 'ALLOW');
  const allowRules = allowing.flatMap(rulesOf);
  const allowNeedsToken = allowRules.length > 0 && allowRules.every(needsRequestPrincipal);
  const requiredBy = [...denying, ...(allowNeedsToken ? allowing.filter(hasRules) : [])];
  return [
    {
      workload: workloadId(workload),
      requestAuthentications: names(requestAuthentications),
      requiredBy: names(requiredBy),
    },
  ];
}

// A DENY rule that matches requests without a request principal.
function deniesMissingToken(rule: Record<string, unknown>): boolean {
  return recordsOf(rule.from).some((entry) =>
    stringsOf(sourceOf(entry).notRequestPrincipals).includes('*'),
  );
}

// An ALLOW rule that only requests with a request principal can match: every source names one.
function needsRequestPrincipal(rule: Record<string, unknown>): boolean {
  const from = recordsOf(rule.from);
  return (
    from.length > 0 &&
    from.every((entry) => stringsOf(sourceOf(entry).requestPrincipals).length > 0)
  );
}

function unusedPolicies(
  documents: readonly IstioDocument[],
  scoped: ReadonlyMap<Workload, IstioDocument[]>,
  mesh: MeshSettings,
): UnusedFinding[] {
  const workloads = [...scoped.keys()];
  const deciding = decidingPeerAuthentications(scoped, mesh);
  const unused: UnusedFinding[] = [];
  for (const document of documents) {
    const message =
      document.kind === 'PeerAuthentication'
        ? unusedPeerAuthentication(document, deciding)
        : unusedPolicy(document, workloads, mesh);
    if (message !== undefined) {
      unused.push({ kind: document.kind, policy: nameOf(document), message });
    }
  }
  return unused.sort((a, b) => compareText(a.kind, b.kind) || compareText(a.policy, b.policy));
}

function unusedPolicy(
  document: IstioDocument,
  workloads: readonly Workload[],
  mesh: MeshSettings,
): string | undefined {
  const selected = workloads.filter((workload) =>
    policyApplies(document, targetOf(workload), mesh),
  );
  if (selected.length === 0) return 'applies to no workload of the inventory';
  if (selected.every(({ sidecar }) => !sidecar)) {
    const list = selected.map(workloadId).join(', ');
    return `applies only to workloads without a sidecar, which enforce nothing: ${list}`;
  }
  return undefined;
}

// Only workload PeerAuthentications (a selector with labels) are reported: namespace and mesh
// ones apply to whatever runs there. One is used when it sets the mode of some workload or port.
function unusedPeerAuthentication(
  document: IstioDocument,
  deciding: ReadonlySet<string>,
): string | undefined {
  const selector = specOf(document).selector;
  const labels = isRecord(selector) && isRecord(selector.matchLabels) ? selector.matchLabels : {};
  if (Object.keys(labels).length === 0) return undefined;
  return deciding.has(nameOf(document))
    ? undefined
    : 'sets the mTLS mode of no workload or port of the inventory';
}

// `namespace/name` of every PeerAuthentication that sets the mode of a meshed workload or port.
function decidingPeerAuthentications(
  scoped: ReadonlyMap<Workload, IstioDocument[]>,
  mesh: MeshSettings,
): Set<string> {
  const deciding = new Set<string>();
  for (const [workload, documents] of scoped) {
    if (!workload.sidecar) continue;
    for (const port of [undefined, ...workload.ports.map((entry) => entry.port)]) {
      const by = effectiveMtls(documents, targetOf(workload), port, mesh).decidedBy;
      if (by !== null) deciding.add(`${by.namespace}/${by.name}`);
    }
  }
  return deciding;
}

// The AuthorizationPolicies that apply to the workload and are enforced (not dry runs).
function enforcedPolicies(
  documents: readonly IstioDocument[],
  workload: Workload,
  mesh: MeshSettings,
): IstioDocument[] {
  return applyingPolicies(documents, workload, mesh).filter((policy) => !isDryRun(policy));
}

// The AuthorizationPolicies that apply to the workload, dry runs included.
function applyingPolicies(
  documents: readonly IstioDocument[],
  workload: Workload,
  mesh: MeshSettings,
): IstioDocument[] {
  const target = targetOf(workload);
  return documents.filter(
    (document) => document.kind === 'AuthorizationPolicy' && policyApplies(document, target, mesh),
  );
}

function rulesOf(policy: IstioDocument): Record<string, unknown>[] {
  return recordsOf(specOf(policy).rules);
}

function hasRules(policy: IstioDocument): boolean {
  return rulesOf(policy).length > 0;
}

function sourceOf(entry: Record<string, unknown>): Record<string, unknown> {
  return isRecord(entry.source) ? entry.source : {};
}

function names(documents: readonly IstioDocument[]): string[] {
  return [...new Set(documents.map(nameOf))].sort(compareText);
}

function nameOf(document: IstioDocument): string {
  return `${document.namespace}/${document.name}`;
}
