/**
 * Short descriptions of values for the report (`Array(1000)`, `number 3`, `class Point`),
 * read without running user code: no getter, no Proxy trap, no `toString`.
 *
 * @module
 */

import { types } from "node:util";
import { BuiltinObject } from "../code/by_reference.ts";
import { TDZ } from "../runtime/adapter.ts";

const fnToString = Function.prototype.toString;
const getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;

/** The own data property `key` of `o`, undefined for an accessor or none. */
function own(o: object, key: string): unknown {
  const d = getOwnPropertyDescriptor(o, key);
  return d !== undefined && "value" in d ? d.value : undefined;
}

/** The name of the class whose prototype `proto` is, if it says. */
function className(proto: object): string {
  const ctor = own(proto, "constructor");
  const name = typeof ctor === "function" ? own(ctor, "name") : undefined;
  return typeof name === "string" && name !== "" ? name : "Object";
}

/** A string shortened to `n` characters. */
function short(s: string, n: number): string {
  return JSON.stringify(s.length > n ? s.slice(0, n) + "…" : s);
}

/** What `v` is, in a few words. */
export function describe(v: unknown): string {
  switch (typeof v) {
    case "number":
    case "boolean":
    case "bigint":
      return `${typeof v} ${String(v)}${typeof v === "bigint" ? "n" : ""}`;
    case "string":
      return `string(${v.length}) ${short(v, 24)}`;
    case "undefined":
      return "undefined";
    case "symbol":
      // A captured variable in its temporal dead zone (its scope record holds this mark).
      return v === TDZ ? "uninitialized (declared below the code that pickled it)" : "symbol";
    case "function":
      return describeFunction(v);
    case "object":
      return v === null ? "null" : describeObject(v);
  }
  return typeof v;
}

function describeFunction(fn: object): string {
  const name = own(fn, "name");
  const named = typeof name === "string" && name !== "" ? ` ${name}` : "";
  let text = "";
  try {
    text = fnToString.call(fn);
  } catch {
    // A revoked Proxy: described as a function.
  }
  return (/^class\b/.test(text) ? "class" : "function") + named;
}

function describeObject(o: object): string {
  try {
    if (types.isProxy(o)) return "Proxy";
    if (o instanceof BuiltinObject) return `built-in module ${o.url}`;
    if (types.isModuleNamespaceObject(o)) return "module namespace";
    if (Array.isArray(o)) return `Array(${own(o, "length")})`;
    if (types.isArrayBuffer(o)) return `ArrayBuffer(${(o as ArrayBuffer).byteLength})`;
    if (types.isSharedArrayBuffer(o)) {
      return `SharedArrayBuffer(${(o as SharedArrayBuffer).byteLength})`;
    }
    if (types.isTypedArray(o)) {
      const proto = getPrototypeOf(o);
      return `${proto === null ? "TypedArray" : className(proto)}(${
        (o as Uint8Array).byteLength / (o as Uint8Array).BYTES_PER_ELEMENT
      })`;
    }
    if (types.isDataView(o)) return `DataView(${(o as DataView).byteLength})`;
    if (types.isMap(o)) return `Map(${(o as Map<unknown, unknown>).size})`;
    if (types.isSet(o)) return `Set(${(o as Set<unknown>).size})`;
    const proto = getPrototypeOf(o);
    if (proto === null) return `Object(null prototype) {${Object.keys(o).length} keys}`;
    if (proto === Object.prototype) return `Object {${Object.keys(o).length} keys}`;
    return className(proto);
  } catch {
    return "object";
  }
}
