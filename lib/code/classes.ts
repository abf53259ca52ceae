/**
 * Classes and prototype objects: a class is a function by value (by_value.ts) plus the
 * values its definition reads (its parent, computed keys, static initializers), its static
 * private fields, and the prototypes it was given after its definition; a function's own
 * `prototype` object is written as "the prototype of" that function.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { type Encoder, F_LIST, S_DEFINITION } from "../pickle/encoder.ts";
import { writeValue } from "../pickle/dispatch.ts";
import type { Analysis } from "./analyze.ts";
import type { ScopeRecord } from "./captures.ts";
import { sourcePrototypes, UNKNOWN } from "./members.ts";
import { UNREAD } from "./by_value.ts";
import { syncRemedy } from "../runtime/remedy.ts";
import { syncPrivateReader } from "../runtime/scopes.ts";

// Write side.

const getPrototypeOf = Object.getPrototypeOf;

/** A function's own `prototype` object, pickled as "the prototype of" that function. */
export function writePrototypeOf(enc: Encoder, proto: object, ctor: object): void {
  enc.memo.set(proto, enc.nextId++);
  enc.w.byte(T.PROTOTYPE_OF);
  writeValue(enc, ctor);
}

/**
 * Writes the prototypes prefix when the [[Prototype]] of `fn` or of its own `prototype`
 * object is not what evaluating its source again gives (`Object.setPrototypeOf(fn, p)`,
 * `util.inherits`, a class re-parented after its definition). Nothing for the usual case.
 */
export function reparented(
  enc: Encoder,
  fn: object,
  an: Analysis,
  scope: ScopeRecord | null,
  proto: object | undefined,
): void {
  const parent = an.heritage === undefined ? UNKNOWN : heritageValue(an.heritage, scope);
  const [own, ofProto] = sourcePrototypes(fn, an, parent);
  const actualOwn = getPrototypeOf(fn);
  const actualOfProto = proto === undefined ? ofProto : getPrototypeOf(proto);
  const flags = (own !== UNKNOWN && actualOwn !== own ? T.PROTOTYPES_OWN : 0) |
    (ofProto !== UNKNOWN && actualOfProto !== ofProto ? T.PROTOTYPES_OF_PROTOTYPE : 0);
  if (flags === 0) return;
  if (enc.reparentedFns.includes(fn)) {
    enc.fail(
      "cannot pickle a function whose prototype chain leads back to the function itself " +
        "before it is defined; set that prototype after loading instead",
    );
  }
  enc.flags |= T.FLAG_CODE;
  enc.w.byte(T.PROTOTYPES);
  enc.w.byte(flags);
  enc.reparentedFns.push(fn);
  try {
    if (flags & T.PROTOTYPES_OWN) writeValue(enc, actualOwn);
    if (flags & T.PROTOTYPES_OF_PROTOTYPE) writeValue(enc, actualOfProto);
  } finally {
    enc.reparentedFns.pop();
  }
}

/** The value a class's `extends` identifier holds on load: captured, or a global. */
function heritageValue(name: string, scope: ScopeRecord | null): unknown {
  for (let rec = scope; rec !== null; rec = rec.parent) {
    const i = rec.names.indexOf(name);
    if (i >= 0) return rec.values[i];
  }
  return name in globalThis ? (globalThis as Record<string, unknown>)[name] : UNKNOWN;
}

/**
 * The captured values a class reads while being defined (its parent, computed keys,
 * static initializers): their names, then each value with a mode byte. Data is written
 * whole (mode 1), with everything it holds, so that the loader has it complete before it
 * evaluates the class; data that refers back to the class is refused, since the class
 * cannot exist before it. Functions only need to exist (mode 0): their own properties
 * follow later, so a parent class may list its subclasses. The scope's own list delivers
 * the values (again) with everything else.
 */
export function definitionValues(
  enc: Encoder,
  fn: object,
  an: Analysis,
  scope: ScopeRecord | null,
): void {
  const names: string[] = [];
  const values: unknown[] = [];
  for (const n of an.definitionNames) {
    for (let rec = scope; rec !== null; rec = rec.parent) {
      const i = rec.names.indexOf(n);
      if (i >= 0) {
        names.push(n);
        values.push(rec.values[i]);
        break;
      }
    }
  }
  const w = enc.w;
  w.varint(names.length);
  for (const n of names) w.string(n);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "function") {
      w.byte(T.DEFINITION_EXISTS);
      writeValue(enc, v);
      continue;
    }
    w.byte(T.DEFINITION_WHOLE);
    const level = enc.top;
    const f = enc.push(F_LIST, S_DEFINITION, fn, 1);
    f.keys = [names[i]];
    f.items = [v];
    f.reducing = fn;
    enc.reducing++;
    enc.run(level);
  }
}

/**
 * The values of a class's static private fields as [name, value, …], read by the runtime's
 * adapter (async form); UNREAD while it has yet to read them.
 */
export function staticPrivates(
  enc: Encoder,
  cls: object,
  an: Analysis,
  name: string,
): unknown[] | typeof UNREAD {
  const fields = an.staticPrivateFields;
  if (fields.length === 0) return [];
  const read = enc.opts.privates?.get(cls) ?? syncPrivateReader()?.(cls);
  if (read === undefined) {
    if (enc.async && enc.opts.scopesUnavailable === undefined) {
      enc.unreadPrivate.push(cls);
      return UNREAD;
    }
    enc.fail(
      `cannot pickle class${name}: its static private fields (#${fields.join(", #")}) ` +
        (!enc.async
          ? `cannot be read by the sync form (${syncRemedy()})`
          : `cannot be read here (${enc.opts.scopesUnavailable})`),
    );
  }
  const items: unknown[] = [];
  for (let i = 0; i < read.names.length; i++) {
    if (fields.includes(read.names[i])) items.push(read.names[i], read.values[i]);
  }
  return items;
}
