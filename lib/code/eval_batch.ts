/**
 * Functions by value evaluated in batches on load. Evaluating source text costs a fixed
 * amount per evaluation (the engine compiles a new script each time: 6-10 µs for a short new
 * source), so a run of functions that are siblings in one array or object, share one scope and
 * carry nothing of their own (no property but what their source gives) is evaluated in ONE
 * evaluation, `[f1, f2, …]`, as soon as the first of them that is proven to be such a
 * sibling is read; the others are taken from it when the decoder reaches them.
 *
 * Safety:
 * - Only functions whose evaluation runs nothing are batched (function, arrow and method
 *   expressions; no class: its heritage and computed keys run), so evaluating them early
 *   changes no result.
 * - A run starts at a function that is proven to be an item read by the frame's own loop (the
 *   loop started reading its item right where the function's tag is, and no frame was pushed
 *   since; or the previous function ended exactly where it starts, and the frame moved on by
 *   one item): the bytes that follow are then the frame's next items, scanned without reading
 *   them as values. So the first function of an array starts its batch.
 * - Each evaluated function's text must be exactly its source (`Function.prototype.toString`),
 *   which holds only when the source is one function expression: a source that closes the
 *   brackets around it to add or change functions fails the check. Any failure (a source
 *   that is sloppy-mode code only, a check that fails) evaluates the function alone instead,
 *   where the same check makes a hostile source an UnpicklingError.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { readStr } from "../format/module_table.ts";
import type { DecodeFrame, Decoder } from "../pickle/decoder.ts";
import { K_ARRAY, K_OBJECT } from "../pickle/decode_table.ts";
import {
  FORM_CLASS,
  FORM_METHOD,
  memberOf,
  rememberKeyedSource,
  type ScopeHandle,
  scopeOrTop,
  withoutKey,
} from "./functions.ts";
import { createsClosures } from "./loaded_instrument.ts";

const fnToString = Function.prototype.toString;
const isArray = Array.isArray;

/** Most functions one evaluation takes, and most source text (UTF-16 units). */
const BATCH_MAX = 512;
const BATCH_TEXT_MAX = 1 << 20;

/** The state of the current run of sibling functions. */
interface Run {
  dec: Decoder;
  /** The bytes read. */
  buf: Uint8Array;
  /** The frame's container and depth. */
  target: unknown;
  top: number;
  scope: ScopeHandle | null;
  /** The frame's item index the next function of the run must have, and its offset. */
  index: number;
  end: number;
  /**
   * Functions evaluated ahead: offsets of their FUNCTION tags, sources, where each source's
   * bytes end, the functions.
   */
  at: number[];
  sources: string[];
  ends: number[];
  fns: unknown[];
  next: number;
  /** A batch of this run failed: the rest is evaluated one by one. */
  failed: boolean;
}

let run: Run | undefined;

/** A new run of frame `f`: its next function is item f.i + 1, due after the 4 bytes at `end`. */
function newRun(dec: Decoder, f: DecodeFrame, scope: ScopeHandle | null, end: number): Run {
  return {
    dec,
    buf: dec.r.buf,
    target: f.target,
    top: dec.top,
    scope,
    index: f.i + 1,
    end: end + 4,
    at: [],
    sources: [],
    ends: [],
    fns: [],
    next: 0,
    failed: false,
  };
}

/** What the batches did in this process (read by tests): evaluations, functions they made. */
export const batchCounts = { evaluations: 0, functions: 0 };

/**
 * The source of the function whose FUNCTION tag is at `at` when a batch read it already (its
 * bytes are these same bytes), the reader moved past it; else undefined (nothing read).
 */
export function sourceReadAhead(dec: Decoder, at: number): string | undefined {
  const s = run;
  if (
    s === undefined || s.dec !== dec || s.next >= s.at.length || s.at[s.next] !== at ||
    s.buf !== dec.r.buf || s.top !== dec.top || dec.frames[dec.top]?.target !== s.target
  ) return undefined;
  const end = s.ends[s.next];
  if (end < 0) return undefined;
  dec.r.pos = end;
  return s.sources[s.next];
}

/**
 * The function for the FUNCTION tag at `at` (its header and scope operand read, the reader
 * at its property lists), evaluated in a batch; undefined when it is to be evaluated alone.
 */
export function batched(
  dec: Decoder,
  at: number,
  form: number,
  member: number,
  source: string,
  scope: ScopeHandle | null,
  newScope: boolean,
): unknown {
  if (form >= FORM_CLASS) return undefined;
  const r = dec.r;
  const buf = r.buf;
  const p = r.pos;
  // Nothing of its own: two empty property lists (count 0, integrity 0).
  if (p + 4 > r.end || buf[p] !== 0 || buf[p + 1] !== 0 || buf[p + 2] !== 0 || buf[p + 3] !== 0) {
    return undefined;
  }
  const f = dec.frames[dec.top];
  if (f === undefined || (f.kind !== K_ARRAY && f.kind !== K_OBJECT)) return undefined;
  let s = run;
  if (s !== undefined && (s.dec !== dec || s.target !== f.target || s.top !== dec.top)) {
    s = undefined;
  }
  if (s !== undefined && s.next < s.at.length) {
    if (
      s.at[s.next] === at && s.index === f.i && s.sources[s.next] === source && s.scope === scope
    ) {
      s.index = f.i + 1;
      s.end = p + 4;
      return s.fns[s.next++];
    }
    s = undefined;
  }
  let proven = s !== undefined && !s.failed && s.index === f.i && s.end === at &&
    s.scope === scope && !newScope;
  // Read by the frame loop itself (it starts where the loop reads its item f.i) with no
  // frame pushed since (no new scope): the frame's next items follow its lists. A frame
  // whose batch failed is read one by one.
  if (!proven && dec.framedAt === at && !newScope && (s === undefined || !s.failed)) {
    proven = true;
    s = undefined;
  }
  if (!proven || createsClosures(source)) {
    // Where the next sibling must start to be proven (after a new scope come its values).
    if (s !== undefined && s.scope === scope) {
      s.index = f.i + 1;
      s.end = p + 4;
    } else {
      run = newRun(dec, f, scope, p);
    }
    return undefined;
  }
  // Proven: this function is item f.i of the frame; its next items follow its lists.
  const st = s ?? (run = newRun(dec, f, scope, p));
  st.at = [at];
  st.sources = [source];
  st.ends = [-1];
  const forms = [form];
  const members = [member];
  let text = source.length;
  const left = f.n - f.i - 1;
  let q = p + 4;
  const saved = r.pos;
  try {
    for (let k = 0; k < left && st.at.length < BATCH_MAX; k++) {
      if (q + 4 > r.end || buf[q] !== T.FUNCTION) break;
      const fo = buf[q + 1];
      const me = buf[q + 2];
      if (fo >= FORM_CLASS || me > 2) break;
      r.pos = q + 3;
      let src: string;
      try {
        src = readStr(r);
      } catch {
        break;
      }
      const srcEnd = r.pos;
      let e = srcEnd;
      if (scope === null) {
        if (buf[e] !== T.NULL) break;
        e++;
      } else {
        if (buf[e] !== T.REF) break;
        let id = 0;
        let scale = 1;
        let b = 0x80;
        for (let i = 0; i < 4 && b >= 0x80; i++) {
          b = buf[++e];
          id += (b & 0x7f) * scale;
          scale *= 128;
        }
        if (b >= 0x80 || dec.memo[id] !== scope) break;
        e++;
      }
      if (
        e + 4 > r.end || buf[e] !== 0 || buf[e + 1] !== 0 || buf[e + 2] !== 0 || buf[e + 3] !== 0
      ) {
        break;
      }
      if ((text += src.length) > BATCH_TEXT_MAX || createsClosures(src)) break;
      st.at.push(q);
      st.sources.push(src);
      st.ends.push(srcEnd);
      forms.push(fo);
      members.push(me);
      q = e + 4;
    }
  } finally {
    r.pos = saved;
  }
  const n = st.at.length;
  const fns = n === 1 ? undefined : evaluateAll(scope, st.sources, forms, members);
  if (fns === undefined) {
    st.failed = n > 1;
    st.at = [];
    st.sources = [];
    st.ends = [];
    st.index = f.i + 1;
    st.end = p + 4;
    return undefined;
  }
  batchCounts.evaluations++;
  batchCounts.functions += n;
  st.fns = fns;
  st.next = 1;
  st.index = f.i + 1;
  st.end = p + 4;
  return fns[0];
}

/**
 * Evaluates `sources` in one evaluation in `scope`; undefined when that fails or any function's
 * text is not its source (see the module documentation).
 */
function evaluateAll(
  scope: ScopeHandle | null,
  sources: readonly string[],
  forms: readonly number[],
  members: readonly number[],
): unknown[] | undefined {
  const texts: string[] = new Array(sources.length);
  for (let i = 0; i < sources.length; i++) {
    const src = sources[i];
    texts[i] = forms[i] === FORM_METHOD ? withoutKey(src) : src;
  }
  let text = "[";
  for (let i = 0; i < texts.length; i++) {
    if (i > 0) text += ",\n";
    // No parentheses around a function: V8 compiles a parenthesized function eagerly, as a
    // likely immediately-invoked one (twice the cost); an array element needs none.
    text += forms[i] === FORM_METHOD ? `({${texts[i]}})` : texts[i];
  }
  text += "]";
  let made: unknown;
  try {
    made = scopeOrTop(scope).d(text);
  } catch {
    return undefined;
  }
  if (!isArray(made) || made.length !== sources.length) return undefined;
  const out: unknown[] = new Array(sources.length);
  try {
    for (let i = 0; i < sources.length; i++) {
      let fn: unknown = made[i];
      if (forms[i] === FORM_METHOD) {
        if (fn === null || typeof fn !== "object") return undefined;
        fn = memberOf(fn, members[i]);
      }
      if (typeof fn !== "function" || fnToString.call(fn) !== texts[i]) return undefined;
      if (forms[i] === FORM_METHOD) rememberKeyedSource(fn, sources[i]);
      out[i] = fn;
    }
  } catch {
    return undefined;
  }
  return out;
}
