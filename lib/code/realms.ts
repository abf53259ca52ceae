/**
 * Other realms: values made in a `node:vm` context (or an iframe) inherit from that realm's
 * built-ins (`Object.prototype`, `Array.prototype`, `Map.prototype` of its own). Such a
 * built-in is found by the path it has from that realm's global object, the same path as this
 * realm's counterpart (globals.ts), so a plain object, an array, a Map or a function from
 * another realm pickles as one of this realm would, and loads with the loading realm's
 * built-ins, as `structuredClone` gives them.
 *
 * @module
 */

import { types } from "node:util";

const getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const fnToString = Function.prototype.toString;
const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

/** What pickling needs of another realm. */
export interface Realm {
  /** Its global object. */
  readonly global: object;
  /** Its `Object.prototype`. */
  readonly objectProto: object;
  /** Its `Function` constructor (makes functions of that realm). */
  readonly makeFunction: (body: string) => () => unknown;
}

/** Realms by their `Object.prototype` (null: not a realm we can read). */
const realms = new WeakMap<object, Realm | null>();

function nativeNamed(v: unknown, name: string): v is (...a: unknown[]) => unknown {
  if (typeof v !== "function") return false;
  try {
    return (v as { name?: unknown }).name === name && NATIVE.test(fnToString.call(v));
  } catch {
    return false;
  }
}

function ownValue(o: object, key: string): unknown {
  const d = getOwnPropertyDescriptor(o, key);
  return d !== undefined && "value" in d ? d.value : undefined;
}

/**
 * The realm `value` was made in when it is another than this one (its prototype chain ends
 * at another realm's `Object.prototype`); undefined otherwise, and for a proxy.
 */
export function foreignRealmOf(value: object, thisObjectProto: object): Realm | undefined {
  let root: object = value;
  for (let i = 0; i < 1000; i++) {
    if (types.isProxy(root)) return undefined;
    const up = getPrototypeOf(root) as object | null;
    if (up === null) break;
    root = up;
  }
  if (root === thisObjectProto) return undefined;
  let realm = realms.get(root);
  if (realm === undefined) {
    realm = readRealm(root);
    realms.set(root, realm);
  }
  return realm ?? undefined;
}

/** The realm whose `Object.prototype` `root` is, or null when it is not one. */
function readRealm(root: object): Realm | null {
  try {
    const O = ownValue(root, "constructor");
    if (!nativeNamed(O, "Object") || ownValue(O, "prototype") !== root) return null;
    const F = ownValue(getPrototypeOf(O) as object, "constructor");
    if (!nativeNamed(F, "Function")) return null;
    const makeFunction = (body: string) => F(body) as () => unknown;
    // The global object, as that realm's code sees it (evaluating code there: a realm that
    // forbids it keeps its built-ins unnamed).
    const global = makeFunction("return globalThis")();
    if (global === null || typeof global !== "object") return null;
    return { global, objectProto: root, makeFunction };
  } catch {
    return null;
  }
}
