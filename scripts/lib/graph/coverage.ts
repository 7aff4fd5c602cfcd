// What the policies leave uncovered in the inventory: workloads (or ports) not under STRICT mTLS,
// workloads no ALLOW policy applies to, workloads that require (or only verify) an end-user JWT,
// and policies that select no workload of the inventory. Scope, mTLS mode, action and dry run
// come from the simulator; only the shape that makes a token mandatory is read here: a DENY rule
// with `notRequestPrincipals: ["*"]`, or ALLOW policies whose every rule needs requestPrincipals.

import type { IstioDocument } from '../check/types.js';
import { actionOf } from '../explain/authorization.js';
import { isDryRun } from '../explain/evaluate.js';
import { effectiveMtls } from '../explain/peer-authentication.js';
import { policyApplies } from '../explain/scope.js';
import type { MeshSettings } from '../explain/types.js';
import { compareText, isRecord, recordsOf, specOf, stringsOf } from './fields.js';
import { targetOf } from './edges.js';
import { compareWorkloads, workloadId, type Workload } from './inventory.js';
import type { Coverage, JwtFinding, MtlsFinding, OpenFinding, UnusedFinding } from './types.js';

const NO_SIDECAR = 'no sidecar: not in the mesh, so it accepts plaintext and enforces no policy';

/** Every coverage finding, sorted by workload (and port) or by policy. */
export function coverageOf(
  documents: readonly IstioDocument[],
  workloads: readonly Workload[],
  mesh: MeshSettings,
): Coverage {
  const sorted = [...workloads].sort(compareWorkloads);
  const jwt = sorted.flatMap((workload) => jwtFindings(documents, workload, mesh));
  return {
    notStrict: sorted.flatMap((workload) => mtlsFindings(documents, workload, mesh)),
    noAllowPolicy: sorted.flatMap((workload) => openFindings(documents, workload, mesh)),
    requireJwt: jwt.filter(({ requiredBy }) => requiredBy.length > 0),
    optionalJwt: jwt.filter(({ requiredBy }) => requiredBy.length === 0),
    unusedPolicies: unusedPolicies(documents, sorted, mesh),
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
      // The simulator's message starts with the mode when a policy set it; the report shows it.
      message: message.startsWith(`${mode}, `) ? message.slice(mode.length + 2) : message,
    }));
}

function openFindings(
  documents: readonly IstioDocument[],
  workload: Workload,
  mesh: MeshSettings,
): OpenFinding[] {
  const id = workloadId(workload);
  if (!workload.sidecar) return [{ workload: id, message: NO_SIDECAR }];
  const allow = enforcedPolicies(documents, workload, mesh).filter(
    (policy) => actionOf(policy) === 'ALLOW',
  );
  if (allow.length > 0) return [];
  return [
    { workload: id, message: 'no ALLOW policy applies: what no DENY policy denies is allowed' },
  ];
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
  workloads: readonly Workload[],
  mesh: MeshSettings,
): UnusedFinding[] {
  const meshed = workloads.filter(({ sidecar }) => sidecar);
  const unused: UnusedFinding[] = [];
  for (const document of documents) {
    const message =
      document.kind === 'PeerAuthentication'
        ? unusedPeerAuthentication(documents, document, meshed, mesh)
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
  documents: readonly IstioDocument[],
  document: IstioDocument,
  workloads: readonly Workload[],
  mesh: MeshSettings,
): string | undefined {
  const selector = specOf(document).selector;
  const labels = isRecord(selector) && isRecord(selector.matchLabels) ? selector.matchLabels : {};
  if (Object.keys(labels).length === 0) return undefined;
  const sets = workloads.some((workload) =>
    [undefined, ...workload.ports.map(({ port }) => port)].some((port) => {
      const by = effectiveMtls(documents, targetOf(workload), port, mesh).decidedBy;
      return by !== null && by.namespace === document.namespace && by.name === document.name;
    }),
  );
  return sets ? undefined : 'sets the mTLS mode of no workload or port of the inventory';
}

// The AuthorizationPolicies that apply to the workload and are enforced (not dry runs).
function enforcedPolicies(
  documents: readonly IstioDocument[],
  workload: Workload,
  mesh: MeshSettings,
): IstioDocument[] {
  const target = targetOf(workload);
  return documents.filter(
    (document) =>
      document.kind === 'AuthorizationPolicy' &&
      !isDryRun(document) &&
      policyApplies(document, target, mesh),
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
