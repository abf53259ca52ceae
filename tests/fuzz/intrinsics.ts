/**
 * Snapshots of the built-in prototypes (own keys, property descriptors, [[Prototype]],
 * extensibility) and of the global object's own keys, compared after every fuzz case: a load
 * must never change them.
 *
 * @module
 */

import { SHARED_SLOT_KEY } from "../../lib/runtime/shared_slot.ts";
import { INSTRUMENT_GLOBALS } from "../../lib/runtime/instrumented.ts";

/** Globals the library makes at their first need: its shared slot, the helpers' names. */
const LIBRARY_GLOBALS: readonly PropertyKey[] = [SHARED_SLOT_KEY, ...INSTRUMENT_GLOBALS];

const TypedArray = Object.getPrototypeOf(Int8Array);
const iteratorProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));

/** The objects watched: prototypes and constructors of the built-ins. */
export const WATCHED: ReadonlyArray<readonly [string, object]> = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["Function.prototype", Function.prototype],
  ["Map.prototype", Map.prototype],
  ["Set.prototype", Set.prototype],
  ["WeakMap.prototype", WeakMap.prototype],
  ["Promise.prototype", Promise.prototype],
  ["Error.prototype", Error.prototype],
  ["TypeError.prototype", TypeError.prototype],
  ["RangeError.prototype", RangeError.prototype],
  ["String.prototype", String.prototype],
  ["Number.prototype", Number.prototype],
  ["Boolean.prototype", Boolean.prototype],
  ["Symbol.prototype", Symbol.prototype],
  ["BigInt.prototype", BigInt.prototype],
  ["RegExp.prototype", RegExp.prototype],
  ["Date.prototype", Date.prototype],
  ["ArrayBuffer.prototype", ArrayBuffer.prototype],
  ["SharedArrayBuffer.prototype", SharedArrayBuffer.prototype],
  ["TypedArray.prototype", TypedArray.prototype],
  ["Uint8Array.prototype", Uint8Array.prototype],
  ["DataView.prototype", DataView.prototype],
  ["URL.prototype", URL.prototype],
  ["URLSearchParams.prototype", URLSearchParams.prototype],
  ["Blob.prototype", Blob.prototype],
  ["File.prototype", File.prototype],
  ["DOMException.prototype", DOMException.prototype],
  ["Iterator.prototype", iteratorProto],
  ["Object", Object],
  ["Array", Array],
  ["Function", Function],
  ["Promise", Promise],
  ["Symbol", Symbol],
  ["Reflect", Reflect],
  ["JSON", JSON],
  ["Math", Math],
];

type Snap = {
  proto: object | null;
  extensible: boolean;
  keys: (string | symbol)[];
  descs: PropertyDescriptor[];
};

function snap(o: object): Snap {
  const keys = Reflect.ownKeys(o);
  return {
    proto: Object.getPrototypeOf(o),
    extensible: Object.isExtensible(o),
    keys,
    descs: keys.map((k) => Object.getOwnPropertyDescriptor(o, k)!),
  };
}

/** Takes the snapshot; `check()` returns a description of the first difference, or "". */
export function watchIntrinsics(): () => string {
  const before = WATCHED.map(([, o]) => snap(o));
  // The library's own globals, made at their first need (see lib/runtime/shared_slot.ts).
  const globalKeys = new Set([...Reflect.ownKeys(globalThis), ...LIBRARY_GLOBALS]);
  const baseline = Reflect.ownKeys(globalThis).length;
  return () => {
    for (let i = 0; i < WATCHED.length; i++) {
      const [name, o] = WATCHED[i];
      const was = before[i];
      if (Object.getPrototypeOf(o) !== was.proto) return `${name}: [[Prototype]] changed`;
      if (Object.isExtensible(o) !== was.extensible) return `${name}: extensibility changed`;
      const keys = Reflect.ownKeys(o);
      if (keys.length !== was.keys.length) {
        const added = keys.filter((k) => !was.keys.includes(k)).map(String);
        const gone = was.keys.filter((k) => !keys.includes(k)).map(String);
        return `${name}: own keys changed (added ${added.join(",")}; removed ${gone.join(",")})`;
      }
      for (let j = 0; j < keys.length; j++) {
        const k = keys[j];
        if (k !== was.keys[j]) return `${name}: key order changed at ${String(k)}`;
        const d = Object.getOwnPropertyDescriptor(o, k)!;
        const e = was.descs[j];
        if (
          d.value !== e.value && !(Number.isNaN(d.value) && Number.isNaN(e.value)) ||
          d.get !== e.get || d.set !== e.set || d.writable !== e.writable ||
          d.enumerable !== e.enumerable || d.configurable !== e.configurable
        ) return `${name}.${String(k)}: descriptor changed`;
      }
    }
    const now = Reflect.ownKeys(globalThis);
    if (now.length !== baseline) {
      const added = now.filter((k) => !globalKeys.has(k)).map(String);
      if (added.length) return `globalThis: new keys ${added.join(",")}`;
    }
    return "";
  };
}
