// NOTES.txt tells what is enforced and warns when every request to the namespace is denied.
// Helm 3.17's `install --dry-run=client` still contacts a cluster, so the notes are rendered
// with the pinned Helm 4, which does not.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { pinnedHelm } from '../scripts/lib/helm.js';
import { CHART_DIR } from '../scripts/lib/paths.js';

const DENY_ALL_WARNING = 'WARNING: every request to workloads in shop is denied';

describe('NOTES.txt', () => {
  it('warns that everything is denied when default deny is on and nothing is allowed', () => {
    const notes = renderNotes('{}');
    assert.match(notes, new RegExp(DENY_ALL_WARNING));
    assert.match(notes, /mutual TLS: STRICT for the namespace/);
    assert.match(notes, /default deny: on/);
  });

  it('does not warn once an ALLOW policy with rules is enabled', () => {
    const notes = renderNotes(`
authorization:
  policies:
    allow-frontend:
      rules:
        - from:
            - source:
                namespaces: [frontend]
`);
    assert.doesNotMatch(notes, new RegExp(DENY_ALL_WARNING));
    assert.match(notes, /authorization policies: 1;/);
  });

  it('still warns when the only ALLOW policy is a dry run', () => {
    const notes = renderNotes(`
authorization:
  policies:
    allow-frontend:
      dryRun: true
      rules: [{from: [{source: {namespaces: [frontend]}}]}]
`);
    assert.match(notes, new RegExp(DENY_ALL_WARNING));
  });

  it('says default deny is a dry run when it is one', () => {
    const notes = renderNotes('authorization: {defaultDeny: {dryRun: true}}');
    assert.doesNotMatch(notes, new RegExp(DENY_ALL_WARNING));
    assert.match(notes, /default deny: dry run/);
  });
});

function renderNotes(valuesYaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'izt-notes-'));
  const valuesFile = path.join(dir, 'values.yaml');
  writeFileSync(valuesFile, valuesYaml);
  const run = spawnSync(
    pinnedHelm(4),
    ['install', 'notes', CHART_DIR, '-n', 'shop', '--dry-run=client', '-f', valuesFile],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  const notes = run.stdout.split('NOTES:\n')[1];
  assert.ok(notes !== undefined, 'helm printed no NOTES section');
  return notes;
}
