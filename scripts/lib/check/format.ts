// How `npm run check` (and render and start, which run it) print findings: one line each for a
// person, or one JSON array.
//
//   import { formatFinding, formatJson, summary } from './format.js';
//   console.log(formatFinding(finding));
//   // shop.yaml:2 AuthorizationPolicy shop/api error IZT-C-CRD-...: spec: message (fix: ...)

import type { CheckFinding } from './types.js';

/** What a check counted, for the summary line. */
export interface CheckCounts {
  documents: number;
  skipped: number;
  findings: readonly CheckFinding[];
}

/** `file:index kind namespace/name severity code: path: message (fix: fix)`. */
export function formatFinding(finding: CheckFinding): string {
  const where = `${finding.file}:${finding.documentIndex}`;
  const object = finding.kind === '' ? [] : [finding.kind, objectName(finding)];
  const path = finding.path === '' ? '' : `${finding.path}: `;
  const head = [where, ...object, finding.severity, finding.code].join(' ');
  return `${head}: ${path}${finding.message} (fix: ${finding.fix})`;
}

/** One JSON array of the findings, fields in a fixed order. */
export function formatJson(findings: readonly CheckFinding[]): string {
  const rows = findings.map((finding) => ({
    file: finding.file,
    documentIndex: finding.documentIndex,
    kind: finding.kind,
    namespace: finding.namespace,
    name: finding.name,
    severity: finding.severity,
    code: finding.code,
    message: finding.message,
    path: finding.path,
    fix: finding.fix,
  }));
  return JSON.stringify(rows, null, 2);
}

/** `checked 3 documents (1 skipped): 1 error, 2 warnings`. */
export function summary({ documents, skipped, findings }: CheckCounts): string {
  const errors = findings.filter(({ severity }) => severity === 'error').length;
  const warnings = findings.length - errors;
  return (
    `checked ${plural(documents, 'document')} (${skipped} skipped): ` +
    `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`
  );
}

function objectName({ namespace, name }: CheckFinding): string {
  const shown = name === '' ? '(no name)' : name;
  return namespace === '' ? shown : `${namespace}/${shown}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
