/**
 * The data-only oracle: every object a data-only load returns has a prototype of a built-in
 * class the library supports (or null). An array must not come back `instanceof Map`, an
 * object must not inherit from another object of the pickle.
 *
 * @module
 */

const TypedArray = Object.getPrototypeOf(Int8Array);

/** Prototypes a data-only load may give its objects. */
const ALLOWED = new Set<object | null>([
  null,
  Object.prototype,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  WeakMap.prototype,
  WeakSet.prototype,
  Date.prototype,
  RegExp.prototype,
  Error.prototype,
  TypeError.prototype,
  RangeError.prototype,
  SyntaxError.prototype,
  ReferenceError.prototype,
  EvalError.prototype,
  URIError.prototype,
  AggregateError.prototype,
  ...(typeof (globalThis as { SuppressedError?: { prototype: object } }).SuppressedError ===
      "function"
    ? [
      (globalThis as unknown as { SuppressedError: { prototype: object } }).SuppressedError
        .prototype,
    ]
    : []),
  DOMException.prototype,
  ArrayBuffer.prototype,
  SharedArrayBuffer.prototype,
  DataView.prototype,
  TypedArray.prototype,
  ...[
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ].map((c) => c.prototype),
  ...["Float16Array", "Buffer"].flatMap((n) => {
    const c = (globalThis as Record<string, unknown>)[n] as { prototype?: object } | undefined;
    return c?.prototype ? [c.prototype] : [];
  }),
  Number.prototype,
  String.prototype,
  Boolean.prototype,
  BigInt.prototype,
  Symbol.prototype,
  URL.prototype,
  URLSearchParams.prototype,
  Blob.prototype,
  File.prototype,
  Promise.prototype,
  // errors of the runtime's own classes load as those classes where the runtime has them
  ...Object.values(
    (globalThis as { Deno?: { errors?: Record<string, { prototype: object }> } }).Deno?.errors ??
      {},
  ).map((c) => c.prototype),
]);

/**
 * Own keys the runtime gives fresh instances of its web classes (Deno keeps a Blob's parts
 * under its own symbols): not the pickle's, not looked into.
 */
const INTERNAL = new Map<object, Set<string | symbol>>(
  [
    new Blob([]),
    new File([], "f"),
    new URL("https://example.com/"),
    new URLSearchParams(""),
    new DOMException("m"),
  ].map((v) => [Object.getPrototypeOf(v), new Set(Reflect.ownKeys(v))]),
);

/** Most objects looked at per value. */
const MAX_OBJECTS = 20_000;

/** "" when every object reachable from `value` has an allowed prototype; else where one has not. */
export function foreignPrototype(value: unknown): string {
  const seen = new Set<object>();
  const todo: [unknown, string][] = [[value, "value"]];
  while (todo.length && seen.size < MAX_OBJECTS) {
    const [v, path] = todo.pop()!;
    if ((typeof v !== "object" && typeof v !== "function") || v === null || seen.has(v)) continue;
    seen.add(v);
    const proto = Object.getPrototypeOf(v);
    if (!ALLOWED.has(proto)) {
      const name = describeProto(proto);
      return `${path} has the prototype ${name}`;
    }
    try {
      if (v instanceof Map) {
        let i = 0;
        for (const [k, x] of Map.prototype.entries.call(v)) {
          todo.push([k, `${path}.keys[${i}]`], [x, `${path}.get(${i++})`]);
        }
      } else if (v instanceof Set) {
        let i = 0;
        for (const x of Set.prototype.values.call(v)) todo.push([x, `${path}.values[${i++}]`]);
      }
    } catch {
      return `${path} inherits from ${describeProto(proto)} but is not one`;
    }
    const internal = INTERNAL.get(proto);
    for (const key of Reflect.ownKeys(v)) {
      if (internal?.has(key)) continue;
      const d = Reflect.getOwnPropertyDescriptor(v, key)!;
      const at = `${path}.${String(key)}`;
      if ("value" in d) todo.push([d.value, at]);
      else todo.push([d.get, `${at}(get)`], [d.set, `${at}(set)`]);
    }
  }
  return "";
}

function describeProto(proto: object): string {
  const ctor = Object.getOwnPropertyDescriptor(proto, "constructor")?.value;
  if (typeof ctor === "function" && ctor.prototype === proto) return `${ctor.name}.prototype`;
  const kind = Object.prototype.toString.call(proto).slice(8, -1);
  return `an object (${kind}, not a built-in prototype)`;
}
