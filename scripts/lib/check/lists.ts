// The match lists an object sets: its fields that hold a non-empty list. Rules ask a source or an
// operation about a dozen fields each; reading the object's own few keys once and answering from
// them is much cheaper than looking up every field name in every object.
//
//   import { fieldOrder, listOf, setLists } from './lists.js';
//   const ORDER = fieldOrder(['principals', 'namespaces']);
//   const lists = setLists({ namespaces: ['a'], principals: [] }, ORDER); // namespaces only
//   listOf(lists, 'namespaces'); // ['a']

/** A field of an object and the non-empty list it holds. */
export interface SetList {
  field: string;
  list: unknown[];
}

/** The position of each field name, for setLists. */
export type FieldOrder = ReadonlyMap<string, number>;

/** Each of `fields` with its position. */
export function fieldOrder(fields: readonly string[]): FieldOrder {
  return new Map(fields.map((field, index) => [field, index]));
}

/**
 * The fields of `order` that `object` sets to a non-empty list, in the order of `order`: the same
 * lists as reading each field of `order` in turn, as no field name is one Object.prototype has.
 */
export function setLists(object: Record<string, unknown>, order: FieldOrder): SetList[] {
  const found: SetList[] = [];
  let last = -1;
  let sorted = true;
  for (const field of Object.keys(object)) {
    const position = order.get(field);
    if (position === undefined) continue;
    const list = object[field];
    if (!Array.isArray(list) || list.length === 0) continue;
    found.push({ field, list });
    if (position < last) sorted = false;
    last = position;
  }
  // Written in another order than `order` (seldom): put them in order.
  if (!sorted) found.sort((a, b) => positionOf(order, a.field) - positionOf(order, b.field));
  return found;
}

function positionOf(order: FieldOrder, field: string): number {
  return order.get(field) as number;
}

/** The list `field` holds in `lists`, or undefined. */
export function listOf(lists: readonly SetList[], field: string): unknown[] | undefined {
  for (const set of lists) if (set.field === field) return set.list;
  return undefined;
}

/** Whether one of `fields` is among `lists`. */
export function setsAny(lists: readonly SetList[], fields: readonly string[]): boolean {
  for (const set of lists) if (fields.includes(set.field)) return true;
  return false;
}
