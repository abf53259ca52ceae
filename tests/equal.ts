// Structural graph comparison for round-trip tests.
//
// `graphDiff(actual, expected)` walks both graphs side by side (iteratively,
// so 20 000-level nesting does not overflow the stack) and keeps a bijection
// between the objects of `actual` and those of `expected`: an object met a
// second time must be paired with the same partner as the first time, so
// cycles terminate and shared references must stay shared (and distinct
// objects must stay distinct). It compares:
//   - primitives with Object.is (NaN equal, -0 != 0),
//   - symbols: registered/well-known by identity, unique ones by description
//     plus the bijection (one symbol in `expected` <-> one in `actual`),
//   - functions by identity (built-ins by reference),
//   - object kind (brand checks), prototypes, extensible/sealed/frozen,
//   - own keys in order (string and symbol keys) and full property descriptors,
//   - internal slots: Date time, RegExp source/flags, Map/Set entries in order,
//     ArrayBuffer bytes/resizable/maxByteLength/detached, SharedArrayBuffer
//     bytes/growable, typed array/DataView offset/length/buffer (the buffer is
//     compared as a graph node, so views sharing a buffer must keep sharing),
//     boxed primitive values, Error stack, URL href, URLSearchParams string,
//     Blob/File size/type/name/lastModified (bytes must be checked async).
// It returns a description of the first difference (with a path) or
// undefined.

import assert from "node:assert/strict";

interface PathNode {
  readonly parent: PathNode | undefined;
  readonly seg: string;
}

function renderPath(p: PathNode | undefined): string {
  const segs: string[] = [];
  for (let n = p; n; n = n.parent) segs.push(n.seg);
  return segs.reverse().join("");
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const INDEX = /^(?:0|[1-9][0-9]*)$/;

function keySeg(key: string | symbol, isArrayLike: boolean): string {
  if (typeof key === "symbol") return `[${String(key)}]`;
  if (isArrayLike && INDEX.test(key)) return `[${key}]`;
  if (IDENT.test(key)) return `.${key}`;
  return `[${JSON.stringify(key)}]`;
}

const WELL_KNOWN = new Set<symbol>(
  Object.getOwnPropertyNames(Symbol)
    .map((n) => (Symbol as unknown as Record<string, unknown>)[n])
    .filter((v): v is symbol => typeof v === "symbol"),
);

// Own properties Bun puts on Error instances (engine metadata, not user data).
const ENGINE_ERROR_KEYS = new Set([
  "stack",
  "line",
  "column",
  "sourceURL",
  "originalLine",
  "originalColumn",
]);

// Descriptions of the own symbols in which Deno keeps a DOMException's internal state.
const DOM_STATE_SYMBOLS = new Set<string | undefined>([
  "message",
  "name",
  "code",
  "[[webidl.brand]]",
  "Deno.core.hostObject",
]);

function tryCall(fn: () => unknown): { ok: boolean; value?: unknown } {
  try {
    return { ok: true, value: fn() };
  } catch {
    return { ok: false };
  }
}

type Getter = (this: unknown) => unknown;
function protoGetter(proto: object, name: string | symbol): Getter {
  const d = Object.getOwnPropertyDescriptor(proto, name);
  if (!d || !d.get) throw new Error(`no getter ${String(name)}`);
  return d.get as Getter;
}

const abByteLength = protoGetter(ArrayBuffer.prototype, "byteLength");
const sabByteLength = typeof SharedArrayBuffer === "function"
  ? protoGetter(SharedArrayBuffer.prototype, "byteLength")
  : undefined;
const TypedArrayProto = Object.getPrototypeOf(Int8Array.prototype) as object;
const taTag = protoGetter(TypedArrayProto, Symbol.toStringTag);
const dvByteLength = protoGetter(DataView.prototype, "byteLength");
const reSource = protoGetter(RegExp.prototype, "source");
const mapSize = protoGetter(Map.prototype, "size");
const setSize = protoGetter(Set.prototype, "size");

export type Kind =
  | "Array"
  | "Date"
  | "RegExp"
  | "Map"
  | "Set"
  | "ArrayBuffer"
  | "SharedArrayBuffer"
  | "DataView"
  | "TypedArray"
  | "Error"
  | "Number"
  | "String"
  | "Boolean"
  | "BigInt"
  | "Symbol"
  | "Promise"
  | "URL"
  | "URLSearchParams"
  | "File"
  | "Blob"
  | "Object";

const objectToString = Object.prototype.toString;

export function kindOf(x: object): Kind {
  if (Array.isArray(x)) return "Array";
  // fast path (brand checks below throw, which is slow): an ordinary object
  // whose prototype is Object.prototype or null has no internal slots
  // unless its prototype was swapped, which the suite never does
  const proto = Object.getPrototypeOf(x);
  if (
    (proto === Object.prototype || proto === null) &&
    objectToString.call(x) === "[object Object]"
  ) {
    return "Object";
  }
  if (ArrayBuffer.isView(x)) {
    if (tryCall(() => dvByteLength.call(x)).ok) return "DataView";
    return "TypedArray";
  }
  if (tryCall(() => abByteLength.call(x)).ok) return "ArrayBuffer";
  if (sabByteLength && tryCall(() => sabByteLength.call(x)).ok) {
    return "SharedArrayBuffer";
  }
  if (tryCall(() => Date.prototype.getTime.call(x)).ok) return "Date";
  if (tryCall(() => reSource.call(x)).ok && x !== RegExp.prototype) {
    return "RegExp";
  }
  if (tryCall(() => mapSize.call(x)).ok) return "Map";
  if (tryCall(() => setSize.call(x)).ok) return "Set";
  const isError = (Error as unknown as { isError?: (v: unknown) => boolean })
    .isError;
  if (isError ? isError(x) : x instanceof Error) return "Error";
  if (tryCall(() => Number.prototype.valueOf.call(x)).ok) return "Number";
  if (tryCall(() => String.prototype.valueOf.call(x)).ok) return "String";
  if (tryCall(() => Boolean.prototype.valueOf.call(x)).ok) return "Boolean";
  if (tryCall(() => BigInt.prototype.valueOf.call(x)).ok) return "BigInt";
  if (tryCall(() => Symbol.prototype.valueOf.call(x)).ok) return "Symbol";
  if (x instanceof Promise) return "Promise";
  if (typeof URL === "function" && x instanceof URL) return "URL";
  if (typeof URLSearchParams === "function" && x instanceof URLSearchParams) {
    return "URLSearchParams";
  }
  if (typeof File === "function" && x instanceof File) return "File";
  if (typeof Blob === "function" && x instanceof Blob) return "Blob";
  return "Object";
}

function bytesOf(buf: ArrayBufferLike): Uint8Array {
  return new Uint8Array(buf);
}

function sameBytes(a: Uint8Array, b: Uint8Array): number {
  // returns -1 when equal, else first differing index (or min length)
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function describe(v: unknown): string {
  if (typeof v === "string") {
    return v.length > 40 ? JSON.stringify(v.slice(0, 40)) + "…" : JSON.stringify(v);
  }
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "symbol") return String(v);
  if (Object.is(v, -0)) return "-0";
  if (typeof v === "function") return `[function ${v.name}]`;
  if (typeof v === "object" && v !== null) {
    return `[object ${kindOf(v)}]`;
  }
  return String(v);
}

export interface DiffOptions {
  /** compare unique (non-registered) symbols by identity instead of description */
  symbolIdentity?: boolean;
}

export function graphDiff(
  actual: unknown,
  expected: unknown,
  options: DiffOptions = {},
): string | undefined {
  const fwd = new Map<unknown, unknown>();
  const bwd = new Map<unknown, unknown>();
  const root: PathNode = { parent: undefined, seg: "root" };
  const work: Array<[unknown, unknown, PathNode]> = [[actual, expected, root]];

  const child = (p: PathNode, seg: string): PathNode => ({ parent: p, seg });

  const symbolDiff = (a: symbol, b: symbol, p: PathNode): string | undefined => {
    const ka = Symbol.keyFor(a);
    const kb = Symbol.keyFor(b);
    if (ka !== kb) {
      return `${renderPath(p)}: registered key ${ka} !== ${kb}`;
    }
    if (ka !== undefined || WELL_KNOWN.has(a) || WELL_KNOWN.has(b)) {
      return a === b
        ? undefined
        : `${renderPath(p)}: ${String(a)} is not the same symbol as ${String(b)}`;
    }
    if (options.symbolIdentity && a !== b) {
      return `${renderPath(p)}: unique symbols differ`;
    }
    if (a.description !== b.description) {
      return `${renderPath(p)}: symbol description ${JSON.stringify(a.description)} !== ${
        JSON.stringify(b.description)
      }`;
    }
    if (fwd.has(a)) {
      return fwd.get(a) === b
        ? undefined
        : `${renderPath(p)}: unique symbol identity/sharing differs`;
    }
    if (bwd.has(b)) {
      return `${renderPath(p)}: unique symbol identity/sharing differs`;
    }
    fwd.set(a, b);
    bwd.set(b, a);
    return undefined;
  };

  const step = (a: unknown, b: unknown, p: PathNode): string | undefined => {
    const ta = typeof a;
    const tb = typeof b;
    if (ta !== tb) {
      return `${renderPath(p)}: type ${ta} (${describe(a)}) !== ${tb} (${describe(b)})`;
    }
    if (ta === "symbol") return symbolDiff(a as symbol, b as symbol, p);
    if (ta === "function") {
      return a === b
        ? undefined
        : `${renderPath(p)}: functions are not identical (${describe(a)} vs ${describe(b)})`;
    }
    if (ta !== "object" || a === null || b === null) {
      return Object.is(a, b) ? undefined : `${renderPath(p)}: ${describe(a)} !== ${describe(b)}`;
    }
    const oa = a as object;
    const ob = b as object;
    if (fwd.has(oa)) {
      return fwd.get(oa) === ob
        ? undefined
        : `${
          renderPath(p)
        }: sharing differs (actual object already paired with another expected object)`;
    }
    if (bwd.has(ob)) {
      return `${
        renderPath(p)
      }: sharing differs (expected object already paired with another actual object)`;
    }
    fwd.set(oa, ob);
    bwd.set(ob, oa);

    const ka = kindOf(oa);
    const kb = kindOf(ob);
    if (ka !== kb) return `${renderPath(p)}: kind ${ka} !== ${kb}`;

    const pa = Object.getPrototypeOf(oa) as object | null;
    const pb = Object.getPrototypeOf(ob) as object | null;
    if (pa !== pb) {
      const isIntrinsic = (x: object | null) => x === null || Object.hasOwn(x, "constructor");
      if (isIntrinsic(pa) || isIntrinsic(pb)) {
        const name = (x: object | null) =>
          x === null
            ? "null"
            : Object.hasOwn(x, "constructor")
            ? String((x as { constructor: { name?: string } }).constructor.name)
            : "plain object";
        return `${renderPath(p)}: prototype ${name(pa)} !== ${name(pb)}`;
      }
      work.push([pa, pb, child(p, ".[[Prototype]]")]);
    }

    if (Object.isExtensible(oa) !== Object.isExtensible(ob)) {
      return `${renderPath(p)}: isExtensible ${Object.isExtensible(oa)} !== ${
        Object.isExtensible(ob)
      }`;
    }
    if (Object.isSealed(oa) !== Object.isSealed(ob)) {
      return `${renderPath(p)}: isSealed differs`;
    }
    if (Object.isFrozen(oa) !== Object.isFrozen(ob)) {
      return `${renderPath(p)}: isFrozen differs`;
    }

    let skipKey: (k: string | symbol) => boolean = () => false;
    let arrayLike = ka === "Array";
    const r = (s: string) => `${renderPath(p)}${s}`;

    switch (ka) {
      case "Date": {
        const x = Date.prototype.getTime.call(oa);
        const y = Date.prototype.getTime.call(ob);
        if (!Object.is(x, y)) return r(`: Date time ${x} !== ${y}`);
        break;
      }
      case "RegExp": {
        const ra = oa as RegExp;
        const rb = ob as RegExp;
        if (ra.source !== rb.source) {
          return r(`: RegExp source ${ra.source} !== ${rb.source}`);
        }
        if (ra.flags !== rb.flags) {
          return r(`: RegExp flags ${ra.flags} !== ${rb.flags}`);
        }
        break;
      }
      case "Map": {
        const ea = [...(oa as Map<unknown, unknown>)];
        const eb = [...(ob as Map<unknown, unknown>)];
        if (ea.length !== eb.length) {
          return r(`: Map size ${ea.length} !== ${eb.length}`);
        }
        for (let i = ea.length - 1; i >= 0; i--) {
          work.push([ea[i][1], eb[i][1], child(p, `.[[MapValue ${i}]]`)]);
          work.push([ea[i][0], eb[i][0], child(p, `.[[MapKey ${i}]]`)]);
        }
        break;
      }
      case "Set": {
        const ea = [...(oa as Set<unknown>)];
        const eb = [...(ob as Set<unknown>)];
        if (ea.length !== eb.length) {
          return r(`: Set size ${ea.length} !== ${eb.length}`);
        }
        for (let i = ea.length - 1; i >= 0; i--) {
          work.push([ea[i], eb[i], child(p, `.[[SetValue ${i}]]`)]);
        }
        break;
      }
      case "ArrayBuffer": {
        const x = oa as ArrayBuffer & { detached?: boolean };
        const y = ob as ArrayBuffer & { detached?: boolean };
        if (x.detached !== y.detached) {
          return r(`: detached ${x.detached} !== ${y.detached}`);
        }
        if (x.resizable !== y.resizable) {
          return r(`: resizable ${x.resizable} !== ${y.resizable}`);
        }
        if (x.maxByteLength !== y.maxByteLength) {
          return r(`: maxByteLength ${x.maxByteLength} !== ${y.maxByteLength}`);
        }
        if (x.byteLength !== y.byteLength) {
          return r(`: byteLength ${x.byteLength} !== ${y.byteLength}`);
        }
        if (!x.detached) {
          const i = sameBytes(bytesOf(x), bytesOf(y));
          if (i >= 0) return r(`: bytes differ at ${i}`);
        }
        break;
      }
      case "SharedArrayBuffer": {
        const x = oa as SharedArrayBuffer;
        const y = ob as SharedArrayBuffer;
        if (x.growable !== y.growable) {
          return r(`: growable ${x.growable} !== ${y.growable}`);
        }
        if (x.maxByteLength !== y.maxByteLength) {
          return r(`: maxByteLength ${x.maxByteLength} !== ${y.maxByteLength}`);
        }
        if (x.byteLength !== y.byteLength) {
          return r(`: byteLength ${x.byteLength} !== ${y.byteLength}`);
        }
        const i = sameBytes(bytesOf(x), bytesOf(y));
        if (i >= 0) return r(`: bytes differ at ${i}`);
        break;
      }
      case "TypedArray": {
        const x = oa as Uint8Array;
        const y = ob as Uint8Array;
        if (taTag.call(x) !== taTag.call(y)) {
          return r(`: typed array type ${taTag.call(x)} !== ${taTag.call(y)}`);
        }
        if (x.length !== y.length) {
          return r(`: length ${x.length} !== ${y.length}`);
        }
        if (x.byteOffset !== y.byteOffset) {
          return r(`: byteOffset ${x.byteOffset} !== ${y.byteOffset}`);
        }
        if (x.byteLength !== y.byteLength) {
          return r(`: byteLength ${x.byteLength} !== ${y.byteLength}`);
        }
        work.push([x.buffer, y.buffer, child(p, ".[[ViewedArrayBuffer]]")]);
        arrayLike = true;
        // element keys are covered by the buffer comparison; listing the own
        // keys of a big typed array is slow, so extra properties are only
        // compared on typed arrays of up to 4096 elements
        if (x.length > 4096) return undefined;
        skipKey = (k) => typeof k === "string" && INDEX.test(k);
        break;
      }
      case "DataView": {
        const x = oa as DataView;
        const y = ob as DataView;
        if (x.byteOffset !== y.byteOffset) {
          return r(`: byteOffset ${x.byteOffset} !== ${y.byteOffset}`);
        }
        if (x.byteLength !== y.byteLength) {
          return r(`: byteLength ${x.byteLength} !== ${y.byteLength}`);
        }
        work.push([x.buffer, y.buffer, child(p, ".[[ViewedArrayBuffer]]")]);
        break;
      }
      case "Number":
      case "String":
      case "Boolean":
      case "BigInt":
      case "Symbol": {
        const proto = {
          Number: Number.prototype,
          String: String.prototype,
          Boolean: Boolean.prototype,
          BigInt: BigInt.prototype,
          Symbol: Symbol.prototype,
        }[ka] as { valueOf: () => unknown };
        work.push([
          proto.valueOf.call(oa),
          proto.valueOf.call(ob),
          child(p, ".[[PrimitiveValue]]"),
        ]);
        arrayLike = ka === "String";
        break;
      }
      case "Error": {
        const sa = (oa as Error).stack;
        const sb = (ob as Error).stack;
        if (sa !== sb) {
          return r(`.stack: ${describe(sa)} !== ${describe(sb)}`);
        }
        const na = (oa as Error).name;
        const nb = (ob as Error).name;
        if (na !== nb) return r(`.name: ${describe(na)} !== ${describe(nb)}`);
        skipKey = (k) => typeof k === "string" && ENGINE_ERROR_KEYS.has(k);
        if (typeof DOMException === "function" && oa instanceof DOMException) {
          const da = oa as DOMException;
          const db = ob as DOMException;
          if (!(db instanceof DOMException)) return r(`: DOMException vs ${describe(db)}`);
          if (da.message !== db.message || da.code !== db.code) {
            return r(`: DOMException ${da.message}/${da.code} !== ${db.message}/${db.code}`);
          }
          // Deno keeps a DOMException's internal state in own symbols, per instance.
          skipKey = (k) =>
            typeof k === "string" ? ENGINE_ERROR_KEYS.has(k) : DOM_STATE_SYMBOLS.has(k.description);
        }
        break;
      }
      case "URL": {
        if ((oa as URL).href !== (ob as URL).href) {
          return r(`: URL ${(oa as URL).href} !== ${(ob as URL).href}`);
        }
        break;
      }
      case "URLSearchParams": {
        const x = String(oa);
        const y = String(ob);
        if (x !== y) return r(`: URLSearchParams ${x} !== ${y}`);
        break;
      }
      case "File":
      case "Blob": {
        const x = oa as File;
        const y = ob as File;
        if (x.size !== y.size) return r(`: Blob size ${x.size} !== ${y.size}`);
        if (x.type !== y.type) return r(`: Blob type ${x.type} !== ${y.type}`);
        if (ka === "File") {
          if (x.name !== y.name) return r(`: File name ${x.name} !== ${y.name}`);
          if (x.lastModified !== y.lastModified) {
            return r(`: File lastModified differs`);
          }
        }
        break;
      }
      default:
        break;
    }

    const keysA = Reflect.ownKeys(oa).filter((k) => !skipKey(k));
    const keysB = Reflect.ownKeys(ob).filter((k) => !skipKey(k));
    if (keysA.length !== keysB.length) {
      return r(
        `: own keys [${keysA.map(String).join(", ")}] !== [${keysB.map(String).join(", ")}]`,
      );
    }
    const pending: Array<[unknown, unknown, PathNode]> = [];
    for (let i = 0; i < keysA.length; i++) {
      const x = keysA[i];
      const y = keysB[i];
      if (typeof x !== typeof y) {
        return r(`: own key #${i} ${String(x)} !== ${String(y)}`);
      }
      if (typeof x === "symbol") {
        const d = symbolDiff(x, y as symbol, child(p, `[key #${i}]`));
        if (d) return d;
      } else if (x !== y) {
        return r(`: own key #${i} ${JSON.stringify(x)} !== ${JSON.stringify(y)}`);
      }
      const da = Object.getOwnPropertyDescriptor(oa, x)!;
      const db = Object.getOwnPropertyDescriptor(ob, y)!;
      const cp = child(p, keySeg(x, arrayLike));
      const dataA = "value" in da;
      const dataB = "value" in db;
      if (dataA !== dataB) {
        return `${renderPath(cp)}: data vs accessor property differs`;
      }
      if (da.enumerable !== db.enumerable) {
        return `${renderPath(cp)}: enumerable ${da.enumerable} !== ${db.enumerable}`;
      }
      if (da.configurable !== db.configurable) {
        return `${renderPath(cp)}: configurable ${da.configurable} !== ${db.configurable}`;
      }
      if (dataA) {
        if (da.writable !== db.writable) {
          return `${renderPath(cp)}: writable ${da.writable} !== ${db.writable}`;
        }
        pending.push([da.value, db.value, cp]);
      } else if (da.get !== db.get || da.set !== db.set) {
        return `${renderPath(cp)}: accessor functions differ`;
      }
    }
    for (let i = pending.length - 1; i >= 0; i--) work.push(pending[i]);
    return undefined;
  };

  while (work.length > 0) {
    const [a, b, p] = work.pop()!;
    const d = step(a, b, p);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Throws an AssertionError describing the first difference. */
export function assertGraphEqual(
  actual: unknown,
  expected: unknown,
  message?: string,
  options?: DiffOptions,
): void {
  const d = graphDiff(actual, expected, options);
  if (d !== undefined) {
    assert.fail(message ? `${message}: ${d}` : d);
  }
}
