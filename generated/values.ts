// Generated from values-schema.json by `npm run generate`; do not edit.
// Source: values-schema.json.

/**
 * A workload PeerAuthentication named by its key; null removes an entry set by an earlier values file.
 */
export type PeerAuthenticationWorkload = {
  /**
   * Renders this policy; false switches it off.
   */
  enabled?: boolean;
  selector: WorkloadSelector;
  mode?: MtlsMode;
  /**
   * Per-port modes keyed by the workload's container port (not the Service port), in Istio's form: {"8080": {mode: DISABLE}}.
   */
  portLevelMtls?: {
    /**
     * The mode for one port.
     */
    [k: string]:
      | {
          mode: MtlsMode;
        }
      | undefined;
  };
  annotations?: Annotations;
} | null;
/**
 * Mutual TLS mode: STRICT requires mTLS, PERMISSIVE accepts mTLS and plaintext, DISABLE accepts plaintext only, UNSET inherits from the parent scope.
 */
export type MtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';
/**
 * An AuthorizationPolicy named by its key; null removes an entry set by an earlier values file.
 */
export type AuthorizationPolicy = {
  /**
   * Renders this policy; false switches it off without deleting it.
   */
  enabled?: boolean;
  /**
   * What a match does: ALLOW, DENY, AUDIT or CUSTOM (an external authorizer named by provider).
   */
  action?: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
  /**
   * The extension provider of a CUSTOM policy (meshConfig.extensionProviders).
   */
  provider?: {
    /**
     * Name of the extension provider.
     */
    name: string;
  };
  selector?: WorkloadSelector;
  targetRefs?: TargetRefs;
  /**
   * Rules, any of which may match; omit rules on an ALLOW policy to allow nothing.
   *
   * @minItems 1
   * @maxItems 512
   */
  rules?: [Rule, ...Rule[]];
  /**
   * Adds the istio.io/dry-run annotation: the policy is evaluated and logged but not enforced (ALLOW and DENY only).
   */
  dryRun?: boolean;
  annotations?: Annotations;
} | null;
/**
 * Resources the policy attaches to (Gateway API gateways, waypoint Services or ServiceEntries, the istio-waypoint GatewayClass); exclusive with selector.
 *
 * @minItems 1
 * @maxItems 16
 */
export type TargetRefs =
  | [PolicyTargetReference]
  | [PolicyTargetReference, PolicyTargetReference]
  | [PolicyTargetReference, PolicyTargetReference, PolicyTargetReference]
  | [PolicyTargetReference, PolicyTargetReference, PolicyTargetReference, PolicyTargetReference]
  | [
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
    ]
  | [
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
    ]
  | [
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
    ]
  | [
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
    ]
  | [
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
    ]
  | [
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
    ]
  | [
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
    ]
  | [
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
    ]
  | [
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
    ]
  | [
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
    ]
  | [
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
    ]
  | [
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
      PolicyTargetReference,
    ];
/**
 * A RequestAuthentication named by its key; null removes an entry set by an earlier values file.
 */
export type RequestAuthentication = {
  /**
   * Renders this RequestAuthentication and its requireToken policy; false switches both off.
   */
  enabled?: boolean;
  selector?: WorkloadSelector;
  targetRefs?: TargetRefs;
  /**
   * Accepted issuers.
   *
   * @minItems 1
   * @maxItems 4096
   */
  jwtRules: [JwtRule, ...JwtRule[]];
  requireToken?: RequireToken;
  annotations?: Annotations;
} | null;

/**
 * Values of the istio-zero-trust chart: Istio PeerAuthentication, AuthorizationPolicy and RequestAuthentication for one namespace.
 */
export interface IstioZeroTrustValues {
  /**
   * Values a parent chart shares with its subcharts; accepted and not used.
   */
  global?: {};
  /**
   * Renders the chart's resources; a parent chart may use it as the dependency condition.
   */
  enabled?: boolean;
  /**
   * Replaces the chart name in the app.kubernetes.io/name label.
   */
  nameOverride?: string;
  /**
   * Namespace the resources go to instead of the release namespace (the mesh-wide PeerAuthentication always goes to istio.rootNamespace).
   */
  namespaceOverride?: string;
  /**
   * Labels added to every resource; the chart's standard app.kubernetes.io and helm.sh labels take precedence over a label of the same key.
   */
  commonLabels?: {
    [k: string]: string | undefined;
  };
  /**
   * Annotations added to every resource; an entry's own annotations take precedence.
   */
  commonAnnotations?: {
    [k: string]: string | undefined;
  };
  /**
   * Facts about the mesh the resources are for.
   */
  istio: {
    /**
     * apiVersion of the rendered resources: security.istio.io/v1 (Istio 1.22+) or security.istio.io/v1beta1 for older Istio; never detected from the cluster.
     */
    securityApiVersion: 'security.istio.io/v1' | 'security.istio.io/v1beta1';
    /**
     * The mesh's trust domain, used by workloadIdentities.
     */
    trustDomain: string;
    /**
     * Istio's root namespace (meshConfig.rootNamespace), where the mesh-wide PeerAuthentication goes.
     */
    rootNamespace: string;
  };
  /**
   * Mutual TLS between workloads (PeerAuthentication).
   */
  peerAuthentication: {
    /**
     * The namespace-wide PeerAuthentication.
     */
    namespace: {
      /**
       * Renders the namespace-wide policy.
       */
      enabled?: boolean;
      /**
       * Name of the namespace-wide policy.
       */
      name: string;
      /**
       * Mutual TLS mode: STRICT requires mTLS, PERMISSIVE accepts mTLS and plaintext, DISABLE accepts plaintext only, UNSET inherits from the parent scope.
       */
      mode: 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';
      annotations?: Annotations;
    };
    /**
     * A mesh-wide PeerAuthentication in istio.rootNamespace; off by default because it affects every namespace.
     */
    mesh: {
      /**
       * Renders the mesh-wide policy into istio.rootNamespace.
       */
      enabled?: boolean;
      /**
       * Name of the mesh-wide policy.
       */
      name: string;
      /**
       * Mutual TLS mode: STRICT requires mTLS, PERMISSIVE accepts mTLS and plaintext, DISABLE accepts plaintext only, UNSET inherits from the parent scope.
       */
      mode: 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';
      annotations?: Annotations;
    };
    /**
     * Per-workload PeerAuthentications keyed by name.
     */
    workloads: {
      [k: string]: PeerAuthenticationWorkload | undefined;
    };
  };
  /**
   * Access control (AuthorizationPolicy).
   */
  authorization: {
    /**
     * The namespace-wide allow-nothing policy: everything not allowed by a policy is denied.
     */
    defaultDeny: {
      /**
       * Renders the allow-nothing policy; when false, workloads no ALLOW policy selects accept everything.
       */
      enabled?: boolean;
      /**
       * Name of the allow-nothing policy.
       */
      name: string;
      /**
       * Adds the istio.io/dry-run annotation: denials are logged, not enforced, so the effect of default deny can be checked first.
       */
      dryRun?: boolean;
      annotations?: Annotations;
    };
    /**
     * AuthorizationPolicies keyed by name.
     */
    policies: {
      [k: string]: AuthorizationPolicy | undefined;
    };
  };
  /**
   * End-user JWT validation (RequestAuthentication) keyed by name; each also renders a policy that makes a token mandatory.
   */
  requestAuthentication: {
    [k: string]: RequestAuthentication | undefined;
  };
}
/**
 * Extra annotations for this object only (for example an Argo CD sync-wave); they take precedence over commonAnnotations.
 */
export interface Annotations {
  [k: string]: string | undefined;
}
/**
 * Selects workloads by pod labels, in Istio's form; a policy without one applies to the whole namespace.
 */
export interface WorkloadSelector {
  /**
   * Labels a workload must carry (all of them), as Kubernetes label keys and values; at least one, and no `*`: Istio matches them exactly.
   */
  matchLabels: {
    [k: string]: string | undefined;
  };
}
/**
 * A resource the policy attaches to in the release namespace, instead of a selector.
 */
export interface PolicyTargetReference {
  /**
   * API group of the target; when omitted the chart renders the group Istio expects for the kind ('' for Service, networking.istio.io for ServiceEntry, gateway.networking.k8s.io for Gateway and GatewayClass).
   */
  group?: '' | 'core' | 'networking.istio.io' | 'gateway.networking.k8s.io';
  /**
   * Kind of the target.
   */
  kind: 'Service' | 'ServiceEntry' | 'Gateway' | 'GatewayClass';
  /**
   * Name of the target in the policy's namespace (a Kubernetes object name).
   */
  name: string;
}
/**
 * One rule: matches when any from entry, any to entry and every when condition match; an omitted part matches anything.
 */
export interface Rule {
  /**
   * Sources, any of which may match.
   *
   * @minItems 1
   * @maxItems 512
   *
   * Items: One source.
   */
  from?: [
    {
      source: Source;
    },
    ...{
      source: Source;
    }[],
  ];
  /**
   * Operations, any of which may match.
   *
   * @minItems 1
   *
   * Items: One operation.
   */
  to?: [
    {
      operation: Operation;
    },
    ...{
      operation: Operation;
    }[],
  ];
  /**
   * Conditions, all of which must match.
   *
   * @minItems 1
   */
  when?: [Condition, ...Condition[]];
}
/**
 * Who the request comes from, in Istio's form: every field set must match (AND), any value within a field may match (OR).
 */
export interface Source {
  /**
   * Peer mTLS identities <trust-domain>/ns/<ns>/sa/<sa> (without spiffe://); needs mTLS.
   *
   * @minItems 1
   */
  principals?: [string, ...string[]];
  /**
   * Peer mTLS identities that must not match.
   *
   * @minItems 1
   */
  notPrincipals?: [string, ...string[]];
  /**
   * Shorthand for principals: each namespace and service account renders <istio.trustDomain>/ns/<namespace>/sa/<serviceAccount>, after any principals given.
   *
   * @minItems 1
   */
  workloadIdentities?: [WorkloadIdentity, ...WorkloadIdentity[]];
  /**
   * Shorthand for notPrincipals, rendered like workloadIdentities.
   *
   * @minItems 1
   */
  notWorkloadIdentities?: [WorkloadIdentity, ...WorkloadIdentity[]];
  /**
   * JWT principals <iss>/<sub> from a RequestAuthentication; `*` means any valid token. HTTP only.
   *
   * @minItems 1
   */
  requestPrincipals?: [string, ...string[]];
  /**
   * JWT principals that must not match; ["*"] matches requests without a valid token. HTTP only.
   *
   * @minItems 1
   */
  notRequestPrincipals?: [string, ...string[]];
  /**
   * Namespaces of the peer identity; needs mTLS.
   *
   * @minItems 1
   */
  namespaces?: [string, ...string[]];
  /**
   * Namespaces of the peer identity that must not match.
   *
   * @minItems 1
   */
  notNamespaces?: [string, ...string[]];
  /**
   * Peer service accounts as <ns>/<sa> or <sa> (the policy's namespace); not with principals or namespaces in the same source (Istio 1.25+).
   *
   * @minItems 1
   * @maxItems 16
   */
  serviceAccounts?:
    | [string]
    | [string, string]
    | [string, string, string]
    | [string, string, string, string]
    | [string, string, string, string, string]
    | [string, string, string, string, string, string]
    | [string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
  /**
   * Peer service accounts that must not match.
   *
   * @minItems 1
   * @maxItems 16
   */
  notServiceAccounts?:
    | [string]
    | [string, string]
    | [string, string, string]
    | [string, string, string, string]
    | [string, string, string, string, string]
    | [string, string, string, string, string, string]
    | [string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
  /**
   * Trust domains of the peer identity (Istio 1.30+, extended channel).
   *
   * @minItems 1
   */
  trustDomains?: [string, ...string[]];
  /**
   * Trust domains of the peer identity that must not match.
   *
   * @minItems 1
   */
  notTrustDomains?: [string, ...string[]];
  /**
   * IP addresses or CIDR blocks of the direct peer.
   *
   * @minItems 1
   */
  ipBlocks?: [string, ...string[]];
  /**
   * IP addresses or CIDR blocks of the direct peer that must not match.
   *
   * @minItems 1
   */
  notIpBlocks?: [string, ...string[]];
  /**
   * Original client IPs or CIDR blocks (X-Forwarded-For or PROXY protocol; needs numTrustedProxies).
   *
   * @minItems 1
   */
  remoteIpBlocks?: [string, ...string[]];
  /**
   * Original client IPs or CIDR blocks that must not match.
   *
   * @minItems 1
   */
  notRemoteIpBlocks?: [string, ...string[]];
}
/**
 * A workload identity: rendered as the principal <trustDomain>/ns/<namespace>/sa/<serviceAccount>.
 */
export interface WorkloadIdentity {
  /**
   * Namespace of the calling workload.
   */
  namespace: string;
  /**
   * Service account of the calling workload.
   */
  serviceAccount: string;
}
/**
 * What the request does, in Istio's form: every field set must match (AND), any value within a field may match (OR).
 */
export interface Operation {
  /**
   * Host or :authority values, case-insensitive, with internationalized names in punycode (xn--...); list both host and host:*. HTTP only.
   *
   * @minItems 1
   */
  hosts?: [string, ...string[]];
  /**
   * Hosts that must not match. HTTP only.
   *
   * @minItems 1
   */
  notHosts?: [string, ...string[]];
  /**
   * Destination ports as strings of a number 1-65535 (the workload's container port).
   *
   * @minItems 1
   */
  ports?: [string, ...string[]];
  /**
   * Destination ports that must not match.
   *
   * @minItems 1
   */
  notPorts?: [string, ...string[]];
  /**
   * Upper-case HTTP methods (gRPC is always POST). HTTP only.
   *
   * @minItems 1
   */
  methods?: [string, ...string[]];
  /**
   * Upper-case HTTP methods that must not match. HTTP only.
   *
   * @minItems 1
   */
  notMethods?: [string, ...string[]];
  /**
   * Normalized URL paths without query string, percent-encoded as requests carry them; exact, prefix*, *suffix or *; or a template of literal segments and {*} (one segment) or {**} (the rest). HTTP only.
   *
   * @minItems 1
   */
  paths?: [string, ...string[]];
  /**
   * URL paths that must not match. HTTP only.
   *
   * @minItems 1
   */
  notPaths?: [string, ...string[]];
}
/**
 * An extra condition on a request attribute; values and notValues are ANDed.
 */
export interface Condition {
  /**
   * Attribute name, one of Istio's supported keys (request.headers[name], source.ip, remote.ip, source.namespace, source.principal, source.serviceAccount, source.trustDomain, request.auth.principal, request.auth.audiences, request.auth.presenter, request.auth.claims[name], destination.ip, destination.port, connection.sni, experimental.envoy.filters.*[key]).
   */
  key: string;
  /**
   * Values of which one must match.
   *
   * @minItems 1
   */
  values?: [string, ...string[]];
  /**
   * Values of which none may match.
   *
   * @minItems 1
   */
  notValues?: [string, ...string[]];
}
/**
 * One accepted token issuer, in Istio's jwtRules form.
 */
export interface JwtRule {
  /**
   * Expected iss claim; required unless jwksUri is set.
   */
  issuer?: string;
  /**
   * Accepted aud values; when omitted any audience is accepted.
   *
   * @minItems 1
   */
  audiences?: [string, ...string[]];
  /**
   * URL of the JSON Web Key Set (http or https); exclusive with jwks.
   */
  jwksUri?: string;
  /**
   * Inline JSON Web Key Set (public keys only); exclusive with jwksUri.
   */
  jwks?: string;
  /**
   * Headers that carry the token; setting any from* field replaces the default Authorization: Bearer and access_token locations.
   *
   * @minItems 1
   */
  fromHeaders?: [JwtHeader, ...JwtHeader[]];
  /**
   * Query parameters that carry the token.
   *
   * @minItems 1
   */
  fromParams?: [string, ...string[]];
  /**
   * Cookies that carry the token.
   *
   * @minItems 1
   */
  fromCookies?: [string, ...string[]];
  /**
   * Header that receives the verified payload (base64url JSON).
   */
  outputPayloadToHeader?: string;
  /**
   * Claims copied into request headers.
   *
   * @minItems 1
   *
   * Items: One claim to copy.
   */
  outputClaimToHeaders?: [
    {
      /**
       * Header name.
       */
      header: string;
      /**
       * Claim name (nested claims as a.b).
       */
      claim: string;
    },
    ...{
      /**
       * Header name.
       */
      header: string;
      /**
       * Claim name (nested claims as a.b).
       */
      claim: string;
    }[],
  ];
  /**
   * Keeps the token in the request after verification; Istio removes it when false or omitted.
   */
  forwardOriginalToken?: boolean;
  /**
   * Timeout of the JWKS fetch as a duration such as 5s or 500ms (Istio 1.22+); Istio's default is 5s.
   */
  timeout?: string;
  /**
   * Extra claims split on spaces for matching (scope and permission always are; Istio 1.28+).
   *
   * @minItems 1
   * @maxItems 64
   */
  spaceDelimitedClaims?: [string, ...string[]];
}
/**
 * A header that carries the token.
 */
export interface JwtHeader {
  /**
   * Header name.
   */
  name: string;
  /**
   * Text before the token, usually 'Bearer ' with its trailing space; a header without it yields no token.
   */
  prefix?: string;
}
/**
 * The DENY AuthorizationPolicy that rejects requests without a valid token, on the same workloads as the RequestAuthentication.
 */
export interface RequireToken {
  /**
   * Renders the policy; when false a request without a token passes as anonymous.
   */
  enabled?: boolean;
  /**
   * Name of the policy; defaults to <key>-require-jwt.
   */
  name?: string;
  /**
   * Only these paths require a token; when omitted every path does.
   *
   * @minItems 1
   */
  paths?: [string, ...string[]];
  /**
   * Paths that need no token, such as health checks.
   *
   * @minItems 1
   */
  excludePaths?: [string, ...string[]];
  /**
   * Ports the requirement is scoped to; recommended, because on a TCP port this DENY would reject every connection.
   *
   * @minItems 1
   */
  ports?: [string, ...string[]];
  /**
   * Claims a token must carry: claim name to accepted values (any one of them); nested claims as a.b is not supported, use the claim's top-level name.
   */
  requiredClaims?: {
    /**
     * Accepted values of the claim.
     *
     * @minItems 1
     */
    [k: string]: [string, ...string[]] | undefined;
  };
  /**
   * Adds the istio.io/dry-run annotation to the policy: rejections are logged, not enforced.
   */
  dryRun?: boolean;
  annotations?: Annotations;
}
