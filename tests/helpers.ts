// Shared helpers of the test suite: round trips through all three forms,
// fixture tables, error expectations, byte/stream utilities.
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  dump,
  dumps,
  dumpsSync,
  load,
  loads,
  loadsSync,
  PickleError,
  PicklingError,
  UnpicklingError,
} from "../mod.ts";
import { assertGraphEqual } from "./equal.ts";

export type DumpOpts = Parameters<typeof dumpsSync>[1];
export type LoadOpts = Parameters<typeof loadsSync>[1];

export const FORMS = ["sync", "async", "stream"] as const;
export type Form = typeof FORMS[number];
export type RoundTripResult = Record<Form, unknown>;

/** A plain record type for casting loaded values. */
export type Rec = Record<string | symbol, unknown>;

/** dump() each value into one TransformStream, load() them back one at a time. */
export async function streamRoundTrip(
  values: readonly unknown[],
  dumpOptions?: DumpOpts,
  loadOptions?: LoadOpts,
): Promise<unknown[]> {
  const ts = new TransformStream<Uint8Array, Uint8Array>();
  const writing = (async () => {
    for (const v of values) await dump(v, ts.writable, dumpOptions);
    await ts.writable.close();
  })();
  const reading = (async () => {
    const out: unknown[] = [];
    for (let i = 0; i < values.length; i++) {
      out.push(await load(ts.readable, loadOptions));
    }
    return out;
  })();
  const [, out] = await Promise.all([writing, reading]);
  return out;
}

/** Runs `value` through dumpsSync/loadsSync, dumps/loads and dump/load. */
export async function roundTrip(
  value: unknown,
  dumpOptions?: DumpOpts,
  loadOptions?: LoadOpts,
): Promise<RoundTripResult> {
  const sync = loadsSync(dumpsSync(value, dumpOptions), loadOptions);
  const asyncOut = await loads(await dumps(value, dumpOptions), loadOptions);
  const [stream] = await streamRoundTrip([value], dumpOptions, loadOptions);
  return { sync, async: asyncOut, stream };
}

/** Round trip through the async forms only (dumps/loads and dump/load). */
export async function roundTripAsync(
  value: unknown,
): Promise<{ async: unknown; stream: unknown }> {
  const asyncOut = await loads(await dumps(value));
  const [stream] = await streamRoundTrip([value]);
  return { async: asyncOut, stream };
}

export interface Fixture {
  name: string;
  /** builds a fresh input value */
  value: () => unknown;
  /** extra checks on each loaded value (runs after the graph comparison) */
  check?: (out: unknown, input: unknown, form: Form) => void | Promise<void>;
  /** set false to skip the structural comparison (only `check` runs) */
  compare?: boolean;
}

/** Registers one test per fixture, checking all three forms. */
export function runFixtures(fixtures: readonly Fixture[]): void {
  for (const f of fixtures) {
    it(f.name, async () => {
      const input = f.value();
      const results = await roundTrip(input);
      for (const form of FORMS) {
        const out = results[form];
        if (f.compare !== false) {
          assertGraphEqual(out, input, `${f.name} [${form}]`);
        }
        await f.check?.(out, input, form);
      }
    });
  }
}

// ---------------------------------------------------------------------------
// errors

function checkPicklingError(e: unknown, path?: string | ((p: string) => boolean)): void {
  if (!(e instanceof PicklingError)) {
    assert.fail(`expected PicklingError, got ${describeError(e)}`);
  }
  assert.ok(e instanceof PickleError, "PicklingError extends PickleError");
  assert.ok(e instanceof Error, "PicklingError extends Error");
  assert.equal(typeof e.path, "string", "PicklingError.path is a string");
  assert.ok(
    e.message.includes(e.path),
    `message ${JSON.stringify(e.message)} lacks path ${e.path}`,
  );
  if (typeof path === "string") {
    assert.equal(e.path, path, `PicklingError.path (message: ${e.message})`);
  } else if (path) {
    assert.ok(path(e.path), `unexpected PicklingError.path ${JSON.stringify(e.path)}`);
  }
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}`;
  return `non-error ${String(e)}`;
}

/** fn must throw a PicklingError (with the given path, when given). */
export function expectPicklingError(
  fn: () => unknown,
  path?: string | ((p: string) => boolean),
): PicklingError {
  try {
    fn();
  } catch (e) {
    checkPicklingError(e, path);
    return e as PicklingError;
  }
  assert.fail("expected a PicklingError, nothing was thrown");
}

/** fn must throw or reject with a PicklingError. */
export async function expectPicklingErrorAsync(
  fn: () => unknown,
  path?: string | ((p: string) => boolean),
): Promise<PicklingError> {
  try {
    await fn();
  } catch (e) {
    checkPicklingError(e, path);
    return e as PicklingError;
  }
  assert.fail("expected a PicklingError, nothing was thrown");
}

function checkUnpicklingError(e: unknown, input?: Uint8Array): void {
  if (!(e instanceof UnpicklingError)) {
    const hex = input ? ` input=${hexOf(input, 80)}` : "";
    assert.fail(`expected UnpicklingError, got ${describeError(e)}${hex}`);
  }
  assert.ok(e instanceof PickleError, "UnpicklingError extends PickleError");
  assert.equal(typeof e.offset, "number", "UnpicklingError.offset is a number");
  assert.ok(
    Number.isInteger(e.offset) && e.offset >= 0,
    `offset ${e.offset} is a non-negative integer`,
  );
  if (input) {
    assert.ok(e.offset <= input.length, `offset ${e.offset} within input of ${input.length}`);
  }
  assert.ok(
    e.message.includes(`byte ${e.offset}`),
    `message ${JSON.stringify(e.message)} lacks "byte ${e.offset}"`,
  );
}

/** fn must throw an UnpicklingError (offset a valid byte offset into input). */
export function expectUnpicklingError(fn: () => unknown, input?: Uint8Array): UnpicklingError {
  try {
    fn();
  } catch (e) {
    checkUnpicklingError(e, input);
    return e as UnpicklingError;
  }
  assert.fail(`expected an UnpicklingError, got a value${input ? " for " + hexOf(input, 80) : ""}`);
}

/** fn must throw or reject with an UnpicklingError. */
export async function expectUnpicklingErrorAsync(
  fn: () => unknown,
  input?: Uint8Array,
): Promise<UnpicklingError> {
  try {
    await fn();
  } catch (e) {
    checkUnpicklingError(e, input);
    return e as UnpicklingError;
  }
  assert.fail(`expected an UnpicklingError, got a value${input ? " for " + hexOf(input, 80) : ""}`);
}

/** fn may return anything or throw an UnpicklingError, nothing else. */
export function valueOrUnpicklingError(fn: () => unknown, input?: Uint8Array): "value" | "error" {
  try {
    fn();
    return "value";
  } catch (e) {
    checkUnpicklingError(e, input);
    return "error";
  }
}

/** `loads(input)` resolves to anything or rejects with an UnpicklingError, nothing else. */
export async function loadsOrUnpicklingError(input: Uint8Array): Promise<"value" | "error"> {
  try {
    await loads(input);
    return "value";
  } catch (e) {
    checkUnpicklingError(e, input);
    return "error";
  }
}

// ---------------------------------------------------------------------------
// bytes

export function hexOf(b: Uint8Array, max = Infinity): string {
  const parts: string[] = [];
  for (let i = 0; i < Math.min(b.length, max); i++) {
    parts.push(b[i].toString(16).padStart(2, "0"));
  }
  return parts.join(" ") + (b.length > max ? ` … (${b.length} bytes)` : "");
}

export function concat(...parts: Uint8Array[]): Uint8Array {
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

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Unsigned LEB128. */
export function varint(n: number): Uint8Array {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return new Uint8Array(out);
}

export const MAGIC = new Uint8Array([0x4a, 0x53, 0x50, 0x4b]);

export interface Header {
  version: number;
  flags: number;
  length: number;
  bodyStart: number;
}

/** Parses the documented header of a valid pickle. */
export function parseHeader(p: Uint8Array): Header {
  assert.ok(bytesEqual(p.subarray(0, 4), MAGIC), "pickle starts with JSPK");
  let length = 0;
  let mul = 1;
  let i = 6;
  for (;;) {
    const b = p[i++];
    length += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) break;
  }
  return { version: p[4], flags: p[5], length, bodyStart: i };
}

/** The body of a valid (unsigned) pickle. */
export function bodyOf(p: Uint8Array): Uint8Array {
  const h = parseHeader(p);
  return p.subarray(h.bodyStart, h.bodyStart + h.length);
}

/** Builds a pickle from a body with the documented header. */
export function withHeader(body: Uint8Array, version: number, flags: number): Uint8Array {
  return concat(MAGIC, new Uint8Array([version, flags]), varint(body.length), body);
}

// ---------------------------------------------------------------------------
// streams

export function streamOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
}

/** A WritableStream that collects what is written. */
export function collector(): { sink: WritableStream<Uint8Array>; bytes: () => Uint8Array } {
  const chunks: Uint8Array[] = [];
  const sink = new WritableStream<Uint8Array>({
    write(chunk) {
      chunks.push(chunk.slice());
    },
  });
  return { sink, bytes: () => concat(...chunks) };
}

export function chunked(bytes: Uint8Array, sizes: (i: number) => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  let i = 0;
  while (o < bytes.length) {
    const n = Math.max(1, sizes(i++));
    out.push(bytes.slice(o, o + n));
    o += n;
  }
  return out;
}

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------
// values

/** [[[...[leaf]...]]] nested `depth` levels. */
export function nestedArray(depth: number, leaf: unknown = 0): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** {a: {a: ... leaf}} nested `depth` levels. */
export function nestedObject(depth: number, leaf: unknown = 0): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

export const hasFloat16 = typeof (globalThis as Rec).Float16Array === "function";
export const NodeBuffer = (globalThis as Rec).Buffer as
  | { from(s: string): Uint8Array; isBuffer(v: unknown): boolean; prototype: object }
  | undefined;

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * Runs `node_modules/.bin/<cmd> ...args` in the repository, asserts it exits 0, and parses
 * the last line it printed as JSON.
 */
export function runJSON<T = Record<string, unknown>>(cmd: string, args: string[]): T {
  const r = spawnSync(`${repoRoot}node_modules/.bin/${cmd}`, args, {
    cwd: repoRoot,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as T;
}

/** A fresh process {@linkcode evalIn} runs: Deno, Bun with the preload, or Bun without it. */
export type EvalRuntime = "deno" | "bun" | "bun-plain";

/**
 * Runs JavaScript `script` in a fresh process of `runtime` (`deno eval`, `bun -e`) in the
 * repository, with `input` on stdin; asserts it exits 0 and returns what it printed, trimmed.
 */
export function evalIn(runtime: EvalRuntime, script: string, input?: string): string {
  const args = runtime === "deno"
    ? ["eval", "--ext=js", script]
    : runtime === "bun"
    ? ["--preload", `${repoRoot}preload.ts`, "-e", script]
    : ["-e", script];
  const cmd = `${repoRoot}node_modules/.bin/${runtime === "deno" ? "deno" : "bun"}`;
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: "utf8", input, timeout: 120_000 });
  assert.equal(r.status, 0, `${runtime}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Whether `f` throws a ReferenceError (a variable read in its temporal dead zone). */
export function throwsReference(f: () => unknown): boolean {
  try {
    f();
  } catch (e) {
    return e instanceof ReferenceError;
  }
  return false;
}
