// How `explain` prints a decision: a headline and the steps in text, or the JSON object of the
// contract; and, for --batch, a table or a JSON array.

import type { Decision } from './types.js';

const STAGE_WIDTH = 8;

/** The first line: the decision, the status and who decided. */
export function headline(decision: Decision): string {
  return `${decision.decision} ${decision.status}: ${decidedByText(decision)}`;
}

function decidedByText(decision: Decision): string {
  const by = decision.decidedBy;
  const verb = decision.decision === 'ALLOW' ? 'allowed' : 'denied';
  if (decision.status === 400) return 'refused by the proxy before any policy (a malformed request)';
  if (by === null) {
    return decision.decision === 'ALLOW'
      ? 'allowed by default (no ALLOW policy applies)'
      : 'denied by default (ALLOW policies apply, none matches)';
  }
  const name = `${by.kind} ${by.namespace}/${by.name}`;
  if (by.kind === 'PeerAuthentication') return `refused by ${name} (${String(by.action)} mTLS)`;
  if (by.kind === 'RequestAuthentication') return `token refused by ${name}`;
  const rule = by.ruleIndex === null ? '' : `, rule ${by.ruleIndex}`;
  return `${verb} by ${name} (${String(by.action)}${rule})`;
}

/** The headline, then one line a step. */
export function formatText(decision: Decision): string {
  const lines = [headline(decision)];
  for (const step of decision.steps) {
    lines.push(`  ${step.stage.padEnd(STAGE_WIDTH)} ${step.message}`);
  }
  return lines.join('\n');
}

export function formatJson(decision: Decision): string {
  return JSON.stringify(decision, null, 2);
}

export interface BatchRow {
  label: string;
  decision: Decision;
}

/** A table: one row a request, columns aligned. */
export function formatTable(rows: readonly BatchRow[]): string {
  const header = ['#', 'REQUEST', 'DECISION', 'STATUS', 'DECIDED BY'];
  const body = rows.map((row, index) => [
    String(index + 1),
    row.label,
    row.decision.decision,
    String(row.decision.status),
    decidedByShort(row.decision),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)),
  );
  return [header, ...body]
    .map((cells) =>
      cells
        .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  '),
    )
    .join('\n');
}

function decidedByShort(decision: Decision): string {
  const by = decision.decidedBy;
  if (decision.status === 400) return '(the proxy: malformed request)';
  if (by === null) return decision.decision === 'ALLOW' ? '(default: no ALLOW policy)' : '(default: no ALLOW rule matches)';
  const rule = by.ruleIndex === null ? '' : ` rule ${by.ruleIndex}`;
  return `${by.kind} ${by.namespace}/${by.name}${by.action === null ? '' : ` ${by.action}`}${rule}`;
}
