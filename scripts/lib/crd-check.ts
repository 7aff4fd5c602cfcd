// Checks parsed documents the way a Kubernetes API server with Istio's CRDs would admit them, for
// the three kinds the chart renders (AuthorizationPolicy, PeerAuthentication,
// RequestAuthentication; security.istio.io v1 and v1beta1): the CRD rules of `npm run check`
// (./check/crd.ts: OpenAPI schema, every CEL rule, undeclared fields, object metadata), reported
// per document. A document of any other kind is a finding here, since the chart renders none.
// istiod's validating webhook checks more (see ./check/webhook.ts).
//
// Usage:
//   import { checkDocuments, formatFinding } from './lib/crd-check.js';
//   const findings = checkDocuments(yaml.loadAll(manifests));
//   for (const finding of findings) console.error(formatFinding(finding));

import { CRD_RULES } from './check/crd.js';
import { toIstioDocument } from './check/read.js';

/** One reason the API server would refuse (or silently change) a rendered document. */
export interface CrdFinding {
  /** Position of the document in the rendered stream, from 0. */
  index: number;
  kind: string;
  /** `namespace/name` of the object, or just `name` when it has no namespace. */
  object: string;
  /** Where in the object, such as `spec.rules[0].from[0].source`; '' for the whole object. */
  path: string;
  problem: string;
  /** The check's code, such as IZT-C-CRD-SCHEMA; '' when the document is no Istio policy. */
  code: string;
}

/** Every problem in the documents; null documents (empty `---` sections) are skipped. */
export function checkDocuments(docs: readonly unknown[]): CrdFinding[] {
  const findings: CrdFinding[] = [];
  docs.forEach((doc, index) => {
    if (doc === null || doc === undefined) return;
    const kind = isObject(doc) && typeof doc.kind === 'string' ? doc.kind : '';
    const object = objectName(doc);
    const report = (path: string, problem: string, code = ''): void => {
      findings.push({ index, kind, object, path, problem, code });
    };
    const document = toIstioDocument(doc, '', index, 0);
    if (!isObject(doc)) report('', 'not a Kubernetes object (a YAML mapping)');
    else if (document === undefined) {
      const apiVersion = String(doc.apiVersion);
      report('', `not a security.istio.io v1 or v1beta1 policy (apiVersion ${apiVersion})`);
    } else {
      for (const rule of CRD_RULES) {
        for (const finding of rule(document)) report(finding.path, finding.message, finding.code);
      }
    }
  });
  return findings;
}

/** One line for a person: `document 2, AuthorizationPolicy shop/api: spec.rules: problem`. */
export function formatFinding(finding: CrdFinding): string {
  const what = [finding.kind || 'document without kind', finding.object].filter(Boolean);
  const where = finding.path === '' ? '' : `${finding.path}: `;
  return `document ${finding.index}, ${what.join(' ')}: ${where}${finding.problem}`;
}

function objectName(doc: unknown): string {
  const metadata = isObject(doc) && isObject(doc.metadata) ? doc.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  return namespace !== '' && name !== '' ? `${namespace}/${name}` : name;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
