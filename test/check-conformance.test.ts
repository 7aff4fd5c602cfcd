// `check` over Istio's documented resources: for every test/conformance/<id>/expected.yaml, the
// findings of `checkDocuments` (scripts/lib/check/run.ts) equal the pinned lines in
// test/check/conformance-findings.yaml, and no documented scenario gets an error. Without run.ts
// the lint rules run alone and only the table's lint lines (IZT-C-W<NNN>) are compared.
//
// Run: node --import tsx --test test/check-conformance.test.ts

import yaml from 'js-yaml';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import { LINT_DOCUMENT_RULES, LINT_INPUT_RULES } from '../scripts/lib/check/lint.js';
import {
  SECURITY_KINDS,
  type CheckFinding,
  type IstioDocument,
  type SecurityKind,
} from '../scripts/lib/check/types.js';
import { PROJECT_ROOT } from '../scripts/lib/paths.js';

const CONFORMANCE_DIR = path.join(PROJECT_ROOT, 'test', 'conformance');
const TABLE_FILE = path.join(PROJECT_ROOT, 'test', 'check', 'conformance-findings.yaml');
const EXPECTED_FILE = 'expected.yaml';
const RUN_SOURCE = path.join(PROJECT_ROOT, 'scripts', 'lib', 'check', 'run.ts');
// A variable specifier, so this file compiles before run.ts exists.
const RUN_MODULE: string = '../scripts/lib/check/run.js';
const LINT_CODE = /^IZT-C-W\d{3}$/;

type CheckDocuments = (documents: readonly IstioDocument[]) => CheckFinding[];

interface Finding {
  kind: string;
  namespace: string;
  name: string;
  severity: string;
  code: string;
}

const scenarioIds = readdirSync(CONFORMANCE_DIR)
  .filter((id) => existsSync(path.join(CONFORMANCE_DIR, id, EXPECTED_FILE)))
  .sort();
const table = readTable();
let check: (documents: readonly IstioDocument[]) => Finding[] = lintOnly;
let pinned: (line: string) => boolean = (line) => LINT_CODE.test(line.split(' ')[1] ?? '');

describe('check over the conformance scenarios', () => {
  before(async () => {
    if (!existsSync(RUN_SOURCE)) return;
    const run = (await import(RUN_MODULE)) as { checkDocuments: CheckDocuments };
    check = run.checkDocuments;
    pinned = () => true;
  });

  for (const id of scenarioIds) {
    test(`${id} gets exactly its pinned findings and no error`, () => {
      const findings = check(scenarioDocuments(id));
      const errors = findings.filter((finding) => finding.severity === 'error');
      assert.deepEqual(errors.map(findingLine), [], 'a documented scenario got an error');
      assert.ok(id in table, `${id} has no entry in ${path.relative(PROJECT_ROOT, TABLE_FILE)}`);
      assert.deepEqual(findings.map(findingLine).sort(), table[id]!.filter(pinned));
    });
  }

  test('the table lists only existing scenarios, each with sorted lines', () => {
    for (const [id, lines] of Object.entries(table)) {
      assert.ok(scenarioIds.includes(id), `table entry ${id} has no scenario`);
      assert.deepEqual(lines, [...lines].sort(), `${id}: lines are not sorted`);
    }
  });

  test('the documented TCP DENY with methods and no ports gets the DENY-without-ports warning once', () => {
    // istiod's own warning; IZT-C-W001 would say the same again on the same rule.
    const findings = check(scenarioDocuments('24-authz-tcp-deny-http-only-field'));
    const lines = findings.map(findingLine).filter((line) => pinned(line));
    const expected = ['AuthorizationPolicy/foo/tcp-policy IZT-C-WH-DENY-HTTP-ONLY'];
    assert.deepEqual(lines, expected.filter(pinned));
  });

  test('the same DENY scoped with ports gets no warning', () => {
    const lines = lintLines(check(scenarioDocuments('25-authz-tcp-deny-http-only-field-port')));
    assert.deepEqual(lines, []);
  });
});

function lintOnly(documents: readonly IstioDocument[]): Finding[] {
  const fromDocuments = documents.flatMap((document) =>
    LINT_DOCUMENT_RULES.flatMap((rule) => rule(document)).map((finding) => ({
      ...finding,
      ...documentFields(document),
    })),
  );
  const fromInput = LINT_INPUT_RULES.flatMap((rule) => rule(documents)).map(
    ({ document, finding }) => ({ ...finding, ...documentFields(document) }),
  );
  return [...fromDocuments, ...fromInput];
}

function documentFields(document: IstioDocument) {
  return { kind: document.kind, namespace: document.namespace, name: document.name };
}

function lintLines(findings: readonly Finding[]): string[] {
  return findings
    .filter((finding) => LINT_CODE.test(finding.code))
    .map(findingLine)
    .sort();
}

function findingLine(finding: Finding): string {
  return `${finding.kind}/${finding.namespace}/${finding.name} ${finding.code}`;
}

function readTable(): Record<string, string[]> {
  const parsed = yaml.load(readFileSync(TABLE_FILE, 'utf8')) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(parsed).map(([id, lines]) => {
      assert.ok(Array.isArray(lines), `${id}: expected a list of lines`);
      return [id, lines.map(String)];
    }),
  );
}

/** The security documents of a scenario's expected.yaml, as the check reader would give them. */
function scenarioDocuments(id: string): IstioDocument[] {
  const file = path.join(CONFORMANCE_DIR, id, EXPECTED_FILE);
  const text = readFileSync(file, 'utf8');
  return yaml.loadAll(text).flatMap((object, documentIndex) => {
    if (typeof object !== 'object' || object === null) return [];
    const record = object as Record<string, unknown>;
    const kind = record.kind as SecurityKind;
    if (!SECURITY_KINDS.includes(kind)) return [];
    const metadata = (record.metadata ?? {}) as Record<string, unknown>;
    return [
      {
        file: path.relative(PROJECT_ROOT, file),
        documentIndex,
        line: 1,
        apiVersion: String(record.apiVersion),
        kind,
        namespace: String(metadata.namespace ?? ''),
        name: String(metadata.name ?? ''),
        object: record,
      },
    ];
  });
}
