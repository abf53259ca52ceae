/**
 * Which built-in family an object belongs to, by its prototype: one Map lookup in the walk.
 * The handlers still check the internal brand (a `Object.create(Map.prototype)` is no Map).
 *
 * @module
 */

import { ERROR_TYPES, VIEW_TYPES } from "../format/tags.ts";
import { resourceMessage, WEB_RESOURCES } from "./resources.ts";

export const K_MAP = 1;
export const K_SET = 2;
export const K_DATE = 3;
export const K_REGEXP = 4;
export const K_ARRAY_BUFFER = 5;
export const K_SHARED_ARRAY_BUFFER = 6;
export const K_BOXED_NUMBER = 7;
export const K_BOXED_STRING = 8;
export const K_BOXED_BOOLEAN = 9;
export const K_BOXED_BIGINT = 10;
export const K_BOXED_SYMBOL = 11;
export const K_URL = 12;
export const K_URL_SEARCH_PARAMS = 13;
export const K_BLOB = 14;
export const K_FILE = 15;
export const K_PROMISE = 16;
/** Values that can never be pickled; the message says why. */
export const K_REFUSED = 17;
export const K_WEAK_MAP = 18;
export const K_WEAK_SET = 19;
/** Errors: K_ERROR + index in ERROR_TYPES. */
export const K_ERROR = 32;
/** Views: K_VIEW + index in VIEW_TYPES. */
export const K_VIEW = 64;

const g = globalThis as unknown as Record<string, { prototype: object } | undefined>;

/** Prototype → kind. */
export const KIND_BY_PROTO: Map<object, number> = new Map();
/** Prototype of a refused family → the reason. */
export const REFUSED_REASON: Map<object, string> = new Map();

function add(name: string, kind: number): void {
  const ctor = g[name];
  if (ctor && ctor.prototype) KIND_BY_PROTO.set(ctor.prototype, kind);
}

add("Map", K_MAP);
add("Set", K_SET);
add("Date", K_DATE);
add("RegExp", K_REGEXP);
add("ArrayBuffer", K_ARRAY_BUFFER);
add("SharedArrayBuffer", K_SHARED_ARRAY_BUFFER);
add("Number", K_BOXED_NUMBER);
add("String", K_BOXED_STRING);
add("Boolean", K_BOXED_BOOLEAN);
add("BigInt", K_BOXED_BIGINT);
add("Symbol", K_BOXED_SYMBOL);
add("URL", K_URL);
add("URLSearchParams", K_URL_SEARCH_PARAMS);
add("Blob", K_BLOB);
add("File", K_FILE);
add("Promise", K_PROMISE);
add("WeakMap", K_WEAK_MAP);
add("WeakSet", K_WEAK_SET);
ERROR_TYPES.forEach((name, i) => add(name, K_ERROR + i));
VIEW_TYPES.forEach((name, i) => add(name, K_VIEW + i));

function refuse(proto: unknown, reason: string): void {
  if (proto !== null && typeof proto === "object") {
    KIND_BY_PROTO.set(proto, K_REFUSED);
    REFUSED_REASON.set(proto, reason);
  }
}

refuse(
  g.WeakRef?.prototype,
  "cannot pickle a WeakRef: its target may be collected at any time; pickle the target instead",
);
refuse(
  g.FinalizationRegistry?.prototype,
  "cannot pickle a FinalizationRegistry: its callbacks belong to this process's collector; " +
    "create it again where the value is loaded",
);
refuse(
  g.AbortSignal?.prototype,
  "cannot pickle an AbortSignal: it is a live handle tied to its controller in this process; " +
    "create a signal again where the value is loaded",
);
for (const [name, what, detail] of WEB_RESOURCES) {
  refuse(g[name]?.prototype, resourceMessage(what, detail));
}
// The built-in iterators: their position is an internal slot.
{
  const iterators: [string, () => object][] = [
    ["an Array Iterator", () => [][Symbol.iterator]()],
    ["a Map Iterator", () => new Map()[Symbol.iterator]()],
    ["a Set Iterator", () => new Set()[Symbol.iterator]()],
    ["a String Iterator", () => ""[Symbol.iterator]()],
    ["a RegExp String Iterator", () => "".matchAll(/a/g)],
  ];
  for (const [what, make] of iterators) {
    let proto: unknown;
    try {
      proto = Object.getPrototypeOf(make());
    } catch {
      continue;
    }
    refuse(
      proto,
      `cannot pickle ${what}: its position is internal state that cannot be read; pickle ` +
        "what it iterates (or `[...iterator]`) instead",
    );
  }
  // Iterator helpers (`values().map(…)`), where the runtime has them.
  const helper = (g.Iterator as { prototype?: { map?: unknown } } | undefined)?.prototype?.map;
  if (typeof helper === "function") {
    try {
      const made = (helper as (this: unknown, f: unknown) => object).call(
        [][Symbol.iterator](),
        (x: unknown) => x,
      );
      refuse(
        Object.getPrototypeOf(made),
        "cannot pickle an iterator helper: its position and the functions it applies are " +
          "internal state; pickle what it iterates and the functions instead",
      );
    } catch {
      // not on this runtime
    }
  }
}
// Generator objects share these prototypes' prototypes.
{
  const gen = Object.getPrototypeOf(function* () {}).prototype;
  const agen = Object.getPrototypeOf(async function* () {}).prototype;
  const remedy = "; pickle the generator function and its arguments instead";
  refuse(gen, "cannot pickle a generator object: its suspended state is not reachable" + remedy);
  refuse(
    agen,
    "cannot pickle an async generator object: its suspended state is not reachable" + remedy,
  );
}
