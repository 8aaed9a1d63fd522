// Heap of the policy module: a bump allocator over the imported `env.memory`.
//
// The SDK resets the heap between evaluations (`opa_heap_ptr_set`), so a bump allocator that never
// frees is both the fastest and the simplest correct choice. The heap starts after the runtime's
// static data and the emitter's data segment: the emitter rewrites `staticEnd`.

import { opa_abort } from "./env";

/** End of all static data; rewritten by the emitter to lie past its own data segment. */
export let staticEnd: usize = 0;
let heapPtr: usize = 0;

// @ts-ignore: decorator
@inline
function heapBase(): usize {
  const b = max<usize>(__heap_base, staticEnd);
  return (b + 7) & ~<usize>7;
}

export function heapGet(): usize {
  if (heapPtr == 0) heapPtr = heapBase();
  return heapPtr;
}

export function heapSet(p: usize): void {
  heapPtr = p;
}

/** Allocates `size` bytes, 8-byte aligned, growing the memory when needed. */
export function malloc(size: usize): usize {
  if (heapPtr == 0) heapPtr = heapBase();
  const p = heapPtr;
  const end = p + ((size + 7) & ~<usize>7);
  const have = (<usize>memory.size()) << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) abortStatic(OOM);
  }
  heapPtr = end;
  return p;
}

/** Grows the block at `p` (extending in place when it is the last allocation). */
export function realloc(p: usize, oldSize: usize, newSize: usize): usize {
  if (p != 0 && p + ((oldSize + 7) & ~<usize>7) == heapPtr) {
    heapPtr = p;
    const q = malloc(newSize);
    return q;
  }
  const q = malloc(newSize);
  if (p != 0 && oldSize > 0) memory.copy(q, p, min(oldSize, newSize));
  return q;
}

const OOM = memory.data<u8>([111, 117, 116, 32, 111, 102, 32, 109, 101, 109, 111, 114, 121, 0]);

export function abortStatic(cstr: usize): void {
  opa_abort(cstr);
  unreachable();
}
