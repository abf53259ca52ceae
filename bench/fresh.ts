/**
 * Timing of code-shipping codecs on messages whose source text is new on every message, so no
 * encode or decode can hit the engine's cache of evaluated sources (V8 and JavaScriptCore cache
 * them by text; decoding the same bytes again flattered this library by 4-5x).
 *
 * Each message is used once: per round, every contestant (in rotated order, after a forced GC)
 * gets a batch of messages built for it alone (untimed), encodes them (timed), then decodes those
 * encodings (timed); one decoded message per round is checked by running its functions. The
 * result per phase is the median per-message time over the rounds, as in harness.ts.
 *
 * With `warmEncode`, the timed encodes are of one message built at the start and encoded again
 * and again (a sender shipping the same functions again: caches keyed by the function may hit),
 * while the batch's new messages are encoded untimed and their encodings decoded (timed), so the
 * decode side still sees new source text every time.
 *
 * @module
 */

import { collectGarbage, sink, type Timing } from "./harness.ts";
import type { Codec, Encoded } from "./peers.ts";

/** A message: the value and a check of a decoded copy (null when right). */
export interface FreshMessage {
  readonly value: unknown;
  check(decoded: unknown): string | null;
}

/** Result for one contestant. */
export interface FreshResult {
  encode?: Timing;
  decode?: Timing;
  /** Size of the first message's encoding (bytes; UTF-8 bytes for text). */
  size?: number;
  /** Set when the contestant throws or decodes wrongly (then there are no timings). */
  error?: string;
}

const utf8 = new TextEncoder();
const sizeOf = (e: Encoded): number => typeof e === "string" ? utf8.encode(e).length : e.byteLength;

function timing(samples: number[], ops: number): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number): number => {
    const pos = (s.length - 1) * p;
    const lo = Math.floor(pos);
    return s[lo] + (s[Math.ceil(pos)] - s[lo]) * (pos - lo);
  };
  const med = q(0.5);
  return { msPerOp: med, spread: med > 0 ? (q(0.75) - q(0.25)) / med : 0, batches: s.length, ops };
}

const errText = (err: unknown): string =>
  (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split("\n")[0].slice(0, 150);

/** A codec under test, and whether its encodes are timed on one warm message. */
export interface FreshContestant {
  readonly codec: Codec;
  readonly warmEncode: boolean;
}

interface State {
  readonly codec: Codec;
  /** The message encoded again and again (warmEncode), else undefined. */
  readonly warm: FreshMessage | undefined;
  readonly result: FreshResult;
  batch: number;
  enc: number[];
  dec: number[];
  /** Wall ms of the recorded batches (building and untimed encodes included). */
  spent: number;
  ops: number;
}

/**
 * One batch: build `n` messages, time their encodes, then their decodes; check one. Returns the
 * timed milliseconds (encodes and decodes).
 */
function batch(st: State, make: () => FreshMessage, n: number, record: boolean): number {
  const wall = performance.now();
  const msgs: FreshMessage[] = [];
  for (let i = 0; i < n; i++) msgs.push(make());
  const out: Encoded[] = new Array(n);
  const { codec, warm } = st;
  let t: number;
  let encMs: number;
  if (warm) {
    for (let i = 0; i < n; i++) out[i] = codec.encode(msgs[i].value);
    // The garbage of those untimed encodes (first pickling parses each new function) is not
    // the timed work's: collected now, not during the timed encodes and decodes.
    if (record) collectGarbage();
    t = performance.now();
    for (let i = 0; i < n; i++) sink(codec.encode(warm.value));
    encMs = performance.now() - t;
  } else {
    t = performance.now();
    for (let i = 0; i < n; i++) out[i] = codec.encode(msgs[i].value);
    encMs = performance.now() - t;
  }
  let last: unknown;
  t = performance.now();
  for (let i = 0; i < n; i++) last = codec.decode(out[i]);
  const decMs = performance.now() - t;
  sink(last);
  const bad = msgs[n - 1].check(last);
  if (bad) throw new Error(`decoded message is wrong: ${bad}`);
  st.result.size ??= sizeOf(out[0]);
  if (!record) return encMs + decMs;
  st.enc.push(encMs / n);
  st.dec.push(decMs / n);
  // Wall time, with the untimed building and encoding: a contestant whose untimed encodes are
  // slow (first pickling of new functions) must not hold the run for many times the budget.
  st.spent += performance.now() - wall;
  st.ops += n;
  return encMs + decMs;
}

/**
 * Time the contestants on fresh messages from `make` for about `budgetMs` of wall time each (at
 * least 5 rounds).
 * Returns one result per codec, in order.
 */
export function timeFresh(
  contestants: readonly FreshContestant[],
  make: () => FreshMessage,
  budgetMs: number,
): FreshResult[] {
  const states: State[] = contestants.map(({ codec, warmEncode }) => ({
    codec,
    warm: warmEncode ? make() : undefined,
    result: {},
    batch: 1,
    enc: [],
    dec: [],
    spent: 0,
    ops: 0,
  }));
  // Warm-up (~25% of the budget, at least 30 messages: the engines compile a codec's code
  // for speed only after it has run many times) sizes the batches: ~budget/9 of timed
  // work each, as harness.ts does, but at most ~budget/3 of wall time with the untimed building
  // and encoding. Sized on wall time alone, a contestant whose untimed first pickling is slow
  // got batches of one message, each timed cold right after a forced GC: twice its steady
  // per-message time on V8, against a peer timed in long batches.
  for (const st of states) {
    try {
      const t0 = performance.now();
      let n = 0;
      let timed = 0;
      do {
        timed += batch(st, make, 1, false);
        n++;
      } while (n < 30 || performance.now() - t0 < budgetMs / 4);
      const wallEach = (performance.now() - t0) / n;
      const timedEach = Math.max(timed / n, 1e-3);
      st.batch = Math.max(
        1,
        Math.min(Math.round(budgetMs / 9 / timedEach), Math.round(budgetMs / 3 / wallEach)),
      );
    } catch (err) {
      st.result.error = errText(err);
    }
  }
  const live = states.filter((s) => !s.result.error);
  const needs = (s: State): boolean =>
    !s.result.error && (s.enc.length < 5 || (s.spent < budgetMs && s.enc.length < 99));
  for (let round = 0; live.some(needs); round++) {
    collectGarbage();
    for (let i = 0; i < live.length; i++) {
      const st = live[(i + round) % live.length];
      if (!needs(st)) continue;
      try {
        batch(st, make, st.batch, true);
      } catch (err) {
        st.result.error = errText(err);
      }
    }
  }
  for (const st of live) {
    if (st.result.error) continue;
    st.result.encode = timing(st.enc, st.ops);
    st.result.decode = timing(st.dec, st.ops);
  }
  return states.map((s) => s.result);
}
