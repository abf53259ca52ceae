/**
 * Pickles over web streams. A stream may carry several pickles back to back: each pickle's
 * header says how long it is, so {@linkcode load} reads exactly one and keeps the bytes it
 * read past it for the next call on the same stream.
 *
 * @module
 */

import { readHeader, WHOLE } from "../format/header.ts";
import { HEADER_MAX } from "../format/tags.ts";
import { dumps, loads } from "./api.ts";
import { UnpicklingError } from "../errors.ts";
import type { DumpOptions, LoadOptions } from "./options.ts";
import { maxBytesOf, overLimit } from "./limits.ts";
import { typeName } from "../values/inspect.ts";

/** Bytes read from a stream past the end of the last pickle loaded from it. */
const leftovers = new WeakMap<ReadableStream<Uint8Array>, Uint8Array>();
const EMPTY = new Uint8Array(0);

/**
 * Pickles `value` and writes it to `sink`.
 *
 * @example
 * ```ts
 * import { dump, load } from "@cloudpickle/cloudpickle";
 * const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
 * const done = Promise.all([dump("first", writable), dump("second", writable)]);
 * console.log(await load(readable), await load(readable)); // first second
 * await done;
 * ```
 */
export async function dump(
  value: unknown,
  sink: WritableStream<Uint8Array>,
  options?: DumpOptions,
): Promise<void> {
  if (typeof (sink as { getWriter?: unknown } | null)?.getWriter !== "function") {
    throw new TypeError(
      `cannot dump to ${typeName(sink)}: it is not a WritableStream; give a ` +
        "WritableStream<Uint8Array> (or use dumps for the bytes)",
    );
  }
  const pickled = dumps(value, options);
  pickled.catch(() => {}); // (handled below, maybe after the writes before it)
  // Calls on one sink write one after the other, in call order (a writer locks the stream).
  const before = writing.get(sink) ?? Promise.resolve();
  const mine = before.then(async () => {
    const bytes = await pickled;
    const writer = sink.getWriter();
    try {
      await writer.write(bytes);
    } finally {
      writer.releaseLock();
    }
  });
  const settled = mine.catch(() => {});
  writing.set(sink, settled);
  try {
    await mine;
  } finally {
    if (writing.get(sink) === settled) writing.delete(sink);
  }
}

/** The last write under way on each sink. */
const writing = new WeakMap<WritableStream<Uint8Array>, Promise<void>>();

/**
 * Reads one pickle from `source` and loads it. Bytes past that pickle stay for the next
 * `load` on the same stream (read them through `load`, not directly).
 *
 * The buffer grows with the bytes that arrive (doubling, so copies stay linear), never with
 * the length a header announces: a header that claims more than `options.maxBytes` (default
 * 1 GiB) is refused at once with an {@linkcode UnpicklingError}. `options.signal` gives up a
 * stream that trickles or stalls: the stream is cancelled with the signal's reason and the
 * promise rejects with that reason.
 *
 * @example
 * ```ts
 * import { dumpsSync, load } from "@cloudpickle/cloudpickle";
 * const source = ReadableStream.from([dumpsSync([1, 2]), dumpsSync({ three: 3 })]);
 * console.log(await load(source), await load(source)); // [ 1, 2 ] { three: 3 }
 * ```
 */
export async function load<T = unknown>(
  source: ReadableStream<Uint8Array>,
  options?: LoadOptions,
): Promise<T> {
  if (typeof (source as { getReader?: unknown } | null)?.getReader !== "function") {
    throw new TypeError(
      `cannot load from ${typeName(source)}: it is not a ReadableStream; give a ` +
        "ReadableStream<Uint8Array> (or use loads for bytes)",
    );
  }
  const maxBytes = maxBytesOf(options);
  const signal = options?.signal;
  signal?.throwIfAborted();
  let buf = leftovers.get(source) ?? EMPTY;
  let len = buf.length;
  leftovers.delete(source);
  const reader = source.getReader();
  let total = -1;
  let aborted: Promise<never> | undefined;
  let onAbort: (() => void) | undefined;
  if (signal !== undefined) {
    aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
    });
    aborted.catch(() => {});
    signal.addEventListener("abort", onAbort!, { once: true });
  }
  try {
    for (;;) {
      if (total < 0 && len > 0) {
        const header = readHeader(buf.subarray(0, Math.min(len, HEADER_MAX)), 0, true);
        if (header !== undefined) {
          total = header.total;
          if (total > maxBytes) {
            throw new UnpicklingError(
              overLimit("the pickle's length", total, "maxBytes", maxBytes),
              0,
            );
          }
        }
      }
      if (total >= 0 && len >= total) break;
      const { done, value } = aborted === undefined
        ? await reader.read()
        : await Promise.race([reader.read(), aborted]);
      if (done) {
        throw new UnpicklingError(
          len === 0
            ? "cannot load from the stream: it ended before a pickle began; dump a pickle " +
              "to it for every load"
            : `cannot load from the stream: it ended inside a pickle; ${WHOLE}`,
          len,
        );
      }
      if (!(value instanceof Uint8Array)) {
        throw new UnpicklingError(
          `cannot load from the stream: it gave ${typeName(value)}, not a Uint8Array; ` +
            "give load a stream of bytes",
          len,
        );
      }
      // Grow with what arrived (doubling), up to the announced length once it is known.
      const need = len + value.length;
      if (need > buf.length) {
        let size = Math.max(need, buf.length * 2, 256);
        if (total >= 0 && need <= total) size = Math.min(size, total);
        const next = new Uint8Array(size);
        next.set(buf.subarray(0, len));
        buf = next;
      }
      buf.set(value, len);
      len += value.length;
    }
  } catch (e) {
    if (signal?.aborted && e === signal.reason) {
      // The pickle was cut off: the rest of the stream cannot be read as pickles.
      reader.releaseLock();
      await source.cancel(signal.reason).catch(() => {});
      throw e;
    }
    throw e;
  } finally {
    if (onAbort !== undefined) signal!.removeEventListener("abort", onAbort);
    try {
      reader.releaseLock();
    } catch {
      // Released already (aborted).
    }
  }
  if (len > total) leftovers.set(source, buf.slice(total, len));
  return await loads<T>(buf.subarray(0, total), options);
}
