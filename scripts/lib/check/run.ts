// Runs every rule of `npm run check` over the documents read: the CRD rules (./crd.ts), istiod's
// webhook rules (./webhook.ts) and the lint rules (./lint.ts), and returns the findings sorted by
// file, document index, severity (errors first), path and code.
//
//   import { checkDocuments } from './run.js';
//   const findings = checkDocuments(readInputs(files).documents);

import { CRD_RULES } from './crd.js';
import { LINT_DOCUMENT_RULES, LINT_INPUT_RULES } from './lint.js';
import { withDocumentMemo } from './memo.js';
import type { CheckFinding, DocumentRule, IstioDocument, RuleFinding } from './types.js';
import { WEBHOOK_RULES } from './webhook.js';

const DOCUMENT_RULES: readonly DocumentRule[] = [
  ...CRD_RULES,
  ...WEBHOOK_RULES,
  ...LINT_DOCUMENT_RULES,
];
const SEVERITY_ORDER = { error: 0, warning: 1 } as const;

/** Every finding of every rule on `documents`, sorted. */
export function checkDocuments(documents: readonly IstioDocument[]): CheckFinding[] {
  return withDocumentMemo(() => {
    const findings: CheckFinding[] = [];
    // Document by document, so that the views rules share are computed once per document.
    for (const document of documents) {
      for (const rule of DOCUMENT_RULES) {
        for (const finding of rule(document)) findings.push(located(document, finding));
      }
    }
    for (const rule of LINT_INPUT_RULES) {
      for (const { document, finding } of rule(documents)) {
        findings.push(located(document, finding));
      }
    }
    return sortFindings(findings);
  });
}

/** Findings sorted by file, document index, severity (errors first), path and code. */
export function sortFindings(findings: readonly CheckFinding[]): CheckFinding[] {
  return [...findings].sort(
    (a, b) =>
      compareText(a.file, b.file) ||
      a.documentIndex - b.documentIndex ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      compareText(a.path, b.path) ||
      compareText(a.code, b.code),
  );
}

// An item of a List keeps the List's document index; its path in the List starts the finding's.
function located(document: IstioDocument, finding: RuleFinding): CheckFinding {
  const { file, documentIndex, kind, namespace, name, itemPath } = document;
  const path =
    itemPath === undefined ? finding.path : [itemPath, finding.path].filter(Boolean).join('.');
  return { file, documentIndex, kind, namespace, name, ...finding, path };
}

// Plain code-point order, so the output does not depend on the locale.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
