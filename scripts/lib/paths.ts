// Paths of the project's files, so that scripts and tests agree on them.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHART_DIR = path.join(PROJECT_ROOT, 'chart');
export const SOURCE_SCHEMA = path.join(PROJECT_ROOT, 'values-schema.json');
export const CHART_SCHEMA = path.join(CHART_DIR, 'values.schema.json');
export const CHART_VALUES = path.join(CHART_DIR, 'values.yaml');
export const CHART_README = path.join(CHART_DIR, 'README.md');
export const PROJECT_README = path.join(PROJECT_ROOT, 'README.md');
export const GENERATED_DIR = path.join(PROJECT_ROOT, 'generated');
export const GENERATED_TYPES = path.join(GENERATED_DIR, 'values.ts');
export const GENERATED_VALUES_DIR = path.join(GENERATED_DIR, 'values');
export const EXAMPLES_DIR = path.join(PROJECT_ROOT, 'examples');

/** A path relative to the project root with forward slashes, for messages. */
export function projectRelative(file: string): string {
  return path.relative(PROJECT_ROOT, file).split(path.sep).join('/');
}
