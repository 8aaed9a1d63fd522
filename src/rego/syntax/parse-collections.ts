/**
 * Collection parsing: arrays, sets and objects, and their comprehensions. `[x | body]` is a
 * comprehension rather than an array holding `or(x, body)`, as in OPA; when a comprehension body fails
 * to parse the bracket is re-read as a collection whose items may use `|`.
 */
import type { ObjectItem, Position, Term } from './ast.ts';
import { parseBodyUntil } from './parse-body.ts';
import { parseCommaList, parseTerm, parseTermInList, parseTermList } from './parse-terms.ts';
import type { ParserState, SavedState } from './parser-state.ts';

/** `[...]`: an array or an array comprehension. */
export function parseArray(p: ParserState): Term | undefined {
  const start = p.advance().start;
  if (p.is(']')) {
    p.advance();
    return { kind: 'array', span: p.span(start), items: [] };
  }
  const potentialComprehension = !skipLeadingComma(p);
  const saved = p.save();
  // A single term first: `[x | body]` is a comprehension, never an array holding `or(x, body)`.
  const head = parseTerm(p);
  if (head === undefined) return undefined;
  return parseItemsAfterHead(p, { kind: 'array', start, saved, head, potentialComprehension });
}

/** `{...}`: an object, a set, or one of their comprehensions. */
export function parseSetOrObject(p: ParserState): Term | undefined {
  const start = p.advance().start;
  if (p.is('}')) {
    p.advance();
    return { kind: 'object', span: p.span(start), items: [] };
  }
  const potentialComprehension = !skipLeadingComma(p);
  const saved = p.save();
  let head = parseTerm(p);
  if (head === undefined) return undefined;
  if ((p.is('|') && potentialComprehension) || p.is('}') || p.is(',')) {
    return parseItemsAfterHead(p, { kind: 'set', start, saved, head, potentialComprehension });
  }
  if (p.is(':')) return parseObject(p, start, head, potentialComprehension);
  p.restore(saved);
  head = parseTermInList(p);
  if (head === undefined) return undefined;
  if (p.is('}') || p.is(',')) return parseItemsAfterHead(p, { kind: 'set', start, saved, head, potentialComprehension: false });
  if (p.is(':')) return parseObject(p, start, head, potentialComprehension);
  p.unexpected('",", ":" or "}" in the set or object');
  return undefined;
}

/** A leading `,` (`[, x]`) is allowed, and rules out a comprehension. True when there was one. */
function skipLeadingComma(p: ParserState): boolean {
  if (!p.is(',')) return false;
  p.advance();
  return true;
}

/** An array or set whose first item has been parsed. */
interface SequenceHead {
  readonly kind: 'array' | 'set';
  readonly start: Position;
  /** Where the first item began: the whole bracket is re-read from here as a plain list. */
  readonly saved: SavedState;
  readonly head: Term;
  readonly potentialComprehension: boolean;
}

/** The rest of an array or set after its first item: more items, the close, or `| body`. */
function parseItemsAfterHead(p: ParserState, seq: SequenceHead): Term | undefined {
  const { kind, start, head } = seq;
  const end = kind === 'array' ? ']' : '}';
  if (p.is(end)) {
    p.advance();
    return { kind, span: p.span(start), items: [head] };
  }
  if (p.is(',')) {
    p.advance();
    const items = parseTermList(p, end, [head]);
    if (items === undefined) return undefined;
    return { kind, span: p.span(start), items };
  }
  if (p.is('|') && seq.potentialComprehension) {
    p.advance();
    const body = parseBodyUntil(p, end);
    if (body !== undefined) {
      return kind === 'array'
        ? { kind: 'array-comprehension', span: p.span(start), term: head, body }
        : { kind: 'set-comprehension', span: p.span(start), term: head, body };
    }
    if (!p.is(',')) return undefined;
  }
  p.restore(seq.saved);
  const items = parseTermList(p, end);
  if (items === undefined) return undefined;
  return { kind, span: p.span(start), items };
}

/** The rest of `{key: ...}` from the `:`: an object or an object comprehension. */
function parseObject(p: ParserState, start: Position, key: Term, potentialComprehension: boolean): Term | undefined {
  p.advance();
  const saved = p.save();
  const value = parseTerm(p);
  if (value === undefined) return undefined;
  let potentialRelation = true;
  if (potentialComprehension && (p.is('}') || p.is(',') || p.is('|'))) {
    if (!p.is('|')) potentialRelation = false;
    const done = parseObjectFinish(p, start, key, value, true);
    if (done !== undefined) return done;
  }
  p.restore(saved);
  if (potentialRelation) {
    const relValue = parseTermInList(p);
    if (relValue === undefined) return undefined;
    if (p.is('}') || p.is(',')) return parseObjectFinish(p, start, key, relValue, false);
  }
  p.unexpected('",", "|" or "}" in the object');
  return undefined;
}

function parseObjectFinish(p: ParserState, start: Position, key: Term, value: Term, potentialComprehension: boolean): Term | undefined {
  const first = objectItem(p, key, value);
  if (p.is('}')) {
    p.advance();
    return { kind: 'object', span: p.span(start), items: [first] };
  }
  if (p.is('|')) {
    if (!potentialComprehension) {
      p.unexpected('"," or "}" in the object');
      return undefined;
    }
    p.advance();
    const body = parseBodyUntil(p, '}');
    if (body === undefined) return undefined;
    return { kind: 'object-comprehension', span: p.span(start), key, value, body };
  }
  if (p.is(',')) {
    p.advance();
    const items = parsePairList(p, [first]);
    if (items === undefined) return undefined;
    return { kind: 'object', span: p.span(start), items };
  }
  return undefined;
}

function parsePairList(p: ParserState, items: ObjectItem[]): ObjectItem[] | undefined {
  return parseCommaList(p, { end: '}', items, parseItem: () => parsePair(p), expected: '"," or "}" in the object' });
}

/** `key: value` inside an object. */
function parsePair(p: ParserState): ObjectItem | undefined {
  const key = parseTermInList(p);
  if (key === undefined) return undefined;
  if (!p.expect(':', '":" after the object key')) return undefined;
  const value = parseTermInList(p);
  if (value === undefined) return undefined;
  return objectItem(p, key, value);
}

function objectItem(p: ParserState, key: Term, value: Term): ObjectItem {
  return { kind: 'object-item', span: { file: p.file, start: key.span.start, end: value.span.end }, key, value };
}
