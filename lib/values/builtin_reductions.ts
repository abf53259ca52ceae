/**
 * Built-in objects whose state lives in internal slots but that the runtime can make again from
 * plain data: `Headers` (its entries), the `Temporal` types (their ISO string, through `from`)
 * and the `Intl` formatters (their locale and resolved options). They are written as reduce
 * calls of those built-ins (by reference), so they load wherever the runtime has them, and
 * with `allowCode: false` when `LoadOptions.allow` admits the built-in by name.
 *
 * @module
 */

import type { Encoder } from "../pickle/encoder.ts";
import type { Reduction } from "../pickle/options.ts";
import { writeReduction } from "./reduce.ts";

type Reducer = (o: object) => Reduction;

/**
 * The own keys a new object of `proto`'s built-in has (Deno writes Headers in JavaScript, with
 * symbol-keyed internals): they are the built-in's, not the user's.
 */
const builtinKeys = new Map<object, ReadonlySet<string | symbol>>();

function keysOfNew(proto: object, reducer: Reducer): ReadonlySet<string | symbol> {
  let keys = builtinKeys.get(proto);
  if (keys === undefined) {
    let fresh: object | undefined;
    try {
      const C = (proto as { constructor?: unknown }).constructor;
      fresh = typeof C === "function" ? Reflect.construct(C, []) : undefined;
      // Read as a pickle reads it: caches the runtime keeps on the object appear.
      if (fresh !== undefined) reducer(fresh);
    } catch {
      fresh = undefined; // needs arguments (Temporal): no own keys of its own
    }
    keys = new Set(fresh === undefined ? [] : Reflect.ownKeys(fresh));
    builtinKeys.set(proto, keys);
  }
  return keys;
}

const g = globalThis as Record<string, unknown>;
let table: Map<object, Reducer> | undefined;

function add(t: Map<object, Reducer>, ctor: unknown, reducer: (c: unknown) => Reducer): void {
  const proto = (ctor as { prototype?: unknown } | undefined)?.prototype;
  if (typeof ctor === "function" && proto !== null && typeof proto === "object") {
    t.set(proto, reducer(ctor));
  }
}

/** The reducers by exact prototype, built once on first need. */
function reducers(): Map<object, Reducer> {
  if (table !== undefined) return table;
  const t = new Map<object, Reducer>();
  add(t, g.Headers, (C) => (o) => [C as Reduction[0], [[...(o as Headers)]]]);
  const temporal = g.Temporal as Record<string, { from?: unknown }> | undefined;
  for (
    const name of [
      "Instant",
      "ZonedDateTime",
      "PlainDate",
      "PlainTime",
      "PlainDateTime",
      "PlainYearMonth",
      "PlainMonthDay",
      "Duration",
    ]
  ) {
    const C = temporal?.[name];
    if (typeof C?.from !== "function") continue;
    const from = C.from as Reduction[0];
    add(t, C, () => (o) => [from, [String(o)]]);
  }
  const intl = g.Intl as Record<string, unknown> | undefined;
  for (
    const name of [
      "Collator",
      "DateTimeFormat",
      "DisplayNames",
      "DurationFormat",
      "ListFormat",
      "NumberFormat",
      "PluralRules",
      "RelativeTimeFormat",
      "Segmenter",
    ]
  ) {
    add(t, intl?.[name], (C) => (o) => {
      const options = (o as { resolvedOptions(): { locale: string } }).resolvedOptions();
      return [C as Reduction[0], [options.locale, options]];
    });
  }
  return table = t;
}

/** Writes `o` as a reduce call when its prototype is one of these built-ins'; else false. */
export function writeBuiltinReduction(enc: Encoder, o: object, proto: object | null): boolean {
  if (proto === null) return false;
  const reducer = reducers().get(proto);
  if (reducer === undefined) return false;
  let r: Reduction;
  try {
    r = reducer(o);
  } catch (e) {
    return enc.fail(
      "cannot pickle this built-in object: reading its state failed (see the cause); give it " +
        "a [reduce]() method",
      e,
    );
  }
  // Own properties travel as the reduce call's state (assigned on load): enumerable string
  // keyed data properties only, on an extensible object; anything else is refused.
  const own = keysOfNew(proto, reducer);
  const keys = Reflect.ownKeys(o).filter((k) => !own.has(k));
  if (keys.length > 0 || !Object.isExtensible(o)) {
    const state: Record<string, unknown> = {};
    for (const k of keys) {
      const d = Object.getOwnPropertyDescriptor(o, k)!;
      if (typeof k !== "string" || !("value" in d) || !d.enumerable || !d.writable) {
        return enc.fail(
          "cannot pickle this built-in object: it has an own property that is not a plain " +
            "enumerable data property, or is not extensible; give it a [reduce]() method",
        );
      }
      state[k] = d.value;
    }
    if (!Object.isExtensible(o)) {
      return enc.fail(
        "cannot pickle this built-in object: it is not extensible (frozen or sealed); " +
          "give it a [reduce]() method",
      );
    }
    r = [r[0], r[1], state];
  }
  writeReduction(enc, o, r);
  return true;
}
