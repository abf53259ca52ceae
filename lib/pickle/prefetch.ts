/**
 * The prefetch pass of the async forms (dumps, dump). A first walk of the encoder finds what
 * must be awaited: Blob bytes, promise outcomes, and what the runtime's adapter reads
 * asynchronously (closure scopes, private fields, bound functions). After awaiting, the walk
 * goes on only from what the awaits produced (newly found values), keeping one memo, so each
 * object is examined a bounded number of times however deeply promises nest; when nothing is
 * left, one walk writes the pickle, the only one that calls bufferCallback (once per buffer,
 * in the pickle's order).
 *
 * @module
 */

import { HEADER_MAX } from "../format/tags.ts";
import { blobArrayBuffer, BlobClass } from "../values/intrinsics.ts";
import { PicklingError } from "../errors.ts";
import type { EncodeOptions, Encoder, Settled } from "./encoder.ts";
import type { BoundParts, PrivateFields, ReadScopes, ScopeAdapter } from "../runtime/adapter.ts";
import { isBoundFunction } from "../runtime/bound.ts";
import { scopeAdapter } from "../runtime/detect.ts";
import { locateFunction } from "../runtime/modules/table.ts";
import { recheckModules } from "../runtime/modules/listing.ts";
import { holdInspector, releaseInspector } from "../runtime/inspector/session.ts";
import { withExactIdentities } from "../runtime/inspector/scopes_identity.ts";

async function settle(o: object): Promise<Settled> {
  if (o instanceof BlobClass) {
    return { kind: "bytes", bytes: new Uint8Array(await blobArrayBuffer.call(o)) };
  }
  try {
    return { kind: "fulfilled", value: await o };
  } catch (e) {
    return { kind: "rejected", value: e };
  }
}

/** What one async call has awaited and read so far. */
export class AsyncInputs {
  /** Blob bytes and promise outcomes. */
  readonly settled: Map<object, Settled> = new Map();
  /** Closure scopes read by the runtime's adapter. */
  readonly scopes: Map<object, ReadScopes> = new Map();
  /** What bound functions were made of. */
  readonly bound: Map<object, BoundParts> = new Map();
  /** Private fields of instances and classes. */
  readonly privates: Map<object, PrivateFields> = new Map();
  /** Why the runtime cannot read what the walk asked for, once its adapter said so. */
  unavailable: string | undefined;
  private adapter: ScopeAdapter | undefined;

  /** Objects whose module was looked for again after a miss (once each). */
  readonly rechecked: Set<object> = new Set();
  /** The defining module of functions that import(), by function (null: none known). */
  readonly locations: Map<object, string | null> = new Map();

  /**
   * Learns what the walk could not decide without awaiting: where functions that import()
   * were defined, and the exports of modules imported a moment ago. True when the value must
   * be found again from the root, since what it learned changes how values are written.
   */
  async learnModules(unlocated: object[], misses: object[]): Promise<boolean> {
    if (unlocated.length > 0) {
      for (const fn of unlocated) this.locations.set(fn, (await locateFunction(fn)) ?? null);
      return true;
    }
    if (misses.length === 0) return false;
    for (const m of misses) this.rechecked.add(m);
    const changed = recheckModules(misses);
    return (changed !== false && await changed) || misses.some((m) => typeof m !== "function");
  }

  /** Awaits the Blobs and Promises of `unsettled` and reads what `unread*` need. */
  async take(unsettled: object[], unread: object[], unreadPrivate: object[]): Promise<void> {
    const outcomes = await Promise.all(unsettled.map(settle));
    for (let i = 0; i < unsettled.length; i++) this.settled.set(unsettled[i], outcomes[i]);
    if (unread.length === 0 && unreadPrivate.length === 0) return;
    const adapter = this.adapter ??= await scopeAdapter();
    this.unavailable = adapter.unavailable;
    if (this.unavailable !== undefined) return;
    for (const fn of unread) {
      if (this.scopes.has(fn) || this.bound.has(fn)) continue;
      try {
        if (!isBoundFunction(fn)) this.scopes.set(fn, await adapter.read(fn, []));
        else if (adapter.readBound !== undefined) this.bound.set(fn, await adapter.readBound(fn));
        else this.unavailable = "this runtime does not show what a bound function was made of";
      } catch (e) {
        const name = (fn as { name?: unknown }).name;
        throw new PicklingError(
          `reading the closure scope of function${name ? ` '${String(name)}'` : ""} failed`,
          "root",
          { cause: e },
        );
      }
    }
    for (const o of unreadPrivate) {
      if (this.privates.has(o)) continue;
      if (adapter.readPrivate === undefined) {
        this.unavailable = "this runtime does not show private fields";
        return;
      }
      try {
        this.privates.set(o, await adapter.readPrivate(o));
      } catch (e) {
        throw new PicklingError("reading private fields failed", "root", { cause: e });
      }
    }
  }

  /** Releases what the adapter held for this call. */
  release(): Promise<void> | undefined {
    return this.adapter?.release();
  }
}

/** Bytes the last async call wrote over all its walks: a measure of its work. */
let work = 0;

/**
 * How many bytes the last {@linkcode encodeAsync} wrote over all its walks, the final one
 * included (for tests: linear in the value's size when each object is examined once).
 *
 * @internal
 */
export function lastAsyncWork(): number {
  return work;
}

/** Runs a synchronous part of the walk with one inspector session, closed at its end. */
function held(walk: () => void): void {
  holdInspector();
  try {
    walk();
  } finally {
    releaseInspector();
  }
}

/** How often one call finds the value again after learning about modules. */
const MAX_RELEARN = 8;

function pending(enc: Encoder): boolean {
  return enc.unsettled.length > 0 || enc.unread.length > 0 ||
    enc.unreadPrivate.length > 0;
}

/**
 * Walks `value` for the async form and leaves the pickle's body in `enc.w` (from
 * HEADER_MAX), with its flags and module table in `enc`. `options()` gives the walk options
 * with what `inputs` holds so far. The caller releases the encoder and `inputs` afterwards.
 */
export async function encodeAsync(
  enc: Encoder,
  value: unknown,
  inputs: AsyncInputs,
  options: () => EncodeOptions,
): Promise<void> {
  const w = enc.w;
  const cb = options().bufferCallback;
  const oob = cb === undefined ? undefined : { ids: new Map<ArrayBuffer, number>(), count: 0 };
  const find = (keepScopes: boolean): EncodeOptions => ({
    ...options(),
    bufferCallback: undefined,
    keepScopes,
  });
  let total = 0;
  let relearned = 0;
  /** Set when a failed walk learned about modules: the value is found again from the root. */
  let relearn = false;
  let placed = false;
  for (let round = 0;; round++) {
    // Discovery: from the root once, then on from what each await produced.
    w.reset(HEADER_MAX);
    try {
      held(() => enc.walk(value, find(round > 0), true));
    } catch (e) {
      // A function the walk could not find in the modules listed so far went by value and
      // failed there (the library's own closure(), say): find the modules imported a moment
      // ago first, and walk again before giving up.
      const misses = [...enc.moduleMisses];
      enc.release();
      if (
        e instanceof PicklingError && misses.length > 0 && relearned < MAX_RELEARN &&
        await inputs.learnModules([], misses)
      ) {
        relearned++;
        round--;
        continue;
      }
      throw e;
    }
    total += w.pos - HEADER_MAX;
    let more = enc.grownValues();
    if (
      cb === undefined && more.length === 0 && !pending(enc) &&
      enc.unlocated.length === 0 && enc.moduleMisses.length === 0
    ) {
      // Nothing to await: this walk wrote the pickle.
      work = total;
      return;
    }
    try {
      while (more.length > 0 || pending(enc)) {
        const { unsettled, unread, unreadPrivate } = enc;
        await inputs.take(unsettled, unread, unreadPrivate);
        // Blob bytes hold nothing to walk; promises, functions and instances are walked
        // again, now with what they waited for.
        for (const o of unsettled) if (!(o instanceof BlobClass)) more.push(o);
        for (const o of unread) more.push(o);
        for (const o of unreadPrivate) more.push(o);
        const opts = find(true);
        w.reset(HEADER_MAX);
        try {
          held(() => enc.resume(more, opts));
        } catch (e) {
          if (!(e instanceof PicklingError)) throw e;
          // A function no listed module exported went by value and failed deeper (a
          // package's internals): find the modules imported a moment ago, and start again.
          const misses = [...enc.moduleMisses];
          enc.release();
          if (
            misses.length > 0 && relearned < MAX_RELEARN &&
            await inputs.learnModules([], misses)
          ) {
            relearn = true;
            break;
          }
          // Walked on from the middle, the error's path is partial: find it from the root.
          w.reset(HEADER_MAX);
          enc.walk(value, opts);
          throw e;
        }
        total += w.pos - HEADER_MAX;
        more = enc.grownValues();
      }
    } finally {
      enc.release();
    }
    if (relearn) {
      relearn = false;
      relearned++;
      round--;
      continue;
    }
    // Modules learned about: find the value again, with them known (a bounded number of
    // times, apart from the rounds below).
    if (
      relearned < MAX_RELEARN &&
      await inputs.learnModules([...enc.unlocated], [...enc.moduleMisses])
    ) {
      relearned++;
      round--;
      continue;
    }
    // Exact scope identities (DumpOptions.exactScopes on V8): one heap snapshot.
    if (options().exactScopes && !placed && inputs.scopes.size > 0) {
      placed = true;
      for (const [fn, r] of await withExactIdentities(inputs.scopes)) inputs.scopes.set(fn, r);
    }
    // Everything is known: one walk writes the pickle.
    const final = options();
    final.keepScopes = true;
    final.oob = oob;
    w.reset(HEADER_MAX);
    held(() => enc.walk(value, final));
    total += w.pos - HEADER_MAX;
    if (!enc.scopesGrew && !pending(enc)) {
      work = total;
      return;
    }
    // The value changed while it was awaited: find what appeared, and write again
    // (bufferCallback answers are kept in `oob`, so it is still asked once per buffer).
    if (round >= 2) {
      throw new PicklingError(
        "the value kept changing while dumps awaited what it holds: new Promises, Blobs or " +
          "closures appeared after every await (does a reducer return a new one on each " +
          "call?)",
        "root",
      );
    }
  }
}
