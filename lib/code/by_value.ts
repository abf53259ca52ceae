/**
 * Functions by value: evaluated from their source inside their rebuilt scopes, and the
 * scope records they close over.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { FORM_CLASS, isDeclarable, newFunction, newScope, type ScopeHandle } from "./functions.ts";
import { knownClass, rememberClass, wasLoaded } from "./identity.ts";
import { loadedFunction, loadedScope, rememberFunction } from "./loaded.ts";
import { analyze } from "./analyze.ts";
import { withoutStaticInitializers } from "./class_source.ts";
import { newInstrumentedFunction } from "./loaded_instrument.ts";
import { rememberRestorer, withRestorer } from "./private_state.ts";
import { readDefinitionValues } from "./classes.ts";
import { type DecodeFrame, type Decoder, HOLE, NO_PROTOTYPE, NOT_DONE } from "../pickle/decoder.ts";
import { K_PRIVATE, K_PROPS, K_SCOPE } from "../pickle/decode_table.ts";
import { hasRepeat } from "../pickle/shapes.ts";
// Function sources instrumented by Bun's preload name its helpers: make them defined here.
import "../runtime/scopes_instrumented.ts";

// Read side.

/** Deepest chain of captured scopes a pickle may declare inline. */
const MAX_SCOPE_DEPTH = 1000;

/** What a FUNCTION tag said, up to its evaluation. */
class PendingFunction {
  constructor(
    readonly form: number,
    readonly member: number,
    readonly source: string,
    readonly id: string,
    readonly slot: number,
    readonly scope: ScopeHandle | null,
    readonly known: object | undefined,
    readonly at: number,
  ) {}
}

/** FUNCTION: a function by value, evaluated from its source inside its rebuilt scope. */
export function readFunction(dec: Decoder, at: number): unknown {
  const r = dec.r;
  dec.code(at);
  const form = r.byte();
  const member = r.byte();
  if (form > FORM_CLASS || member > 2) dec.corrupt("a function's form is out of range", at);
  const source = dec.string();
  const id = form === FORM_CLASS ? dec.string() : "";
  const slot = dec.memo.length;
  dec.memo.push(HOLE);
  // A class this process already has (defined here, or loaded before) is that class,
  // updated below with the members and static values of this pickle. One loaded before
  // also takes this pickle's captured values: its scopes are filled again (the newest
  // pickle loaded wins, as with cloudpickle's class tracker).
  const known = id === "" ? undefined : knownClass(id);
  const reuse = known !== undefined && wasLoaded(known)
    ? loadedFunction(known)?.scope ?? null
    : null;
  const scope = readScopeOperand(dec, at, reuse);
  if (reuse !== null && scope !== reuse) dec.refill.push(reuse, scope);
  const pending = new PendingFunction(form, member, source, id, slot, scope, known, at);
  if (form === FORM_CLASS) readDefinitionValues(dec, scope, at);
  return evaluate(dec, pending);
}

/** Evaluates a function (or takes the class this process knows) and reads its members. */
function evaluate(dec: Decoder, p: PendingFunction): unknown {
  const { form, source, id, at } = p;
  let fn = p.known;
  if (fn === undefined) {
    // A class with private members gets a restorer, so its instances can be rebuilt.
    let fields: readonly string[] | undefined;
    let statics: readonly string[] = [];
    if (form === FORM_CLASS && source.includes("#")) {
      try {
        const an = analyze(source);
        if (an.privateNames.length > 0) {
          fields = an.privateFields;
          statics = an.staticPrivateFields;
        }
      } catch (e) {
        return dec.corrupt("a class's source does not parse", at, e);
      }
    }
    let text = form === FORM_CLASS ? withoutStaticInitializers(source) : source;
    if (fields !== undefined) text = withRestorer(text, fields, statics);
    try {
      fn = (newInstrumentedFunction(p.scope, form, p.member, text) ??
        newFunction(p.scope, form, p.member, text)) as object;
    } catch (e) {
      return dec.r.fail(
        `cannot load a function: its source does not evaluate here (${String(e)}); ` +
          "load the pickle in a runtime that supports the syntax it uses",
        at,
        e,
      );
    }
    if (typeof fn !== "function") dec.corrupt("a function's source does not make a function", at);
    if (fields !== undefined) rememberRestorer(fn, source, fields);
    if (id !== "") rememberClass(id, fn);
    rememberFunction(fn, source, p.scope);
  }
  dec.memo[p.slot] = fn;
  // The process that defined the class gets the class itself, untouched: the lists are
  // read onto stand-ins. A class loaded before is updated with this pickle's members.
  const original = id !== "" && !wasLoaded(fn);
  const target = original ? function standIn() {} : fn;
  const proto = (target as { prototype?: unknown }).prototype;
  const protoTarget = proto !== null && typeof proto === "object" ? proto : NO_PROTOTYPE;
  if (form === FORM_CLASS) {
    // Static private values, applied last (null target: the original class keeps its own).
    const statics = dec.push(K_PRIVATE, original ? null : fn, NOT_DONE);
    statics.count = -1;
    statics.extra = 1;
  }
  dec.push(K_PROPS, protoTarget, NOT_DONE).count = -1;
  dec.push(K_PROPS, target, NOT_DONE).count = -1;
  return fn;
}

/**
 * Reads a scope operand: SCOPE, a reference to one, or null. `reuse` is a scope this
 * process rebuilt before for the same class: a new scope of the same variables is that
 * scope again (filled with this pickle's values), and so on up the chain.
 */
function readScopeOperand(
  dec: Decoder,
  at: number,
  reuse: ScopeHandle | null,
): ScopeHandle | null {
  const r = dec.r;
  const next = r.pos < r.end ? r.buf[r.pos] : -1;
  if (next === T.NULL) {
    r.pos++;
    return null;
  }
  if (next !== T.SCOPE && next !== T.REF) dec.corrupt("a scope was expected", at);
  if (next === T.SCOPE && reuse !== null) {
    r.pos++;
    return readScopeReusing(dec, at, reuse);
  }
  const v = dec.value();
  if (!dec.scopes.has(v as object)) dec.corrupt("a scope was expected", at);
  return v as ScopeHandle;
}

/** SCOPE: a captured scope, rebuilt as a real scope inside its parent. */
export function readScope(dec: Decoder, at: number): ScopeHandle {
  return readScopeReusing(dec, at, null);
}

/** A captured scope, or `reuse` again when it has the same variables (see readScopeOperand). */
function readScopeReusing(dec: Decoder, at: number, reuse: ScopeHandle | null): ScopeHandle {
  dec.code(at);
  if (++dec.scopeDepth > MAX_SCOPE_DEPTH) {
    dec.corrupt(`captured scopes nest deeper than ${MAX_SCOPE_DEPTH} levels`, at);
  }
  const n = dec.r.length(1);
  const names: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const name = dec.string();
    if (!isDeclarable(name)) dec.corrupt(`a captured variable is named '${name}'`, at);
    names[i] = name;
  }
  if (hasRepeat(names)) dec.corrupt("a scope declares a variable twice", at);
  const slot = dec.memo.length;
  dec.memo.push(HOLE);
  const known = reuse === null ? undefined : loadedScope(reuse);
  const parent = readScopeOperand(dec, at, known?.parent ?? null);
  let handle: ScopeHandle;
  if (known !== undefined && parent === known.parent && sameNames(known.names, names)) {
    handle = reuse!;
  } else {
    try {
      handle = newScope(parent, names);
    } catch (e) {
      return dec.corrupt("a captured scope cannot be rebuilt", at, e);
    }
    if (reuse !== null) dec.refill.push(reuse, handle);
  }
  dec.scopes.add(handle);
  dec.memo[slot] = handle;
  dec.scopeDepth--;
  if (n > 0) dec.push(K_SCOPE, handle, n);
  return handle;
}

/** A variable's value of a scope's frame. */
export function deliverScopeValue(_dec: Decoder, f: DecodeFrame, v: unknown, i: number): void {
  (f.target as ScopeHandle).s(i, v);
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * After a load: copies the values of the scopes it built into the earlier scope chains of
 * the classes it updated (`pairs`: earlier scope, scope of this pickle).
 */
export function refillScopes(pairs: readonly (ScopeHandle | null)[]): void {
  for (let i = 0; i < pairs.length; i += 2) refillChain(pairs[i], pairs[i + 1]);
}

/**
 * Copies into a class's earlier scope chain the values of the same-named variables of the
 * scope chain this pickle built for it (where the chains differ, so the earlier scopes could
 * not be filled directly).
 */
function refillChain(old: ScopeHandle | null, fresh: ScopeHandle | null): void {
  const seen = new Set<ScopeHandle>();
  while (old !== null && fresh !== null && !seen.has(old)) {
    seen.add(old);
    const a = loadedScope(old);
    const b = loadedScope(fresh);
    if (a === undefined || b === undefined) return;
    if (old !== fresh) {
      for (let i = 0; i < b.names.length; i++) {
        const j = a.names.indexOf(b.names[i]);
        if (j >= 0) old.s(j, fresh.g(i));
      }
    }
    old = a.parent;
    fresh = b.parent;
  }
}
