// Reading request and response fields. Every function accepts any JSON (requestParameters can hold
// arrays where objects are expected, numbers as strings, or nothing at all) and never throws.
import { isObject, obj, str } from '../../core/event';
import type { JsonObject, JsonValue, TrailEvent } from '../../core/types';

/** The first non-empty `requestParameters[key]` of `keys`, as a string ('' when absent or not scalar). */
export function param(e: TrailEvent, ...keys: string[]): string {
  for (const key of keys) {
    const value = str(e.requestParameters[key]);
    if (value !== '') return value;
  }
  return '';
}

/**
 * The first non-empty `requestParameters` field of `keys`, as a string: exact spelling first, then
 * any letter case (services spell the same request field `ControlStatus` or `controlStatus`).
 */
export function req(e: TrailEvent, ...keys: string[]): string {
  const source = e.requestParameters;
  for (const key of keys) {
    const value = str(source[key]);
    if (value !== '') return value;
  }
  const wanted = new Set(keys.map((k) => k.toLowerCase()));
  for (const [key, value] of Object.entries(source)) {
    if (wanted.has(key.toLowerCase())) {
      const text = str(value);
      if (text !== '') return text;
    }
  }
  return '';
}

/**
 * A member of `o` by any of `keys`, exact spelling first, then any letter case (CloudTrail writes
 * camelCase where the API documents PascalCase, and S3 and EC2 records mix both); undefined when
 * absent or when `o` is not an object.
 */
export function child(o: unknown, ...keys: string[]): JsonValue | undefined {
  if (!isObject(o)) return undefined;
  for (const key of keys) if (Object.hasOwn(o, key)) return o[key];
  const wanted = new Set(keys.map((k) => k.toLowerCase()));
  for (const [key, value] of Object.entries(o)) if (wanted.has(key.toLowerCase())) return value;
  return undefined;
}

/** `str` of a nested path, '' when any step is missing. */
export function path(root: unknown, ...keys: string[]): string {
  let current: unknown = root;
  for (const key of keys) current = obj(current)[key];
  return str(current);
}

/** A list field: an array as is, a single value wrapped, nothing for null or absent. */
export function listOf(value: unknown): JsonValue[] {
  if (Array.isArray(value)) return value as JsonValue[];
  if (value === undefined || value === null) return [];
  return [value as JsonValue];
}

/** The objects of a list field (a lone object counts as a list of one); other entries dropped. */
export function objectsOf(value: unknown): JsonObject[] {
  return listOf(value).filter(isObject);
}

/** The objects of an EC2 `{ items: [...] }` set (a bare array or a lone object is accepted too). */
export function itemsOf(set: unknown): JsonObject[] {
  return objectsOf(isObject(set) && 'items' in set ? set.items : set);
}

/** The strings of a value that may be a string or a list of strings (numbers as text); others and '' dropped. */
export function stringsOf(value: unknown): string[] {
  return listOf(value)
    .map((v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : ''))
    .filter((v) => v !== '');
}

/** A JSON boolean, or the strings "true"/"false" (any case); undefined for anything else. */
export function boolOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lowered = value.trim().toLowerCase();
    if (lowered === 'true') return true;
    if (lowered === 'false') return false;
  }
  return undefined;
}

/** `true`, or the string "true" in any case. */
export function isTrue(value: unknown): boolean {
  return boolOf(value) === true;
}

/** An integer from a number or a numeric string; undefined for anything else. */
export function toInt(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d{1,10}\s*$/.test(value)) return Number.parseInt(value, 10);
  return undefined;
}

/**
 * Strings anywhere inside `value` that pass `keep`, depth-first, at most `limit` of them and
 * at most `maxNodes` nodes visited: a hostile, deeply nested request cannot make this slow.
 */
export function collectStrings(
  value: JsonValue | undefined,
  keep: (text: string) => boolean,
  limit = 20,
  maxNodes = 2000,
): string[] {
  const found: string[] = [];
  const stack: (JsonValue | undefined)[] = [value];
  let visited = 0;
  while (stack.length > 0 && found.length < limit && visited < maxNodes) {
    const node = stack.pop();
    visited += 1;
    if (typeof node === 'string') {
      if (keep(node)) found.push(node);
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i -= 1) stack.push(node[i]);
    } else if (isObject(node)) {
      const values = Object.values(node);
      for (let i = values.length - 1; i >= 0; i -= 1) stack.push(values[i]);
    }
  }
  return found;
}

/**
 * Some member of an object anywhere inside `value` passes `test`. The walk is depth-first and
 * bounded (at most `maxNodes` nodes, the first `maxItems` items of each array): a hostile, deeply
 * nested request cannot make it slow.
 */
export function someMember(
  value: JsonValue | undefined,
  test: (key: string, member: JsonValue) => boolean,
  maxNodes: number,
  maxItems: number,
): boolean {
  const stack: (JsonValue | undefined)[] = [value];
  let visited = 0;
  while (stack.length > 0 && visited < maxNodes) {
    const node = stack.pop();
    visited += 1;
    if (Array.isArray(node)) stack.push(...node.slice(0, maxItems));
    else if (isObject(node)) {
      for (const [key, member] of Object.entries(node)) {
        if (test(key, member)) return true;
        if (isObject(member) || Array.isArray(member)) stack.push(member);
      }
    }
  }
  return false;
}
