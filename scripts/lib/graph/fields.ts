// Reading fields of parsed policies as data, and the one text order the graph's output uses.

import type { IstioDocument } from '../check/types.js';

/** The document's spec; {} when it has none. */
export function specOf(document: IstioDocument): Record<string, unknown> {
  const spec = document.object.spec;
  return isRecord(spec) ? spec : {};
}

/** The maps of a list; [] when the value is not a list. */
export function recordsOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** The strings of a list; [] when the value is not a list. */
export function stringsOf(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

/** A map; not a list, and not a date (which YAML makes of an unquoted `2024-01-01`). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

/** Code-unit order, the same on every machine (localeCompare is not). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
