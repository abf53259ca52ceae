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
import { TDZ } from "../runtime/adapter.ts";
import { syncRemedy } from "../runtime/remedy.ts";
import { syncPrivateReader } from "../runtime/detect.ts";
import { FORM_CLASS, isDeclarable, type ScopeHandle } from "./functions.ts";
import { wasLoaded } from "./identity.ts";
import { type Decoder, HOLE, NO_TAG, PENDING } from "../pickle/decoder.ts";
import { K_COLLECT } from "../pickle/decode_table.ts";

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
        if (rec.values[i] === TDZ) {
          enc.fail(
            `cannot pickle a class: its definition reads '${n}', which is ` +
              "not initialized yet (declared below the code that pickles); pickle it after " +
              "that declaration runs",
          );
        }
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

// Read side.

/**
 * Reads the captured values a class's definition reads (data whole, with everything it
 * holds; functions as soon as they exist) and sets them in its scope before the class is
 * evaluated.
 */
export function readDefinitionValues(dec: Decoder, scope: ScopeHandle | null, at: number): void {
  const r = dec.r;
  const n = r.length(2);
  if (n === 0) return;
  const names: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const name = dec.string();
    if (!isDeclarable(name) || scope === null) {
      dec.corrupt("a class's definition reads a variable it cannot have", at);
    }
    names[i] = name;
  }
  for (let i = 0; i < n; i++) {
    const mode = r.byte();
    let v: unknown;
    if (mode === T.DEFINITION_WHOLE) {
      const level = dec.top;
      const f = dec.push(K_COLLECT, null, 1);
      const items: unknown[] = f.items = [undefined];
      // Between the frames' children, a failure names the frame's tag.
      const tag = dec.tag;
      dec.tag = NO_TAG;
      dec.run(level);
      dec.tag = tag;
      v = items[0];
    } else if (mode === T.DEFINITION_EXISTS) {
      v = dec.inlineValue();
      if (v === PENDING) {
        dec.corrupt("a class's definition reads a value that is not built yet", at);
      }
    } else {
      dec.corrupt("a class's definition value has an unknown mode", at);
    }
    try {
      (scope!.d(`($cp$v) => { ${names[i]} = $cp$v; }`) as (v: unknown) => void)(v);
    } catch (e) {
      return dec.corrupt(`the captured variable ${names[i]} cannot be set`, at, e);
    }
  }
}

/** PROTOTYPE_OF: the `prototype` object of a function. */
export function readPrototypeOf(dec: Decoder, at: number): unknown {
  const slot = dec.memo.length;
  dec.memo.push(HOLE);
  const fn = dec.inlineValue();
  // Its own `prototype` data property, as pickles name it: not one it inherits (a shared
  // prototype reached through a loaded object), nor a getter's value.
  const proto = fn !== null && (typeof fn === "function" || typeof fn === "object")
    ? Object.getOwnPropertyDescriptor(fn, "prototype")?.value
    : undefined;
  if (proto === null || (typeof proto !== "object" && typeof proto !== "function")) {
    dec.corrupt("the prototype object of a value that has none is asked for", at);
  }
  // The prototype of a value taken by reference is taken by reference too (admitted, in
  // data-only loads).
  if (dec.admitted.has(fn)) dec.admitted.add(proto);
  dec.memo[slot] = proto;
  return proto;
}

/** PROTOTYPES: a function by value whose prototypes differ from what its source gives. */
export function readPrototypes(dec: Decoder, at: number): unknown {
  const r = dec.r;
  dec.code(at);
  const flags = r.byte();
  if (flags === 0 || flags > (T.PROTOTYPES_OWN | T.PROTOTYPES_OF_PROTOTYPE)) {
    dec.corrupt("a function's prototype flags are out of range", at);
  }
  const own = flags & T.PROTOTYPES_OWN ? readPrototypeOperand(dec, at) : undefined;
  const ofProto = flags & T.PROTOTYPES_OF_PROTOTYPE ? readPrototypeOperand(dec, at) : undefined;
  const next = r.pos + 1 < r.end ? r.buf[r.pos] : -1;
  if (next !== T.FUNCTION && next !== T.FUNCTION_CACHED) {
    dec.corrupt("a function's prototypes are not followed by the function", at);
  }
  const isClass = r.buf[r.pos + 1] === FORM_CLASS;
  const fn = dec.inlineValue() as object;
  // A class this process defined is the original, which has its prototypes already.
  if (isClass && !wasLoaded(fn)) return fn;
  const proto = (fn as { prototype?: unknown }).prototype;
  if (flags & T.PROTOTYPES_OF_PROTOTYPE && (proto === null || typeof proto !== "object")) {
    dec.corrupt("a prototype is given for the prototype object of a function that has none", at);
  }
  try {
    if (flags & T.PROTOTYPES_OWN) Object.setPrototypeOf(fn, own as object | null);
    if (flags & T.PROTOTYPES_OF_PROTOTYPE) Object.setPrototypeOf(proto, ofProto as object | null);
  } catch (e) {
    return dec.corrupt("a function's prototypes cannot be set", at, e);
  }
  return fn;
}

/** A prototype operand: an object, a function or null. */
function readPrototypeOperand(dec: Decoder, at: number): unknown {
  const p = dec.inlineValue();
  if (p === PENDING || (p !== null && typeof p !== "object" && typeof p !== "function")) {
    dec.corrupt("a function's prototype is neither an object nor null", at);
  }
  return p;
}
