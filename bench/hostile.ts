// Hostile data-only loads against the goals: peak memory at most 64 × the input + 64 MiB, and
// about a second per MB of input. Each case runs in a subprocess of the runtime running this
// script, which builds the pickle, resets its peak RSS (Linux: /proc/self/clear_refs), loads
// with `allowCode: false`, and reports time and peak RSS growth (VmHWM, or
// process.memoryUsage().rss where /proc is missing).
//
//   deno run -A bench/hostile.ts          every case, under Deno
//   bun bench/hostile.ts                  every case, under Bun
//   bun bench/hostile.ts bigint-1m        one case
//
// Exits non-zero when a case misses a goal or ends in anything but a value or an
// UnpicklingError.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { FORMAT_VERSION, load, loadsSync, UnpicklingError } from "../mod.ts";

const MIB = 1024 * 1024;

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function concat(parts: (Uint8Array | number[])[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function pickle(...body: (Uint8Array | number[])[]): Uint8Array {
  const b = concat(body);
  return concat([[0x4a, 0x53, 0x50, 0x4b, FORMAT_VERSION, 0], varint(b.length), b]);
}

function latin1(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return concat([[0x92], varint(s.length), b]);
}

function utf8(s: string): Uint8Array {
  const u = new TextEncoder().encode(s);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, u.length, true);
  return concat([[0x6c], len, u]);
}

function repeatArray(n: number, item: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array([0x76, ...varint(n)])];
  for (let i = 0; i < n; i++) parts.push(item);
  return concat(parts);
}

function bigMagnitude(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7919 + 13) & 255;
  b[n - 1] = 0x9c;
  return b;
}

/** One wide object: a shape of `n` keys of 31 characters. */
function wide(tag: string, n: number): Uint8Array {
  const out: number[] = [0x72, ...varint(n)];
  for (let i = 0; i < n; i++) {
    const key = `${tag}_${i}_`.padEnd(31, "k");
    out.push(0x40 + key.length);
    for (let c = 0; c < key.length; c++) out.push(key.charCodeAt(c));
  }
  for (let i = 0; i < n; i++) out.push(i & 63);
  return pickle(out);
}

interface Case {
  /** The pickles loaded one after the other (dropped after each load). */
  make(): Uint8Array[];
  /** Load through a stream instead. */
  stream?: boolean;
}

const CASES: Record<string, Case> = {
  "fake-buffer-view": {
    // [o, VIEW over o], o a plain object with an ArrayBuffer prototype and a length of 1e9:
    // 35 bytes that made a 1 GB Uint8Array.
    make: () => [
      pickle(
        [0x76, 2, 0x8a, 0x7e, 0, 0, 1, 0x46],
        new TextEncoder().encode("length"),
        [7, 0x64, ...varint(1e9), 0, 0x81, 1, 0, 0x71, 1, 0, 0],
      ),
    ],
  },
  "bigint-256k": { make: () => [pickle([0x69, ...varint(262144)], bigMagnitude(262144))] },
  "bigint-4m": { make: () => [pickle([0x69, ...varint(4 * MIB)], bigMagnitude(4 * MIB))] },
  "resizable-1000x1gib": {
    make: () => [pickle(repeatArray(1000, new Uint8Array([0x7e, 1, ...varint(2 ** 30), 0])))],
  },
  "resizable-40000x1gib": {
    // 320 KB that aborted Bun (mprotect failed).
    make: () => [pickle(repeatArray(40000, new Uint8Array([0x7e, 1, ...varint(2 ** 30), 0])))],
  },
  "resizable-at-reserve": {
    // 1023 buffers of 1 MiB each: just under the default reserve, accepted.
    make: () => [pickle(repeatArray(1023, new Uint8Array([0x7e, 1, ...varint(MIB), 0])))],
  },
  "regexp-named-groups-4000": {
    make: () => {
      let s = "";
      for (let i = 0; i < 4000; i++) s += `(?<a${i}>x)`;
      return [pickle([0x7c], latin1(s), latin1(""), [0])];
    },
  },
  "regexp-named-groups-at-limit": {
    // 370 named groups: 370 * 371 / 2 = 68 635, under the default cost plus the pickle's
    // length, accepted.
    make: () => {
      let s = "";
      for (let i = 0; i < 370; i++) s += `(?<a${i}>x)`;
      return [pickle([0x7c], latin1(s), latin1(""), [0])];
    },
  },
  "regexp-rgi-emoji-at-limit": {
    // 8 properties of strings with `vi`: 8 * 8192 = 65 536, the default cost, accepted.
    make: () => [pickle([0x7c], latin1("[" + "\\p{RGI_Emoji}".repeat(8) + "]"), latin1("vi"), [0])],
  },
  "regexp-property-escapes-at-limit": {
    // 128 code point properties with `iv`, the default cost, accepted.
    make: () => [pickle([0x7c], latin1("\\p{Lu}".repeat(128)), latin1("iv"), [0])],
  },
  "regexp-padded-escapes-1mb": {
    // 1700 patterns of one property escape padded to 616 bytes: the allowance of one unit
    // per byte of the pickle admits them all.
    make: () => [
      pickle(repeatArray(
        1700,
        concat([[0x7c], latin1("\\p{Lu}" + "a".repeat(600)), latin1("iv"), [0]]),
      )),
    ],
  },
  "regexp-property-escapes-20000": {
    make: () => [pickle([0x7c], latin1("\\p{L}".repeat(20000)), latin1("vi"), [0])],
  },
  "url-host-256k": {
    make: () => [pickle([0x83], utf8("https://" + "é.".repeat(128 * 1024) + "/"))],
  },
  "url-host-at-limit-x60": {
    // Sixty URLs whose hosts are just under the default length: accepted (or invalid).
    make: () => [
      pickle(repeatArray(60, concat([[0x83], utf8("https://" + "é.".repeat(8192) + "/")]))),
    ],
  },
  "shape-cache-40x350k": {
    make: () => Array.from({ length: 40 }, (_, i) => wide(`p${i}`, 11000)),
  },
  "shape-cache-400x16k": {
    make: () => Array.from({ length: 400 }, (_, i) => wide(`m${i}`, 500)),
  },
  "stream-claims-2^36": {
    make:
      () => [new Uint8Array([0x4a, 0x53, 0x50, 0x4b, FORMAT_VERSION, 0, ...varint(2 ** 36), 1])],
    stream: true,
  },
};

function peakKiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]);
  } catch {
    // No /proc: the current RSS is the best there is.
  }
  return process.memoryUsage().rss / 1024;
}

function resetPeak(): void {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // Not Linux: the peak includes building the input.
  }
}

function gc(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(full: boolean): void } };
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
}

async function child(name: string): Promise<void> {
  const c = CASES[name];
  const inputs = c.make();
  const input = inputs.reduce((n, b) => n + b.length, 0);
  gc();
  const base = process.memoryUsage().rss / 1024;
  const heapBase = process.memoryUsage().heapUsed / 1024;
  resetPeak();
  const t = performance.now();
  let outcome = "value";
  for (const bytes of inputs) {
    try {
      if (c.stream) {
        await load(ReadableStream.from([bytes]), { allowCode: false });
      } else {
        loadsSync(bytes, { allowCode: false });
      }
    } catch (e) {
      outcome = e instanceof UnpicklingError
        ? "UnpicklingError: " + e.message.slice(0, 70)
        : `OTHER ${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 60)}`;
    }
  }
  const ms = performance.now() - t;
  const peak = peakKiB();
  gc();
  const after = process.memoryUsage().heapUsed / 1024;
  console.log(
    JSON.stringify({
      name,
      input,
      ms,
      grow: (peak - base) / 1024,
      kept: (after - heapBase) / 1024,
      outcome,
    }),
  );
}

function parent(only: string[]): void {
  const isBun = (globalThis as { Bun?: unknown }).Bun !== undefined;
  const self = fileURLToPath(import.meta.url);
  const names = only.length > 0 ? only : Object.keys(CASES);
  console.log(`runtime: ${isBun ? "bun" : "deno"}`);
  console.log(
    "case".padEnd(34) + "input".padStart(10) + "ms".padStart(9) + "goal ms".padStart(9) +
      "peak+MB".padStart(9) + "goal MB".padStart(9) + "heap+MB".padStart(9) + "  outcome",
  );
  let failed = 0;
  for (const name of names) {
    const args = isBun
      ? [self, "--child", name]
      : ["run", "-A", "--v8-flags=--expose-gc", self, "--child", name];
    const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 120_000 });
    const line = r.stdout.trim().split("\n").pop() ?? "";
    let row: { input: number; ms: number; grow: number; kept: number; outcome: string };
    try {
      row = JSON.parse(line);
    } catch {
      failed++;
      console.log(
        `${name.padEnd(34)} CRASHED (status ${r.status}, signal ${r.signal}): ${
          r.stderr.slice(-300)
        }`,
      );
      continue;
    }
    const goalMs = Math.max(100, row.input / 1e6 * 1000);
    const goalMB = 64 * row.input / MIB + 64;
    const ok = row.ms <= goalMs && row.grow <= goalMB && !row.outcome.startsWith("OTHER");
    if (!ok) failed++;
    console.log(
      name.padEnd(34) + String(row.input).padStart(10) + row.ms.toFixed(0).padStart(9) +
        goalMs.toFixed(0).padStart(9) + row.grow.toFixed(1).padStart(9) +
        goalMB.toFixed(0).padStart(9) +
        row.kept.toFixed(1).padStart(9) + `  ${ok ? "" : "MISSED "}${row.outcome}`,
    );
  }
  if (failed > 0) {
    console.log(`${failed} case(s) missed a goal`);
    process.exitCode = 1;
  }
}

const argv = process.argv.slice(2);
if (argv[0] === "--child") await child(argv[1]);
else parent(argv);
