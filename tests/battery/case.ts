// The shape of a battery case (tests/battery/*_cases.ts) and the helpers cases share.
import { VIEW_TYPES } from "../../lib/format/tags.ts";

/** One case of a battery. */
export interface Case {
  name: string;
  make: () => unknown;
  /** observations that must come out equal for the original and every copy */
  probe?: (v: unknown) => unknown;
  /** the library refuses it with a PicklingError at this path (and says why) */
  refused?: string;
  /** why it is refused although structuredClone accepts it (else structuredClone refuses too) */
  refusedReason?: string;
  /** only the async forms can pickle it (Blob, File) */
  asyncOnly?: boolean;
  /** compare copies with the fingerprint and probe only (values holding code) */
  codeLike?: boolean;
  /**
   * Loading it in the process that made it is an UnpicklingError whose message says this
   * (it loads elsewhere): the hops in this process check that refusal.
   */
  notHere?: string;
}

export type Rec = Record<string | symbol, unknown>;
export const g = globalThis as Rec;

export const TYPED = VIEW_TYPES.filter((n) =>
  n !== "DataView" && n !== "Buffer" && typeof g[n] === "function"
);

export type TA = {
  new (b: ArrayBufferLike, off?: number, len?: number): ArrayLike<unknown> & Rec;
  BYTES_PER_ELEMENT: number;
};

export function filled(name: string, n: number): ArrayLike<unknown> & Rec {
  const C = g[name] as TA;
  const buf = new ArrayBuffer(n * C.BYTES_PER_ELEMENT);
  const bytes = new Uint8Array(buf);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) & 0xff;
  return new C(buf);
}

export function growableSab(n: number, max: number): SharedArrayBuffer {
  return new (SharedArrayBuffer as unknown as {
    new (n: number, o: { maxByteLength: number }): SharedArrayBuffer;
  })(n, { maxByteLength: max });
}

export function withProps<T extends object>(o: T, props: Rec): T {
  for (const k of Reflect.ownKeys(props)) (o as Rec)[k] = props[k];
  return o;
}

export function nest(depth: number, wrap: (inner: unknown) => unknown): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
}

export const LONE = ["\uD800", "\uDC00", "a\uD800b", "\uDBFF\uDFFF\uDBFF", "\uDFFF\uD800"];

/** Own-key order and descriptors as JSON, for probes. */
export function keysOf(o: object): string[] {
  return Reflect.ownKeys(o).map(String);
}

/** A function type for casts in probes. */
export type Fn = (...args: never[]) => unknown;

/** The values of an async iterable, in order. */
export async function collect(it: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** A case holding code: compared by fingerprint and probe (the probe runs it). */
export function code(
  name: string,
  make: () => unknown,
  probe: (v: never) => unknown,
): Case & { codeLike: true } {
  return { name, make, probe: probe as (v: unknown) => unknown, codeLike: true };
}
