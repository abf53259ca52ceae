/**
 * Classes and prototypes: the values a class's definition reads, the prototype object of a
 * function, and functions whose prototypes differ from what their source gives.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { FORM_CLASS, isDeclarable, type ScopeHandle } from "./functions.ts";
import { wasLoaded } from "./identity.ts";
import { type Decoder, HOLE, NO_TAG, PENDING } from "../pickle/decoder.ts";
import { K_COLLECT } from "../pickle/decode_table.ts";

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
      v = dec.value();
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
  const fn = dec.value();
  const proto = fn !== null && (typeof fn === "function" || typeof fn === "object")
    ? (fn as { prototype?: unknown }).prototype
    : undefined;
  if (proto === null || (typeof proto !== "object" && typeof proto !== "function")) {
    dec.corrupt("the prototype object of a value that has none is asked for", at);
  }
  // The prototype of a class admitted by reference is admitted (data-only loads).
  if (!dec.opts.allowCode && dec.admitted.has(fn)) dec.admitted.add(proto);
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
  if (r.pos + 1 >= r.end || r.buf[r.pos] !== T.FUNCTION) {
    dec.corrupt("a function's prototypes are not followed by the function", at);
  }
  const isClass = r.buf[r.pos + 1] === FORM_CLASS;
  const fn = dec.value() as object;
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
  const p = dec.value();
  if (p === PENDING || (p !== null && typeof p !== "object" && typeof p !== "function")) {
    dec.corrupt("a function's prototype is neither an object nor null", at);
  }
  return p;
}
