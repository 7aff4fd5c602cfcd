// Layers values the way `helm template -f a.yaml -f b.yaml` does, measured with Helm 3.17.3 and
// Helm 4.1.4 (both behave alike):
//
// 1. The user's files merge first, in order: maps merge deeply, a later value replaces an earlier
//    one, a map replaces a non-map and the other way round, and `null` is kept as a value.
// 2. The result is laid over chart/values.yaml: keys only the chart has are copied in, maps the
//    chart also has merge deeply, a user non-map replaces a chart map, and a user `null` deletes
//    the key, but only where the chart defines that key. A `null` anywhere else stays a null
//    value: for a policy entry the chart reads it as "removed", for a label it fails the schema.
//
//   import { coalesceValues } from './lib/coalesce.js';
//   const values = coalesceValues(chartDefaults, [fileA, fileB]);

import { isValuesMap, type ValuesMap } from './yaml-values.js';

/** The values Helm renders with: the chart's defaults coalesced with the user's layers. */
export function coalesceValues(defaults: ValuesMap, layers: readonly unknown[]): ValuesMap {
  return coalesceWithDefaults(defaults, mergeUserLayers(layers));
}

/** Helm's merge of several `-f` files: later files win, nulls are kept. */
export function mergeUserLayers(layers: readonly unknown[]): ValuesMap {
  let merged: ValuesMap = {};
  layers.forEach((layer, index) => {
    merged = mergeMaps(merged, asLayer(layer, index));
  });
  return merged;
}

/** Lays the merged user values over the chart's defaults; neither input is changed. */
export function coalesceWithDefaults(defaults: ValuesMap, user: ValuesMap): ValuesMap {
  return coalesceTables(deepCopy(user), defaults);
}

// Helm's mergeMaps (pkg/cli/values): a map merges into a map, anything else replaces.
function mergeMaps(base: ValuesMap, next: ValuesMap): ValuesMap {
  const out: ValuesMap = {};
  for (const [key, value] of Object.entries(base)) setOwn(out, key, value);
  for (const [key, value] of Object.entries(next)) {
    const current = ownValue(out, key);
    setOwn(
      out,
      key,
      isValuesMap(value) && isValuesMap(current) ? mergeMaps(current, value) : value,
    );
  }
  return out;
}

// Helm's coalesceTablesFullKey with the chart as source: user values win, except that a user
// null deletes a key the chart has.
function coalesceTables(user: ValuesMap, chart: ValuesMap): ValuesMap {
  for (const [key, chartValue] of Object.entries(chart)) {
    if (!Object.hasOwn(user, key)) {
      setOwn(user, key, deepCopy(chartValue));
      continue;
    }
    const userValue = user[key];
    if (userValue === null) {
      delete user[key];
    } else if (isValuesMap(userValue) && isValuesMap(chartValue)) {
      coalesceTables(userValue, chartValue);
    }
    // Otherwise the user's value stays, whatever the chart has there (Helm warns and keeps it).
  }
  return user;
}

function asLayer(layer: unknown, index: number): ValuesMap {
  if (layer === null || layer === undefined) return {};
  if (!isValuesMap(layer)) {
    throw new TypeError(`values layer ${index + 1} is not a map of keys to values`);
  }
  return layer;
}

function ownValue(map: ValuesMap, key: string): unknown {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

// A key such as "__proto__" from a values file must stay an ordinary key.
function setOwn(map: ValuesMap, key: string, value: unknown): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

function deepCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => deepCopy(item)) as T;
  if (!isValuesMap(value)) return value;
  const copy: ValuesMap = {};
  for (const [key, item] of Object.entries(value)) setOwn(copy, key, deepCopy(item));
  return copy as T;
}
