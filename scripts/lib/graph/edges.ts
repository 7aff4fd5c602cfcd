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
//
// Speed: each target is simulated against only the documents that can decide for it; the
// answers for one caller identity, target (namespace and labels) and port are computed once, and
// once for all the callers the target's policies cannot tell apart (identities.ts). A connection
// the target's mTLS mode refuses is refused whatever the method, path or token, so one request
// decides it.

import type { IstioDocument } from '../check/types.js';
import { explain } from '../explain/evaluate.js';
import { documentsFor, matchLabelsOf, policyApplies } from '../explain/scope.js';
import type {
  Decision,
  ExplainRequest,
  MeshSettings,
  PeerIdentity,
  RequestToken,
  Target,
} from '../explain/types.js';
import { BASE_METHODS, candidatesFor, type Candidates } from './candidates.js';
import { compareText, specOf } from './fields.js';
import { identityFragments, mayBeNamed, type Fragments } from './identities.js';
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

/** One target workload as the simulation sees it, prepared once for all its callers. */
interface PreparedTarget {
  workload: Workload;
  /** The documents that can decide a request to it (relevantDocuments). */
  documents: IstioDocument[];
  candidates: Candidates;
  /** What its policies may match in a caller's principal (identities.ts). */
  fragments: Fragments[];
  /** Its namespace and labels, for the cache key: targets alike get the same answers. */
  key: string;
}

interface Call {
  caller: Caller;
  target: PreparedTarget;
  port: WorkloadPort;
}

const TCP_KEY = 'tcp';
// The identity in the cache key of the callers a target's policies cannot tell apart; no
// principal reads like this.
const UNNAMED_CALLER = '(named by no policy)';

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
  for (const workload of sorted) {
    const target = prepareTarget(documents, workload, mesh);
    for (const port of workload.ports) {
      for (const caller of callers) {
        if (caller.id === workloadId(workload)) continue;
        const call = { caller, target, port };
        const edge = workload.sidecar
          ? enforcedEdge(call, simulateCached(mesh, call, outcomes))
          : unenforcedEdge(caller, workload, port);
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

/**
 * The documents that can decide a request to the target, so that the many requests simulated
 * for it do not each read the whole input: of the target's namespace and the root namespace
 * (`documentsFor`), the AuthorizationPolicies and RequestAuthentications that apply to it (the
 * simulator reads no others) and the PeerAuthentications that select no other workload.
 */
export function relevantDocuments(
  documents: readonly IstioDocument[],
  target: Target,
  mesh: MeshSettings,
): IstioDocument[] {
  return documentsFor(documents, target, mesh).filter((document) =>
    document.kind === 'PeerAuthentication'
      ? selectorFits(document, target)
      : policyApplies(document, target, mesh),
  );
}

// No selector, an empty one, or one whose labels the target carries: a PeerAuthentication the
// simulator may take for the target's namespace, mesh or workload policy.
function selectorFits(document: IstioDocument, target: Target): boolean {
  const labels = matchLabelsOf(specOf(document)) ?? {};
  return Object.entries(labels).every(([key, value]) => target.labels[key] === value);
}

function prepareTarget(
  documents: readonly IstioDocument[],
  workload: Workload,
  mesh: MeshSettings,
): PreparedTarget {
  const target = targetOf(workload);
  const relevant = relevantDocuments(documents, target, mesh);
  const labels = Object.entries(workload.labels).sort(([a], [b]) => compareText(a, b));
  return {
    workload,
    documents: relevant,
    candidates: candidatesFor(relevant, target, mesh),
    fragments: identityFragments(relevant),
    key: JSON.stringify([workload.namespace, labels]),
  };
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

function enforcedEdge(call: Call, { plain, withToken }: Outcomes): GraphEdge | undefined {
  const { candidates } = call.target;
  const { port } = call;
  const tokenAddsAccess = [...withToken.allowed].some((key) => !plain.allowed.has(key));
  if (plain.allowed.size === 0 && !tokenAddsAccess) return undefined;
  const allowedBy = [...plain.allowedBy, ...(tokenAddsAccess ? withToken.allowedBy : [])];
  return {
    from: call.caller.id,
    to: workloadId(call.target.workload),
    port: port.port,
    protocol: port.protocol,
    enforced: true,
    access: accessOf(plain.allowed, port, candidates),
    withJwt: tokenAddsAccess ? accessOf(withToken.allowed, port, candidates) : null,
    allowedBy: [...new Set(allowedBy)].sort(compareText),
  };
}

// Callers with the same identity (a service account shared by several workloads, or plaintext),
// or with identities the target's policies cannot tell apart, get the same answers from targets
// with the same namespace and labels; each group is asked once.
function simulateCached(mesh: MeshSettings, call: Call, cache: OutcomeCache): Outcomes {
  const { caller, target, port } = call;
  const principal = caller.peer?.principal;
  const identity =
    principal === undefined
      ? null
      : mayBeNamed(target.fragments, principal)
        ? principal
        : UNNAMED_CALLER;
  const key = JSON.stringify([identity, target.key, port.port, port.protocol]);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const outcomes = simulate(mesh, call);
  cache.set(key, outcomes);
  return outcomes;
}

function simulate(mesh: MeshSettings, call: Call): Outcomes {
  const requests = candidateRequests(call);
  const plain = tryRequests(call.target.documents, mesh, requests, undefined);
  if (plain === undefined) return { plain: emptyOutcome(), withToken: emptyOutcome() };
  const tokens = call.port.protocol === 'http' ? call.target.candidates.tokens : [];
  const withToken = tokens.map(
    (token) => tryRequests(call.target.documents, mesh, requests, token) ?? emptyOutcome(),
  );
  return { plain, withToken: mergeOutcomes(withToken) };
}

// No proxy: nothing is enforced, so any method on any path goes.
function unenforcedEdge(caller: Caller, target: Workload, port: WorkloadPort): GraphEdge {
  const http = port.protocol === 'http';
  return {
    from: caller.id,
    to: workloadId(target),
    port: port.port,
    protocol: port.protocol,
    enforced: false,
    access: {
      methods: http ? [...BASE_METHODS] : [],
      otherMethods: http,
      anyMethod: http,
      deniedMethods: [],
      somePaths: false,
      paths: [],
      otherPaths: http,
    },
    withJwt: null,
    allowedBy: [],
  };
}

// Every method (the unlisted one too) on every path (the unlisted one too); one connection on TCP.
function candidateRequests({ caller, target, port }: Call): [string, ExplainRequest][] {
  const base: ExplainRequest = {
    target: targetOf(target.workload),
    port: port.port,
    protocol: port.protocol,
    ...(caller.peer === undefined ? {} : { peer: caller.peer }),
    headers: {},
  };
  if (port.protocol === 'tcp') return [[TCP_KEY, base]];
  const { methods, paths } = triedRequests(target.candidates);
  return methods.flatMap((method) =>
    paths.map((path): [string, ExplainRequest] => [`${method} ${path}`, { ...base, method, path }]),
  );
}

function triedRequests(candidates: Candidates): { methods: string[]; paths: string[] } {
  return {
    methods: [...candidates.methods, candidates.unlistedMethod],
    paths: [...candidates.paths, candidates.unlistedPath],
  };
}

// What was allowed; undefined when the target's mTLS mode refuses the connection, which no
// method, path or token changes.
function tryRequests(
  documents: readonly IstioDocument[],
  mesh: MeshSettings,
  requests: readonly [string, ExplainRequest][],
  token: RequestToken | undefined,
): Outcome | undefined {
  const outcome = emptyOutcome();
  for (const [key, request] of requests) {
    const decision = explain(
      documents,
      token === undefined ? request : { ...request, token },
      mesh,
    );
    if (refusedByMtls(decision)) return undefined;
    if (decision.decision !== 'ALLOW') continue;
    outcome.allowed.add(key);
    const by = decision.decidedBy;
    if (by?.kind === 'AuthorizationPolicy') outcome.allowedBy.add(`${by.namespace}/${by.name}`);
  }
  return outcome;
}

function refusedByMtls(decision: Decision): boolean {
  return decision.decision === 'DENY' && decision.decidedBy?.kind === 'PeerAuthentication';
}

function emptyOutcome(): Outcome {
  return { allowed: new Set(), allowedBy: new Set() };
}

function mergeOutcomes(outcomes: readonly Outcome[]): Outcome {
  return {
    allowed: new Set(outcomes.flatMap(({ allowed }) => [...allowed])),
    allowedBy: new Set(outcomes.flatMap(({ allowedBy }) => [...allowedBy])),
  };
}

// The summary a label shows. The unlisted method and path stand for all the methods and paths
// no policy names: "any method" needs the unlisted method allowed, no "(some paths)" needs every
// allowed method allowed on the unlisted path too.
function accessOf(
  allowed: ReadonlySet<string>,
  port: WorkloadPort,
  candidates: Candidates,
): Access | null {
  if (allowed.size === 0) return null;
  if (port.protocol === 'tcp') {
    return {
      methods: [],
      otherMethods: false,
      anyMethod: false,
      deniedMethods: [],
      somePaths: false,
      paths: [],
      otherPaths: false,
    };
  }
  const { methods, paths } = triedRequests(candidates);
  const isAllowed = (method: string, path: string): boolean => allowed.has(`${method} ${path}`);
  const allowedMethods = methods.filter((method) => paths.some((path) => isAllowed(method, path)));
  const somePaths = allowedMethods.some((method) => paths.some((path) => !isAllowed(method, path)));
  const allowedPaths = paths.filter((path) =>
    allowedMethods.some((method) => isAllowed(method, path)),
  );
  const otherMethods = allowedMethods.includes(candidates.unlistedMethod);
  const deniedMethods = candidates.methods.filter((method) => !allowedMethods.includes(method));
  return {
    methods: allowedMethods.filter((method) => method !== candidates.unlistedMethod),
    otherMethods,
    anyMethod: otherMethods && deniedMethods.length === 0,
    deniedMethods,
    somePaths,
    paths: somePaths ? allowedPaths.filter((path) => path !== candidates.unlistedPath) : [],
    otherPaths: allowedPaths.includes(candidates.unlistedPath),
  };
}
