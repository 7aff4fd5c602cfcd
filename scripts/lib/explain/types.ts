// The shapes of the offline authorization simulator behind `npm run explain` and `npm run graph`:
// the request it is asked about, the mesh settings it assumes, and the decision it returns.
//
// The simulator follows Istio's documented semantics for Envoy proxies (sidecars and ingress
// gateways); see README "Limitations" for what it does not model (waypoints, ztunnel, the
// external authorizer's own answer, path normalization other than Istio's default).

export type Protocol = 'http' | 'tcp';
export type Action = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';
export type Status = 200 | 400 | 401 | 403 | 'connection-reset';

/** The workload a request goes to: its namespace and pod labels. */
export interface Target {
  namespace: string;
  labels: Readonly<Record<string, string>>;
}

/** The mTLS identity of the caller, as its certificate names it. */
export interface PeerIdentity {
  /** `<trust-domain>/ns/<namespace>/sa/<service-account>`, without `spiffe://`. */
  principal: string;
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

/** The end-user token a request carries. */
export interface RequestToken {
  issuer: string;
  subject: string;
  /** Claim name (nested names joined with `.`) to its values; one value unless a list. */
  claims: Readonly<Record<string, readonly string[]>>;
  /** The token fails verification (signature, expiry, malformed). */
  invalid: boolean;
}

/** One request (or, for TCP, one connection) to simulate. */
export interface ExplainRequest {
  target: Target;
  /** The destination port at the receiving proxy (for sidecars, the workload's port). */
  port?: number;
  protocol: Protocol;
  /** The caller's mTLS identity; undefined for a plaintext caller (no identity). */
  peer?: PeerIdentity;
  method?: string;
  /** The request path, query string allowed (it is not matched). */
  path?: string;
  host?: string;
  /** Header name (lower case) to its values, in order. */
  headers: Readonly<Record<string, readonly string[]>>;
  sourceIp?: string;
  /** The original client IP (X-Forwarded-For); defaults to sourceIp. */
  remoteIp?: string;
  token?: RequestToken;
}

/** What the simulator assumes about the mesh. */
export interface MeshSettings {
  rootNamespace: string;
  trustDomain: string;
  trustDomainAliases: readonly string[];
  /** What the external authorizer of a matching CUSTOM policy answers; it cannot be known offline. */
  externalAuthorizer: 'allow' | 'deny';
}

export const DEFAULT_MESH: MeshSettings = {
  rootNamespace: 'istio-system',
  trustDomain: 'cluster.local',
  trustDomainAliases: [],
  externalAuthorizer: 'allow',
};

/** The policy (or authentication resource) that decided, and the rule that matched. */
export interface DecidedBy {
  kind: 'AuthorizationPolicy' | 'PeerAuthentication' | 'RequestAuthentication';
  namespace: string;
  name: string;
  /** The policy's action; for PeerAuthentication the mTLS mode; null for RequestAuthentication. */
  action: string | null;
  /** 0-based index of the matching rule in spec.rules; null when no rule decided. */
  ruleIndex: number | null;
}

/** A dry-run policy that applies to the target: evaluated and reported, never enforced. */
export interface DryRunResult {
  namespace: string;
  name: string;
  action: 'ALLOW' | 'DENY';
  matched: boolean;
  ruleIndex: number | null;
}

export type Stage = 'target' | 'mtls' | 'jwt' | 'custom' | 'deny' | 'allow' | 'audit' | 'dry-run';

/** One step of the evaluation, in order, as a person would follow it. */
export interface Step {
  stage: Stage;
  message: string;
}

export interface Decision {
  decision: 'ALLOW' | 'DENY';
  status: Status;
  decidedBy: DecidedBy | null;
  dryRun: DryRunResult[];
  steps: Step[];
}
