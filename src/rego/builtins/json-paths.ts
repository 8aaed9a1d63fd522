/**
 * Path-based JSON builtins: `json.filter`, `json.remove` (paths as `"a/b/0"` strings or arrays of
 * segments) and `json.patch` (RFC 6902 operations with JSON Pointer or array paths).
 */
import { builtinError, typeError } from './builtin-error.ts';
import type { JsBuiltinTable } from './js-builtin.ts';
import { defineBuiltin } from './js-builtin.ts';
import type { JsonObject, JsonValue } from './value.ts';
import { isObject, objectKeyOf, typeNameOf, valuesEqual } from './value.ts';

type Segment = JsonValue;

/** A prefix tree of paths; `true` marks the end of a path (the whole subtree). */
type PathTree = Map<string, PathTree | true>;

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePaths(name: string, paths: JsonValue): Segment[][] {
  if (!Array.isArray(paths)) throw typeError(name, `operand 2 must be one of {set, array} but got ${typeNameOf(paths)}`);
  return paths.map((p) => {
    if (typeof p === 'string') {
      const trimmed = p.replace(/^\/+|\/+$/g, '');
      return trimmed === '' ? [] : trimmed.split('/').map(unescapePointer);
    }
    if (Array.isArray(p)) return p;
    throw typeError(name, `operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeNameOf(p)}`);
  });
}

function buildTree(paths: Segment[][]): PathTree | true {
  const root: PathTree = new Map();
  for (const path of paths) {
    if (path.length === 0) return true;
    let node: PathTree = root;
    for (let i = 0; i < path.length; i++) {
      const key = objectKeyOf(path[i]!);
      const existing = node.get(key);
      if (existing === true) break;
      if (i === path.length - 1) {
        node.set(key, true);
        break;
      }
      const child: PathTree = existing ?? new Map();
      node.set(key, child);
      node = child;
    }
  }
  return root;
}

/**
 * The subtree for an array element: by index; failing that by value, which is how a path names a
 * member of a set (sets arrive as arrays). A number is never matched by value, to keep `"a/1"` an index.
 */
function arrayChild(tree: PathTree, index: number, item: JsonValue): PathTree | true | undefined {
  return tree.get(String(index)) ?? (typeof item === 'number' ? undefined : tree.get(objectKeyOf(item)));
}

function filterValue(value: JsonValue, tree: PathTree | true): JsonValue | undefined {
  if (tree === true) return value;
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, sub] of tree) {
      if (!Object.hasOwn(value, k)) continue;
      const v = filterValue(value[k]!, sub);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    value.forEach((item, i) => {
      const sub = arrayChild(tree, i, item);
      if (sub === undefined) return;
      const v = filterValue(item, sub);
      if (v !== undefined) out.push(v);
    });
    return out;
  }
  return undefined;
}

function removeValue(value: JsonValue, tree: PathTree | true): JsonValue | undefined {
  if (tree === true) return undefined;
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const sub = tree.get(k);
      if (sub === undefined) out[k] = v;
      else {
        const kept = removeValue(v, sub);
        if (kept !== undefined) out[k] = kept;
      }
    }
    return out;
  }
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    value.forEach((item, i) => {
      const sub = arrayChild(tree, i, item);
      if (sub === undefined) out.push(item);
      else {
        const kept = removeValue(item, sub);
        if (kept !== undefined) out.push(kept);
      }
    });
    return out;
  }
  return value;
}

class PatchError extends Error {}

function pointer(path: JsonValue): string[] {
  if (Array.isArray(path)) return path.map(objectKeyOf);
  if (typeof path !== 'string') throw new PatchError('path must be a string or an array');
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path.slice(1).split('/').map(unescapePointer);
}

function clone(v: JsonValue): JsonValue {
  return structuredClone(v);
}

function arrayIndex(arr: JsonValue[], key: string, forAdd: boolean): number {
  if (forAdd && key === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw new PatchError(`invalid array index ${JSON.stringify(key)}`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new PatchError(`array index ${i} out of range`);
  return i;
}

function getAt(doc: JsonValue, path: string[]): JsonValue {
  let cur = doc;
  for (const key of path) {
    if (isObject(cur) && Object.hasOwn(cur, key)) cur = cur[key]!;
    else if (Array.isArray(cur)) cur = cur[arrayIndex(cur, key, false)]!;
    else throw new PatchError(`path ${JSON.stringify('/' + path.join('/'))} does not exist`);
  }
  return cur;
}

/** Apply one change at `path`: add (insert), remove, or replace. Returns the new document. */
function change(doc: JsonValue, path: string[], op: 'add' | 'remove' | 'replace', value?: JsonValue): JsonValue {
  if (path.length === 0) {
    if (op === 'remove') throw new PatchError('cannot remove the root document');
    return value!;
  }
  const parent = getAt(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (isObject(parent)) {
    if (op !== 'add' && !Object.hasOwn(parent, key)) throw new PatchError(`path ${JSON.stringify('/' + path.join('/'))} does not exist`);
    if (op === 'remove') delete parent[key];
    else parent[key] = value!;
  } else if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, op === 'add');
    if (op === 'add') parent.splice(i, 0, value!);
    else if (op === 'remove') parent.splice(i, 1);
    else parent[i] = value!;
  } else throw new PatchError(`path ${JSON.stringify('/' + path.join('/'))} does not exist`);
  return doc;
}

function applyPatch(doc: JsonValue, patches: JsonValue[]): JsonValue {
  let out = clone(doc);
  for (const p of patches) {
    if (!isObject(p) || typeof p['op'] !== 'string' || p['path'] === undefined) throw new PatchError('each patch must be an object with "op" and "path"');
    const path = pointer(p['path']);
    switch (p['op']) {
      case 'add':
      case 'replace':
        if (p['value'] === undefined) throw new PatchError(`${p['op']} needs "value"`);
        out = change(out, path, p['op'], clone(p['value']));
        break;
      case 'remove':
        out = change(out, path, 'remove');
        break;
      case 'move':
      case 'copy': {
        const from = pointer(p['from'] ?? null);
        const value = clone(getAt(out, from));
        if (p['op'] === 'move') out = change(out, from, 'remove');
        out = change(out, path, 'add', value);
        break;
      }
      case 'test':
        if (p['value'] === undefined) throw new PatchError("missing 'value' parameter");
        if (!valuesEqual(getAt(out, path), p['value'] ?? null)) throw new PatchError('test operation failed');
        break;
      default:
        throw new PatchError(`unknown patch operation ${JSON.stringify(p['op'])}`);
    }
  }
  return out;
}

/** The path-based JSON builtins by name. */
export const jsonPathBuiltins: JsBuiltinTable = {
  'json.filter': defineBuiltin('json.filter', (obj, paths) => filterValue(obj!, buildTree(parsePaths('json.filter', paths!))), {
    unchecked: [2],
  }),
  'json.remove': defineBuiltin('json.remove', (obj, paths) => removeValue(obj!, buildTree(parsePaths('json.remove', paths!))) ?? {}, {
    unchecked: [2],
  }),
  'json.patch': defineBuiltin('json.patch', (doc, patches) => {
    try {
      return applyPatch(doc!, patches as JsonValue[]);
    } catch (err) {
      if (err instanceof PatchError) throw builtinError('json.patch', err.message, err);
      throw err;
    }
  }),
};
