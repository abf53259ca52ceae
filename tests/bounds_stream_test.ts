// Hostile streams against load(stream): a header that claims more than maxBytes, a claim the
// stream never fills, a stream that trickles forever (given up through an AbortSignal).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumpsSync, FORMAT_VERSION, load } from "../mod.ts";
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { concat, expectUnpicklingErrorAsync, MAGIC, streamOf, varint } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const RUNTIMES = {
  deno: [`${root}node_modules/.bin/deno`, ["eval"]],
  bun: [`${root}node_modules/.bin/bun`, ["-e"]],
} as const;

/**
 * A subprocess of `runtime` that writes `head` to its stdout, then one byte every 20 ms
 * until killed: its stdout as a web stream.
 */
function trickleProcess(runtime: keyof typeof RUNTIMES, head: Uint8Array) {
  const [cmd, args] = RUNTIMES[runtime];
  const code = `process.stdout.write(Uint8Array.from(${JSON.stringify([...head])}));` +
    `setInterval(() => process.stdout.write("a"), 20);`;
  const child = spawn(cmd, [...args, code], { stdio: ["ignore", "pipe", "inherit"] });
  const stream = Readable.toWeb(child.stdout!) as unknown as ReadableStream<Uint8Array>;
  return { child, stream };
}

/** A header announcing `rest` bytes after it, then `body`. */
function claim(rest: number, body: Uint8Array = new Uint8Array([0x01])): Uint8Array {
  return concat(MAGIC, new Uint8Array([FORMAT_VERSION, 0]), varint(rest), body);
}

/** A stream that gives `first`, then one byte every `ms` forever; `cancelled` resolves on cancel. */
function trickle(first: Uint8Array, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let resolveCancel!: (reason: unknown) => void;
  const cancelled = new Promise<unknown>((r) => resolveCancel = r);
  let sentFirst = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sentFirst) {
        sentFirst = true;
        controller.enqueue(first);
        return;
      }
      return new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          controller.enqueue(new Uint8Array([0x61]));
          resolve();
        }, ms);
      });
    },
    cancel(reason) {
      clearTimeout(timer);
      resolveCancel(reason);
    },
  });
  return { stream, cancelled, stop: () => clearTimeout(timer) };
}

describe("bounds: load(stream)", () => {
  it("a header claiming 2^36 bytes is refused at once, naming maxBytes", async () => {
    const t = performance.now();
    const e = await expectUnpicklingErrorAsync(() => load(streamOf([claim(2 ** 36)])));
    assert.match(e.message, /the pickle's length \(\d+\) is over the limit of 1073741824/);
    assert.match(e.message, /LoadOptions\.maxBytes/);
    assert.equal(e.offset, 0);
    assert.ok(performance.now() - t < 500);
  });

  it("a claim of 2^50 bytes with maxBytes: Infinity allocates only what arrives", async () => {
    // The old reader allocated the claimed length at once (RangeError: out of memory).
    const bytes = claim(2 ** 50, new Uint8Array(1000));
    const e = await expectUnpicklingErrorAsync(() =>
      load(streamOf([bytes.subarray(0, 7), bytes.subarray(7)]), { maxBytes: Infinity })
    );
    assert.match(e.message, /from the stream: it ended inside a pickle/);
    assert.equal(e.offset, bytes.length);
  });

  it("a pickle over a small maxBytes is refused; one within it loads", async () => {
    const big = dumpsSync("x".repeat(5000));
    const e = await expectUnpicklingErrorAsync(() => load(streamOf([big]), { maxBytes: 4096 }));
    assert.match(e.message, /over the limit of 4096; raise LoadOptions\.maxBytes/);
    assert.equal(await load(streamOf([big]), { maxBytes: big.length }), "x".repeat(5000));
  });

  it("a stream that trickles forever is given up by an AbortSignal, and cancelled", async () => {
    const { stream, cancelled, stop } = trickle(claim(1 << 20), 5);
    const controller = new AbortController();
    const reason = new Error("enough");
    setTimeout(() => controller.abort(reason), 50);
    const t = performance.now();
    await assert.rejects(load(stream, { signal: controller.signal }), (e) => e === reason);
    assert.ok(performance.now() - t < 1000);
    assert.equal(await cancelled, reason);
    stop();
  });

  it("a stalled stream is given up by AbortSignal.timeout with its TimeoutError", async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(claim(100).subarray(0, 9));
      },
    });
    await assert.rejects(
      load(stalled, { signal: AbortSignal.timeout(30) }),
      (e) => (e as Error).name === "TimeoutError",
    );
  });

  it("an aborted signal rejects before anything is read, and leaves the stream alone", async () => {
    const bytes = dumpsSync([1, 2]);
    const stream = streamOf([bytes]);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      load(stream, { signal: controller.signal }),
      (e) => (e as Error).name === "AbortError",
    );
    assert.deepEqual(await load(stream), [1, 2]);
  });

  it("pickles that arrive whole load under a signal, byte by byte, back to back", async () => {
    const a = dumpsSync({ a: "x".repeat(3000) });
    const b = dumpsSync([1n << 200n]);
    const all = concat(a, b);
    const chunks = Array.from(all, (x) => new Uint8Array([x]));
    const stream = streamOf(chunks);
    const controller = new AbortController();
    const opts = { signal: controller.signal, allowCode: false };
    assert.deepEqual(await load(stream, opts), { a: "x".repeat(3000) });
    assert.deepEqual(await load(stream, opts), [1n << 200n]);
    controller.abort(); // after the loads: nothing is listening any more
  });

  it("an invalid maxBytes is a TypeError naming the option", async () => {
    await assert.rejects(
      load(streamOf([dumpsSync(1)]), { maxBytes: -5 }),
      (e) =>
        e instanceof TypeError &&
        /LoadOptions\.maxBytes = -5: it is not a number >= 0/.test(e.message),
    );
  });

  for (const runtime of ["deno", "bun"] as const) {
    it(`a ${runtime} subprocess piping a 2^36-byte claim is refused, naming maxBytes`, async () => {
      const { child, stream } = trickleProcess(runtime, claim(2 ** 36));
      try {
        const e = await expectUnpicklingErrorAsync(() => load(stream));
        assert.match(e.message, /LoadOptions\.maxBytes/);
      } finally {
        child.kill();
      }
    });

    it(`a ${runtime} subprocess trickling a pickle forever is given up by a timeout`, async () => {
      const { child, stream } = trickleProcess(runtime, claim(1 << 20));
      const exited = new Promise((resolve) => child.once("exit", resolve));
      try {
        const t = performance.now();
        await assert.rejects(
          load(stream, { signal: AbortSignal.timeout(400), allowCode: false }),
          (e) => (e as Error).name === "TimeoutError",
        );
        assert.ok(performance.now() - t < 5000);
      } finally {
        child.kill();
      }
      await exited;
    });
  }
});
