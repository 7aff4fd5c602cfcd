// Who may call whom: for every workload of the inventory (and a plaintext caller outside the mesh)
// and every port of every other workload, asks the simulator about candidate requests and keeps
// an edge when any is allowed. Every decision comes from `explain`; this file only chooses the
// requests and summarises the answers.
//
// A caller with a sidecar presents its mTLS identity `<trust-domain>/ns/<ns>/sa/<sa>` (the
// simulator drops it on a DISABLE port, as the caller's sidecar then sends plaintext); a caller
// without one, and the caller outside the mesh, send plaintext. A workload without a sidecar has
// no proxy to enforce anything, so every caller may call its ports. Calls of a workload to itself
// are not drawn.

import type { IstioDocument } from '../check/types.js';
import { explain } from '../explain/evaluate.js';
import type {
  ExplainRequest,
  MeshSettings,
  PeerIdentity,
  RequestToken,
  Target,
} from '../explain/types.js';
import { BASE_METHODS, candidatesFor, type Candidates } from './candidates.js';
import { compareText } from './fields.js';
import { compareWorkloads, workloadId, type Workload, type WorkloadPort } from './inventory.js';
import {
  OUTSIDE_ID,
  OUTSIDE_LABEL,
  type Access,
  type Graph,
  type GraphEdge,
  type GraphNode,
} from './types.js';

/** A caller: a workload of the inventory, or the plaintext caller outside the mesh. */
interface Caller {
  id: string;
  peer: PeerIdentity | undefined;
}

/** What the candidate requests of one caller to one port were allowed. */
interface Outcome {
  /** `METHOD PATH` keys of the allowed candidates (`tcp` for an allowed TCP connection). */
  allowed: Set<string>;
  allowedBy: Set<string>;
}

/** The answers without a token, and with any of the tokens tried. */
interface Outcomes {
  plain: Outcome;
  withToken: Outcome;
}

type OutcomeCache = Map<string, Outcomes>;

const TCP_KEY = 'tcp';

/** The nodes and the edges, sorted: workloads by namespace and name, the outside caller last. */
export function buildGraph(
  documents: readonly IstioDocument[],
  workloads: readonly Workload[],
  mesh: MeshSettings,
): Graph {
  const sorted = [...workloads].sort(compareWorkloads);
  const callers = [...sorted.map((workload) => callerOf(workload, mesh)), outsideCaller()];
  const edges: GraphEdge[] = [];
  const outcomes: OutcomeCache = new Map();
  for (const target of sorted) {
    const candidates = candidatesFor(documents, targetOf(target), mesh);
    for (const port of target.ports) {
      for (const caller of callers) {
        if (caller.id === workloadId(target)) continue;
        const call = { caller, target, port, candidates };
        const edge = target.sidecar
          ? enforcedEdge(call, simulateCached(documents, mesh, call, outcomes))
          : unenforcedEdge(caller, target, port);
        if (edge !== undefined) edges.push(edge);
      }
    }
  }
  const order = new Map(callers.map((caller, index) => [caller.id, index]));
  edges.sort(
    (a, b) =>
      (order.get(a.from) ?? 0) - (order.get(b.from) ?? 0) ||
      (order.get(a.to) ?? 0) - (order.get(b.to) ?? 0) ||
      a.port - b.port,
  );
  return { nodes: [...sorted.map(nodeOf), outsideNode()], edges };
}

/** The simulator's view of a workload: its namespace and pod labels. */
export function targetOf(workload: Workload): Target {
  return { namespace: workload.namespace, labels: workload.labels };
}

function callerOf(workload: Workload, mesh: MeshSettings): Caller {
  if (!workload.sidecar) return { id: workloadId(workload), peer: undefined };
  const { namespace, serviceAccount } = workload;
  const peer: PeerIdentity = {
    principal: `${mesh.trustDomain}/ns/${namespace}/sa/${serviceAccount}`,
    trustDomain: mesh.trustDomain,
    namespace,
    serviceAccount,
  };
  return { id: workloadId(workload), peer };
}

function outsideCaller(): Caller {
  return { id: OUTSIDE_ID, peer: undefined };
}

function nodeOf(workload: Workload): GraphNode {
  return {
    id: workloadId(workload),
    label: workload.name,
    namespace: workload.namespace,
    sidecar: workload.sidecar,
  };
}

function outsideNode(): GraphNode {
  return { id: OUTSIDE_ID, label: OUTSIDE_LABEL, namespace: null, sidecar: false };
}

interface Call {
  caller: Caller;
  target: Workload;
  port: WorkloadPort;
  candidates: Candidates;
}

function enforcedEdge(call: Call, { plain, withToken }: Outcomes): GraphEdge | undefined {
  const { candidates, port } = call;
  const tokenAddsAccess = [...withToken.allowed].some((key) => !plain.allowed.has(key));
  if (plain.allowed.size === 0 && !tokenAddsAccess) return undefined;
  const allowedBy = [...plain.allowedBy, ...(tokenAddsAccess ? withToken.allowedBy : [])];
  return {
    from: call.caller.id,
    to: workloadId(call.target),
    port: port.port,
    protocol: port.protocol,
    enforced: true,
    access: accessOf(plain.allowed, port, candidates),
    withJwt: tokenAddsAccess ? accessOf(withToken.allowed, port, candidates) : null,
    allowedBy: [...new Set(allowedBy)].sort(compareText),
  };
}

// Callers with the same identity (a service account shared by several workloads, or plaintext)
// get the same answers from targets with the same namespace and labels; each is asked once.
function simulateCached(
  documents: readonly IstioDocument[],
  mesh: MeshSettings,
  call: Call,
  cache: OutcomeCache,
): Outcomes {
  const { caller, target, port } = call;
  const key = JSON.stringify([
    caller.peer?.principal ?? null,
    target.namespace,
    Object.entries(target.labels).sort(([a], [b]) => compareText(a, b)),
    port.port,
    port.protocol,
  ]);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const tokens = port.protocol === 'http' ? call.candidates.tokens : [];
  const outcomes = {
    plain: tryCandidates(documents, mesh, call, undefined),
    withToken: mergeOutcomes(tokens.map((token) => tryCandidates(documents, mesh, call, token))),
  };
  cache.set(key, outcomes);
  return outcomes;
}

// No proxy: nothing is enforced, so any method on any path goes.
function unenforcedEdge(caller: Caller, target: Workload, port: WorkloadPort): GraphEdge {
  return {
    from: caller.id,
    to: workloadId(target),
    port: port.port,
    protocol: port.protocol,
    enforced: false,
    access: {
      methods: port.protocol === 'http' ? [...BASE_METHODS] : [],
      anyMethod: port.protocol === 'http',
      somePaths: false,
      paths: [],
    },
    withJwt: null,
    allowedBy: [],
  };
}

function tryCandidates(
  documents: readonly IstioDocument[],
  mesh: MeshSettings,
  { caller, target, port, candidates }: Call,
  token: RequestToken | undefined,
): Outcome {
  const outcome: Outcome = { allowed: new Set(), allowedBy: new Set() };
  const base: ExplainRequest = {
    target: targetOf(target),
    port: port.port,
    protocol: port.protocol,
    ...(caller.peer === undefined ? {} : { peer: caller.peer }),
    headers: {},
    ...(token === undefined ? {} : { token }),
  };
  const requests: [string, ExplainRequest][] =
    port.protocol === 'tcp'
      ? [[TCP_KEY, base]]
      : candidates.methods.flatMap((method) =>
          candidates.paths.map((path): [string, ExplainRequest] => [
            `${method} ${path}`,
            { ...base, method, path },
          ]),
        );
  for (const [key, request] of requests) {
    const decision = explain(documents, request, mesh);
    if (decision.decision !== 'ALLOW') continue;
    outcome.allowed.add(key);
    const by = decision.decidedBy;
    if (by?.kind === 'AuthorizationPolicy') outcome.allowedBy.add(`${by.namespace}/${by.name}`);
  }
  return outcome;
}

function mergeOutcomes(outcomes: readonly Outcome[]): Outcome {
  return {
    allowed: new Set(outcomes.flatMap(({ allowed }) => [...allowed])),
    allowedBy: new Set(outcomes.flatMap(({ allowedBy }) => [...allowedBy])),
  };
}

function accessOf(
  allowed: ReadonlySet<string>,
  port: WorkloadPort,
  candidates: Candidates,
): Access | null {
  if (allowed.size === 0) return null;
  if (port.protocol === 'tcp')
    return { methods: [], anyMethod: false, somePaths: false, paths: [] };
  const isAllowed = (method: string, path: string): boolean => allowed.has(`${method} ${path}`);
  const methods = candidates.methods.filter((method) =>
    candidates.paths.some((path) => isAllowed(method, path)),
  );
  const somePaths = methods.some((method) =>
    candidates.paths.some((path) => !isAllowed(method, path)),
  );
  const paths = somePaths
    ? candidates.paths.filter((path) => methods.some((method) => isAllowed(method, path)))
    : [];
  const anyMethod = methods.length === candidates.methods.length;
  return { methods, anyMethod, somePaths, paths };
}
