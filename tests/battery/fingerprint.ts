// A runtime-neutral description of a value graph, for comparing a value loaded in another
// process (another runtime) with the original: kinds, prototypes, integrity, own keys in order
// with their attributes, internal slots, shared identity (objects numbered in order of first
// meeting) and cycles. Iterative, so very deep values do not overflow the stack.
//
// What engines legitimately do differently is left out: the source text of functions (Bun
// reformats it), a function's engine-defined own properties (`arguments`, `caller`), and the
// engine metadata Bun puts on errors (`line`, `column`, `sourceURL`).

import { kindOf } from "../equal.ts";

const ENGINE_KEYS = new Set(["line", "column", "sourceURL", "originalLine", "originalColumn"]);
const BLOB_STATE = new Set<string | undefined>([
  "Type",
  "Size",
  "Parts",
  "FileBacked",
  "[[webidl.brand]]",
  "[[Name]]",
  "[[LastModified]]",
]);
// Deno keeps a DOMException's state in own symbol-keyed properties.
const DOM_STATE = new Set<string | undefined>([
  "message",
  "name",
  "code",
  "[[webidl.brand]]",
  "Deno.core.hostObject",
]);
// Deno keeps a URL's and a URLSearchParams' state in own symbol-keyed properties.
const WEB_STATE = new Set<string | undefined>(["[[webidl.brand]]", "list", "url object"]);
const FN_SKIP = new Set(["arguments", "caller"]);

let intrinsics: Map<unknown, string> | undefined;

/** Intrinsic prototypes and constructors reachable from globalThis, by name. */
function intrinsicNames(): Map<unknown, string> {
  if (intrinsics) return intrinsics;
  const m = new Map<unknown, string>();
  const g = globalThis as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    let v: unknown;
    try {
      v = g[name];
    } catch {
      continue;
    }
    if (typeof v === "function" && /^[A-Z]/.test(name)) {
      if (!m.has(v)) m.set(v, name);
      const p = (v as { prototype?: unknown }).prototype;
      if (p && (typeof p === "object" || typeof p === "function") && !m.has(p)) {
        m.set(p, `${name}.prototype`);
      }
    }
  }
  const TA = Object.getPrototypeOf(Int8Array);
  m.set(TA, "TypedArray");
  m.set(TA.prototype, "TypedArray.prototype");
  m.set(Object.getPrototypeOf(function* () {}), "GeneratorFunction.prototype");
  m.set(Object.getPrototypeOf(async function () {}), "AsyncFunction.prototype");
  m.set(Object.getPrototypeOf(async function* () {}), "AsyncGeneratorFunction.prototype");
  m.set(Object.getPrototypeOf(function* () {}).prototype, "Generator.prototype");
  m.set(Object.getPrototypeOf(async function* () {}).prototype, "AsyncGenerator.prototype");
  // Bun's File and Blob share one prototype.
  if (typeof Blob === "function") m.set(Blob.prototype, "Blob.prototype");
  for (const k of ["JSON", "Math", "Reflect", "Atomics", "Intl"]) {
    if (g[k] !== undefined) m.set(g[k], k);
  }
  intrinsics = m;
  return m;
}

const WELL_KNOWN = new Map<symbol, string>(
  Object.getOwnPropertyNames(Symbol)
    .filter((n) => typeof (Symbol as unknown as Record<string, unknown>)[n] === "symbol")
    .map((n) => [(Symbol as unknown as Record<string, symbol>)[n], n]),
);

function hashBytes(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return (h >>> 0).toString(16);
}

function hashString(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

function str(s: string): string {
  if (s.length > 200) return `string(${s.length}, ${hashString(s)})`;
  // JSON.stringify keeps lone surrogates visible as \udXXX escapes.
  return JSON.stringify(s);
}

type Fn = (...args: unknown[]) => unknown;

function fnKind(f: Fn): string {
  let src: string;
  try {
    src = Function.prototype.toString.call(f);
  } catch {
    return "function";
  }
  if (/\[native code\]\s*\}\s*$/.test(src)) return "native";
  if (/^class\b/.test(src)) return "class";
  const proto = Object.getPrototypeOf(f);
  const names = intrinsicNames();
  return names.get(proto) ?? "function";
}

/** The fingerprint of `root`: one line per node, in depth-first order. */
export function fingerprint(root: unknown): string {
  const out: string[] = [];
  const ids = new Map<unknown, number>();
  const names = intrinsicNames();
  const work: Array<[unknown, string]> = [[root, "root"]];
  while (work.length > 0) {
    const [v, seg] = work.pop()!;
    // Each line names its parent's line, so paths stay short however deep the value.
    const path = `@${out.length}`;
    out.push(`${seg} ${describeNode(v, ids, names, work, path)}`);
  }
  return out.join("\n");
}

function describeNode(
  v: unknown,
  ids: Map<unknown, number>,
  names: Map<unknown, string>,
  work: Array<[unknown, string]>,
  path: string,
): string {
  switch (typeof v) {
    case "undefined":
      return "undefined";
    case "boolean":
      return String(v);
    case "number":
      return Object.is(v, -0) ? "number -0" : `number ${v}`;
    case "bigint":
      return `bigint ${v}`;
    case "string":
      return str(v);
    case "symbol": {
      const key = Symbol.keyFor(v);
      if (key !== undefined) return `symbol.for ${str(key)}`;
      const wk = WELL_KNOWN.get(v);
      if (wk) return `symbol.${wk}`;
      const seen = ids.get(v);
      if (seen !== undefined) return `symbol ref #${seen}`;
      ids.set(v, ids.size);
      return `symbol #${ids.size - 1} ${v.description === undefined ? "-" : str(v.description)}`;
    }
  }
  if (v === null) return "null";
  const o = v as object;
  const seen = ids.get(o);
  if (seen !== undefined) return `ref #${seen}`;
  const named = names.get(o);
  if (named) return `intrinsic ${named}`;
  const id = ids.size;
  ids.set(o, id);
  const parts: string[] = [`#${id}`];
  const pending: Array<[unknown, string]> = [];
  const isFn = typeof o === "function";
  let kind: string;
  if (isFn) {
    kind = fnKind(o as Fn);
    parts.push(`fn:${kind} name=${str((o as Fn).name)} length=${(o as Fn).length}`);
  } else {
    kind = typeof DOMException === "function" && o instanceof DOMException
      ? "DOMException"
      : kindOf(o);
    parts.push(kind);
  }
  const proto = Object.getPrototypeOf(o);
  if (
    (kind === "Blob" || kind === "File") && (proto === Blob.prototype || proto === File.prototype)
  ) {
    // Bun's File and Blob share one prototype.
    parts.push(`proto=${kind}.prototype`);
  } else if (proto === null) parts.push("proto=null");
  else if (names.has(proto)) parts.push(`proto=${names.get(proto)}`);
  else pending.push([proto, `${path}.[[Prototype]]`]);
  // V8 calls a non-extensible typed array with elements sealed (its elements are
  // configurable, so JavaScriptCore does not): only extensibility is compared for them.
  parts.push(
    kind === "TypedArray"
      ? Object.isExtensible(o) ? "" : "nonext"
      : Object.isFrozen(o)
      ? "frozen"
      : Object.isSealed(o)
      ? "sealed"
      : Object.isExtensible(o)
      ? ""
      : "nonext",
  );
  let skip: (k: string | symbol) => boolean = () => false;
  switch (isFn ? "fn" : kind) {
    case "fn":
      skip = (k) => typeof k === "string" && FN_SKIP.has(k);
      break;
    case "Date":
      parts.push(`time=${Date.prototype.getTime.call(o)}`);
      break;
    case "RegExp":
      parts.push(`/${(o as RegExp).source}/${(o as RegExp).flags}`);
      break;
    case "Map": {
      let i = 0;
      for (const [k, val] of o as Map<unknown, unknown>) {
        pending.push([k, `${path}.[[key ${i}]]`], [val, `${path}.[[value ${i}]]`]);
        i++;
      }
      parts.push(`size=${i}`);
      break;
    }
    case "Set": {
      let i = 0;
      for (const k of o as Set<unknown>) pending.push([k, `${path}.[[member ${i++}]]`]);
      parts.push(`size=${i}`);
      break;
    }
    case "ArrayBuffer": {
      const b = o as ArrayBuffer & { detached?: boolean };
      parts.push(
        b.detached ? "detached" : `len=${b.byteLength} bytes=${hashBytes(new Uint8Array(b))}`,
        b.resizable ? `max=${b.maxByteLength}` : "",
      );
      break;
    }
    case "SharedArrayBuffer": {
      const b = o as SharedArrayBuffer;
      parts.push(`len=${b.byteLength} bytes=${hashBytes(new Uint8Array(b))}`);
      if (b.growable) parts.push(`max=${b.maxByteLength}`);
      break;
    }
    case "TypedArray": {
      const t = o as Uint8Array;
      parts.push(
        `${Object.prototype.toString.call(t)} off=${t.byteOffset} len=${t.length}`,
      );
      pending.push([t.buffer, `${path}.[[buffer]]`]);
      skip = (k) => typeof k === "string" && /^(?:0|[1-9][0-9]*)$/.test(k);
      break;
    }
    case "DataView": {
      const d = o as DataView;
      let len = "oob";
      try {
        len = String(d.byteLength);
      } catch { /* out of bounds */ }
      parts.push(`off=${d.byteOffset} len=${len}`);
      pending.push([d.buffer, `${path}.[[buffer]]`]);
      break;
    }
    case "Number":
      pending.push([Number.prototype.valueOf.call(o), `${path}.[[value]]`]);
      break;
    case "String":
      pending.push([String.prototype.valueOf.call(o), `${path}.[[value]]`]);
      skip = (k) => {
        if (typeof k !== "string" || !/^(?:0|[1-9][0-9]*)$/.test(k)) return false;
        return Number(k) < String.prototype.valueOf.call(o).length;
      };
      break;
    case "Boolean":
      pending.push([Boolean.prototype.valueOf.call(o), `${path}.[[value]]`]);
      break;
    case "BigInt":
      pending.push([BigInt.prototype.valueOf.call(o), `${path}.[[value]]`]);
      break;
    case "Symbol":
      pending.push([Symbol.prototype.valueOf.call(o), `${path}.[[value]]`]);
      break;
    case "Error":
      parts.push(`stack=${str(String((o as Error).stack))}`);
      skip = (k) => typeof k === "string" && (k === "stack" || ENGINE_KEYS.has(k));
      break;
    case "DOMException": {
      const e = o as DOMException;
      parts.push(`${e.name} ${e.code} ${str(e.message)} stack=${str(String(e.stack))}`);
      skip = (k) =>
        typeof k === "symbol" ? DOM_STATE.has(k.description) : k === "stack" || ENGINE_KEYS.has(k);
      break;
    }
    case "URL":
      parts.push((o as URL).href);
      skip = (k) => typeof k === "symbol" && WEB_STATE.has(k.description);
      break;
    case "URLSearchParams":
      parts.push(String(o));
      skip = (k) => typeof k === "symbol" && WEB_STATE.has(k.description);
      break;
    case "Blob":
    case "File": {
      const f = o as File;
      // Deno keeps a Blob's state in own symbol-keyed properties.
      skip = (k) => typeof k === "symbol" && BLOB_STATE.has(k.description);
      parts.push(`size=${f.size} type=${str(f.type)}`);
      if (kind === "File") parts.push(`name=${str(f.name)} lastModified=${f.lastModified}`);
      break;
    }
  }
  let i = 0;
  for (const k of Reflect.ownKeys(o)) {
    if (skip(k)) continue;
    const d = Reflect.getOwnPropertyDescriptor(o, k)!;
    const ks = typeof k === "symbol" ? describeNode(k, ids, names, work, path) : str(k);
    const flags = `${d.enumerable ? "e" : "-"}${d.configurable ? "c" : "-"}${
      "value" in d ? (d.writable ? "w" : "-") : "a"
    }`;
    parts.push(`key ${ks} ${flags}`);
    const kp = `${path}[${i++}]`;
    if ("value" in d) pending.push([d.value, kp]);
    else pending.push([d.get, `${kp}.get`], [d.set, `${kp}.set`]);
  }
  for (let j = pending.length - 1; j >= 0; j--) work.push(pending[j]);
  return parts.filter((p) => p !== "").join(" ");
}
