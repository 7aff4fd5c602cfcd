// The shapes `npm run graph` works with: the nodes and edges of the call graph and the coverage
// findings, as printed with --format json.

import type { Action, MtlsMode, Protocol } from '../explain/types.js';

/** The id and label of the node that stands for any plaintext caller outside the mesh. */
export const OUTSIDE_ID = 'outside';
export const OUTSIDE_LABEL = 'outside the mesh';

export interface GraphNode {
  /** `namespace/name` for a workload, OUTSIDE_ID for the caller outside the mesh. */
  id: string;
  /** The workload's name, or OUTSIDE_LABEL. */
  label: string;
  /** The workload's namespace; null for the caller outside the mesh. */
  namespace: string | null;
  /** False for a workload without a sidecar, and for the caller outside the mesh. */
  sidecar: boolean;
}

/**
 * What a caller may do on one port. The methods tried are GET, HEAD, POST, PUT, PATCH, DELETE,
 * OPTIONS and those the policies name, plus one method no policy names (TRACE unless named); the
 * paths tried are `/`, those the policies name, and one path no policy names. The unlisted method
 * and path stand for every method and path the policies do not name.
 */
export interface Access {
  /** The tried methods (not the unlisted one) allowed on some tried path; empty for TCP. */
  methods: string[];
  /** The unlisted method is allowed: methods no policy names are allowed too. */
  otherMethods: boolean;
  /** otherMethods, and every tried method is allowed; the label then says "any method". */
  anyMethod: boolean;
  /** The tried methods (not the unlisted one) denied on every tried path. */
  deniedMethods: string[];
  /** True when some allowed method is denied on some tried path (the unlisted one too). */
  somePaths: boolean;
  /** With somePaths: the tried paths (not the unlisted one) on which some method is allowed. */
  paths: string[];
  /** The unlisted path is allowed for some method: paths no policy names are allowed too. */
  otherPaths: boolean;
}

/** `from` may call `to` on `port` (in some way). */
export interface GraphEdge {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  /** False when the target has no sidecar: nothing is enforced and anything goes. */
  enforced: boolean;
  /** What a request without a token may do; null when nothing. */
  access: Access | null;
  /** What a request with a valid token may do, when that is more than without one; else null. */
  withJwt: Access | null;
  /** The ALLOW policies (`namespace/name`) that allowed the requests; empty when none applies. */
  allowedBy: string[];
}

/** A workload (or one of its ports) that accepts more than mutual TLS. */
export interface MtlsFinding {
  workload: string;
  /** null: every port of the workload (or the workload has no ports in the inventory). */
  port: number | null;
  /** null for a workload without a sidecar. */
  mode: MtlsMode | null;
  /** The PeerAuthentication (`namespace/name`) that set the mode; null when none did. */
  setBy: string | null;
  message: string;
}

/**
 * A workload that no enforced ALLOW policy applies to (dry-run ones do not count): what no DENY
 * policy denies is allowed.
 */
export interface OpenFinding {
  workload: string;
  message: string;
}

/** A workload whose requests are checked for an end-user token. */
export interface JwtFinding {
  workload: string;
  /** The RequestAuthentications (`namespace/name`) that apply. */
  requestAuthentications: string[];
  /** The AuthorizationPolicies (`namespace/name`) that make a token mandatory; empty: optional. */
  requiredBy: string[];
}

/** A dry-run AuthorizationPolicy that applies to a workload: evaluated and logged, not enforced. */
export interface DryRunFinding {
  workload: string;
  /** `namespace/name`. */
  policy: string;
  action: Action;
}

/** A policy that selects no workload of the inventory. */
export interface UnusedFinding {
  kind: 'AuthorizationPolicy' | 'RequestAuthentication' | 'PeerAuthentication';
  policy: string;
  message: string;
}

export interface Coverage {
  notStrict: MtlsFinding[];
  noAllowPolicy: OpenFinding[];
  /** Workloads where a token is mandatory (some requiredBy). */
  requireJwt: JwtFinding[];
  /** Workloads where a token is verified when present but not required. */
  optionalJwt: JwtFinding[];
  dryRun: DryRunFinding[];
  unusedPolicies: UnusedFinding[];
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}
