// close() and imap iterations: close waits for the tasks an iteration has in flight and for
// an iteration its consumer is reading, but not for one its consumer left unfinished (that
// hung close() forever); an iteration that needs new tasks after close() fails with an
// ExecutorClosedError instead of never settling.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPool, ExecutorClosedError } from "../pool.ts";

/** `p`, or a failure after `ms`: a hang shows as a failure, not as a stuck test. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const double = (x: number) => x * 2;

describe("close() and imap", () => {
  it("an imap read in part and left: close() settles; asking again is refused", async () => {
    const pool = createPool({ size: 2 });
    const it = pool.imap(double, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { chunkSize: 1, maxInFlight: 2 });
    assert.deepEqual(await it.next(), { value: 2, done: false });
    await within(10_000, "close()", pool.close());
    // What was in flight came back; a new task would need the closed pool.
    const rest: number[] = [];
    await assert.rejects(
      within(
        10_000,
        "the iteration",
        (async () => {
          for (;;) {
            const r = await it.next();
            if (r.done) break;
            rest.push(r.value);
          }
        })(),
      ),
      ExecutorClosedError,
    );
    assert.ok(rest.length <= 3, `${rest.length} values after close`);
    assert.deepEqual(rest, [4, 6, 8].slice(0, rest.length));
  });

  it("an imap made before close() and read after it fails with ExecutorClosedError", async () => {
    const pool = createPool({ size: 1 });
    const it = pool.imap(double, [1, 2, 3]);
    await within(10_000, "close()", pool.close());
    await assert.rejects(within(10_000, "the iteration", it.next()), ExecutorClosedError);
  });

  it("map after close() or with a bad chunkSize rejects, as submit does (no throw)", async () => {
    const pool = createPool({ size: 1 });
    let p: Promise<unknown> | undefined;
    assert.doesNotThrow(() => p = pool.map(double, [1], { chunkSize: 0 }));
    await assert.rejects(p!, TypeError);
    await pool.close();
    for (const ordered of [true, false]) {
      assert.doesNotThrow(() => p = pool.map(double, [1], { ordered }));
      await assert.rejects(p!, ExecutorClosedError);
    }
  });

  it("close() while a loop reads an imap waits for the loop: every value comes", async () => {
    const pool = createPool({ size: 2 });
    const out: number[] = [];
    const loop = (async () => {
      for await (
        const v of pool.imap(double, Array.from({ length: 40 }, (_, i) => i), {
          chunkSize: 1,
          maxInFlight: 2,
        })
      ) out.push(v);
    })();
    await new Promise((r) => setTimeout(r, 20));
    await within(30_000, "close()", pool.close());
    await loop;
    assert.deepEqual(out, Array.from({ length: 40 }, (_, i) => i * 2));
  });
});
