// Large binary values for tests/large_buffers_test.ts: built the same way in every runtime.
// "dump FILE" writes their pickles (one after another, each with its length as 8 hex digits
// before it) to FILE; "load FILE" loads the pickles of FILE and prints what differs as JSON.
import process from "node:process";
import { Buffer } from "node:buffer";
import { readFileSync, writeFileSync } from "node:fs";
import { dumpsSync, loadsSync } from "../../mod.ts";

/** Bytes `i * 31 + seed` (mod 256), over a buffer of their own. */
export function pattern(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** The values pickled in turn: large ones (past the writer's 1 MB) between small ones. */
export function largeValues(): unknown[] {
  const f64 = new Float64Array(pattern(8 * 250_000, 1).buffer);
  const shared = pattern(3_000_000, 2).buffer;
  return [
    f64,
    { small: [1, "two", 3n] },
    {
      head: "before",
      a: new Uint32Array(shared, 4, 500_000),
      b: new DataView(shared, 1_000_000),
      c: new Uint8Array(pattern(1_500_000, 3).buffer, 8),
      tail: Array.from({ length: 5000 }, (_, i) => `item ${i} ✓`),
    },
    "small again",
    [new Uint16Array(pattern(2 * 700_000, 4).buffer), new Map([[1, pattern(1_100_000, 5)]])],
  ];
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** What differs between `got` and `want` (values of largeValues), as readable lines. */
export function differences(got: unknown[], want: unknown[]): string[] {
  const out: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) out.push(what);
  };
  const [f64, small, obj, str, arr] = got as [
    Float64Array,
    { small: unknown[] },
    Record<string, unknown>,
    string,
    [Uint16Array, Map<number, Uint8Array>],
  ];
  const w = want as typeof got & [Float64Array, unknown, Record<string, ArrayBufferView>];
  check(f64 instanceof Float64Array && sameBytes(f64, w[0]), "Float64Array");
  check(f64.buffer.byteLength === f64.byteLength, "Float64Array buffer length");
  check(JSON.stringify(small.small.map(String)) === '["1","two","3"]', "small object");
  const a = obj.a as Uint32Array, b = obj.b as DataView, c = obj.c as Uint8Array;
  check(a instanceof Uint32Array && sameBytes(a, w[2].a), "Uint32Array");
  check(b instanceof DataView && sameBytes(b, w[2].b), "DataView");
  check(a.buffer === b.buffer && a.buffer.byteLength === 3_000_000, "shared buffer");
  check(a.byteOffset === 4 && b.byteOffset === 1_000_000, "view offsets");
  check(c instanceof Uint8Array && c.byteOffset === 8 && sameBytes(c, w[2].c), "Uint8Array");
  check(obj.head === "before", "string before");
  const tail = obj.tail as string[];
  check(tail.length === 5000 && tail[4999] === "item 4999 ✓", "strings after");
  check(str === "small again", "string pickle");
  check(arr[0] instanceof Uint16Array && sameBytes(arr[0], (w[4] as typeof arr)[0]), "Uint16");
  check(sameBytes(arr[1].get(1)!, (w[4] as typeof arr)[1].get(1)!), "Map value");
  return out;
}

if (import.meta.main) {
  const [mode, file] = process.argv.slice(2);
  const values = largeValues();
  if (mode === "dump") {
    const parts: Uint8Array[] = [];
    for (const v of values) {
      const p = dumpsSync(v);
      parts.push(new TextEncoder().encode(p.length.toString(16).padStart(8, "0")), p);
    }
    writeFileSync(file, Buffer.concat(parts));
  } else {
    const all = new Uint8Array(readFileSync(file));
    const got: unknown[] = [];
    for (let p = 0; p < all.length;) {
      const n = parseInt(new TextDecoder().decode(all.subarray(p, p + 8)), 16);
      got.push(loadsSync(all.slice(p + 8, p + 8 + n)));
      p += 8 + n;
    }
    process.stdout.write(JSON.stringify({ count: got.length, diff: differences(got, values) }));
  }
}
