/**
 * Functions by value: their source (analysed once per function), their captured variables as
 * scope records (shared by the functions that close over one scope, as on the side that
 * made them), and their own properties. Classes add their definition's values and their
 * prototype (classes.ts); bound functions are calls (bound.ts).
 *
 * @module
 */

import { isLegacyDecorated } from "../runtime/detect.ts";
import * as T from "../format/tags.ts";
import { type Encoder, F_LIST, S_PRIVATE } from "../pickle/encoder.ts";
import { propsFrame } from "../pickle/properties.ts";
import { type Analysis, AnalysisError, analyze } from "./analyze.ts";
import {
  FORM_CLASS,
  FORM_FUNCTION,
  FORM_METHOD,
  FORM_SLOPPY,
  formCode,
  isSloppyFunction,
  loadedSource,
  memberCode,
  newFunction,
  NotOneFunction,
  type ScopeHandle,
} from "./functions.ts";
import { classId, knownClass, rememberClass, wasLoaded } from "./identity.ts";
import {
  functionKeys,
  isPristinePrototype,
  ownPrototype,
  prototypeKeys,
  sourcePrototypes,
  UNKNOWN,
} from "./members.ts";
import { originalSource, rememberRestorer, withRestorer } from "./private_state.ts";
import { loadedFunction, rememberExactFunction, rememberFunction } from "./loaded.ts";
import { withoutInstrumentation } from "./uninstrument.ts";
import { types } from "node:util";
import { refuseProxy } from "../values/refused.ts";
import { poisonedAccessorMessage } from "./poisoned_accessors.ts";
import { importSites, mayImport, withImportBase } from "./relative_imports.ts";
import { moduleRoot, portableOf, writeExported } from "./by_reference.ts";
import { writeBound } from "./bound.ts";
import { definitionValues, readDefinitionValues, reparented, staticPrivates } from "./classes.ts";
import { recordOf } from "../runtime/instrumented.ts";
import { findBuiltinExport, locatedFunction } from "../runtime/modules/table.ts";
import { definingModuleRemedy, recordedThisRemedy } from "../runtime/remedy.ts";
import type { ReadScopes } from "../runtime/adapter.ts";
import { isBoundFunction } from "../runtime/bound.ts";
import { captured, writeScope } from "./scope_records.ts";
import { type WithReceiver, withReceiver } from "./receiver.ts";
import { withParentVariable } from "./heritage.ts";
import { withGlobalMembers } from "./global_members.ts";
import { withoutStaticInitializers } from "./class_source.ts";
import {
  madeByLoadedCode,
  newInstrumentedFunction,
  readInstrumentedScopes,
} from "./loaded_instrument.ts";
import { type Decoder, HOLE, NO_PROTOTYPE, NOT_DONE } from "../pickle/decoder.ts";
import { K_PRIVATE, K_PROPS } from "../pickle/decode_table.ts";
import { asMembers } from "../pickle/decode_properties.ts";
import { cachedDefinition, writeFunctionHead } from "../pickle/code_table.ts";
import { batched, sourceReadAhead } from "./eval_batch.ts";
import { readScopeOperand } from "./scope_read.ts";

// Write side.

const fnToString = Function.prototype.toString;
/** Calls the runtimes' decorator transforms put in a class (Deno's swc, Bun's). */
const DECORATOR_HELPERS = /\b(?:_apply_decs_\w+|__decorateElement_\w+|__decoratorStart_\w+)\(/;

/** Stands for what the async form must read (in the prefetch pass) before walking again. */
export const UNREAD: unique symbol = Symbol("unread");

/** What a function's source says, found once per function: its text never changes. */
class Analysed {
  constructor(
    readonly source: string,
    readonly an: Analysis,
    /** Whether the source may call `import()`. */
    readonly imports: boolean,
  ) {}
  /**
   * Functions but classes: the [[Prototype]] of the function and of its `prototype` object
   * that evaluating the source gives (fixed by the function's kind), once asked.
   */
  protos: [unknown, unknown] | undefined = undefined;
}

/** Source and analysis per function. */
const analysed = new WeakMap<object, Analysed>();
/** Arrows over `this` found to be closures over their instance (see receiver.ts). */
const receivers = new WeakMap<object, WithReceiver>();

/** ` 'name'` of a function for messages ("" without a name). */
function label(fn: object): string {
  let n: unknown;
  try {
    n = (fn as { name?: unknown }).name;
  } catch {
    n = undefined;
  }
  return typeof n === "string" && n !== "" ? ` '${n}'` : "";
}

/**
 * Reads and analyses the source of `fn` (remembered); undefined when `fn` was written by
 * reference instead (a built-in module's function without source).
 */
function analysedSource(enc: Encoder, fn: object): Analysed | undefined {
  let result: Analysed;
  try {
    const source = loadedFunction(fn)?.source ?? originalSource(fn) ?? loadedSource(fn) ??
      withoutInstrumentation(fnToString.call(fn));
    result = new Analysed(source, analyze(source), mayImport(source));
  } catch (e) {
    if (writeExported(enc, fn, findBuiltinExport)) return undefined;
    if (types.isProxy(fn)) refuseProxy(enc);
    const poisoned = poisonedAccessorMessage(fn);
    if (poisoned !== undefined) enc.fail(poisoned);
    const name = label(fn);
    if (e instanceof AnalysisError && e.complete) {
      enc.fail(`cannot pickle function${name} by value: ${e.message}`);
    }
    return enc.fail(
      `cannot pickle function${name}: ${e instanceof Error ? e.message : String(e)} ` +
        "(native and bound functions are pickled only when reachable from globalThis)",
    );
  }
  analysed.set(fn, result);
  return result;
}

/** A function by value: its source, its captured scope, its own properties. */
export function writeByValue(enc: Encoder, fn: (...args: unknown[]) => unknown): void {
  let known = analysed.get(fn);
  if (known === undefined) {
    if (isBoundFunction(fn)) {
      writeBound(enc, fn, label(fn));
      return;
    }
    known = analysedSource(enc, fn);
    if (known === undefined) return;
  }
  let { source, an } = known;
  let receiver: { readonly value: unknown } | undefined;
  if (an.lexicalThis) {
    // An arrow a class stored on its instance: a closure over that instance.
    let r = receivers.get(fn);
    if (r === undefined) {
      r = withReceiver(enc, fn, source, an);
      if (r !== undefined) receivers.set(fn, r);
    }
    if (r !== undefined) ({ source, an, receiver } = r);
  }
  if (an.heritageAt !== undefined && typeof getPrototypeOf(fn) === "function") {
    ({ source, an } = withParentVariable(fn, source, an));
  }
  let form = formCode(an);
  if (form === undefined || an.lexicalThis || (an.usesSuper && form !== FORM_CLASS)) {
    return refuseAlone(enc, fn, an, label(fn));
  }
  if (form === FORM_CLASS && (DECORATOR_HELPERS.test(source) || isLegacyDecorated(fn))) {
    enc.fail(
      `cannot pickle class${label(fn)} by value: it uses decorators, which the runtime ` +
        "compiles into calls of helpers kept outside the class, whose state a pickle cannot " +
        "carry; define the class in a module other than the program's entry module and " +
        "export it: it then goes by reference (the loading side imports that module)",
    );
  }
  // A function with free variables may be a Node built-in written in JavaScript.
  if (an.free.length > 0 && writeExported(enc, fn, findBuiltinExport)) return;
  let scope = an.free.length === 0 ? null : captured(enc, fn, an, label(fn), receiver);
  if (scope === UNREAD) {
    enc.w.byte(T.UNDEFINED);
    return;
  }
  // Members user code added to the global object or to built-ins, read through them.
  if (an.globalMembers.length > 0 || an.methodNames.length > 0) {
    scope = withGlobalMembers(enc, fn, an, scope);
  }
  // A loaded function's source says already where its import()s resolve.
  const text = known.imports && loadedFunction(fn) === undefined
    ? importBase(enc, fn, source, label(fn))
    : source;
  if (text === UNREAD) {
    enc.w.byte(T.UNDEFINED);
    return;
  }
  enc.opts.observer?.code(fn, an, scope);
  const proto = ownPrototype(fn);
  // The usual case, checked without reparented(): the prototypes are the source's own.
  if (form !== FORM_CLASS) {
    const [own, ofProto] = known.protos ??= sourcePrototypes(fn, an, UNKNOWN);
    if (
      getPrototypeOf(fn) !== own ||
      (proto !== undefined && getPrototypeOf(proto) !== ofProto)
    ) reparented(enc, fn, an, scope, proto);
  } else reparented(enc, fn, an, scope, proto);
  enc.memo.set(fn, enc.nextId++);
  enc.flags |= T.FLAG_CODE;
  const w = enc.w;
  if (form === FORM_FUNCTION && isSloppyFunction(fn)) form = FORM_SLOPPY;
  writeFunctionHead(enc, form, memberCode(an), text);
  if (form === FORM_CLASS) {
    w.string(classId(fn, source, enc.opts.classNamespace, madeByLoadedCode(fn)));
  }
  writeScope(enc, scope);
  if (form === FORM_CLASS) {
    definitionValues(enc, fn, an, scope);
    // Static private values: written last, after both property lists.
    const statics = staticPrivates(enc, fn, an, label(fn));
    if (statics === UNREAD) return;
    const f = enc.push(F_LIST, S_PRIVATE, fn, statics.length);
    f.items = statics;
    f.pre = statics.length >> 1;
  }
  const keys = form === FORM_CLASS
    ? functionKeys(fn, an, source, proto !== undefined)
    : ownKeysOf(fn, an, proto !== undefined);
  if (proto === undefined && keys.length === 0 && isExtensible(fn)) {
    // Nothing of its own (most arrows and methods): both lists empty, written here rather
    // than through two frames (the function's list, then its prototype's; each a count and
    // the integrity level), as the frames would write them next.
    w.byte2(0, T.INTEGRITY_EXTENSIBLE);
    w.byte2(0, T.INTEGRITY_EXTENSIBLE);
    return;
  }
  // The prototype's list is pushed first so that the function's own list is written first.
  if (proto === undefined) propsFrame(enc, fn, [], null, T.INTEGRITY_EXTENSIBLE);
  else propsFrame(enc, proto, prototypeKeys(fn, proto, an, source), null);
  propsFrame(enc, fn, keys, null);
}

/** Refuses a function that cannot be pickled by value on its own (see writeByValue). */
function refuseAlone(enc: Encoder, fn: object, an: Analysis, name: string): never {
  if (an.form === "private-function") {
    const names = an.privateNames.map((n) => `#${n}`).join(", ");
    enc.fail(
      `cannot pickle ${an.lexicalThis ? "arrow function" : "function"}${name}: it uses ` +
        `private names of the class around it (${names}), which exist only inside that ` +
        "class; read them into variables outside it (`const x = this.#x`) and use those, or " +
        "make it a method of the class and bind it (`this.f = this.f.bind(this)`): the class " +
        "travels with it",
    );
  }
  if (formCode(an) === undefined) {
    enc.fail(
      `cannot pickle method${name} alone: it uses private names (#…), which exist only ` +
        "inside its class; pickle the class, or an instance of it",
    );
  }
  if (an.lexicalThis) {
    enc.fail(
      `cannot pickle arrow function${name}: it uses the enclosing \`this\`, which the ` +
        "runtime does not expose; assign `this` to a variable outside the arrow and use that " +
        "(an arrow a class stores on its instance, as a field `f = () => …` or with " +
        "`this.f = () => …`, pickles with that instance, and alone once pickled with it; " +
        "or declare `f` as a method and bind it in the constructor: " +
        "`this.f = this.f.bind(this)`)" + thisHint(fn),
    );
  }
  return enc.fail(
    `cannot pickle method${name} alone: it uses \`super\`, whose home object is not ` +
      "recoverable; pickle the class, or an instance of it",
  );
}

/**
 * Where instrumented code records `this` (Bun's preload; code loaded from a pickle): why this
 * arrow's is not there.
 */
function thisHint(fn: object): string {
  if (recordOf(fn) !== undefined) {
    return "; its `this` is not initialized yet (in a derived class's constructor before " +
      "super()): pickle it after";
  }
  const remedy = recordedThisRemedy();
  return remedy === undefined ? "" : `; ${remedy}`;
}

const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const getPrototypeOf = Object.getPrototypeOf;
const isExtensible = Object.isExtensible;

/**
 * Own keys of a function (not a class) worth pickling, as functionKeys (members.ts) gives them,
 * without `name` and `length` where they are what evaluating its source gives on load (value
 * and attributes): the common case costs nothing to write and no definition on load.
 */
function ownKeysOf(fn: object, an: Analysis, hasOwnPrototype: boolean): (string | symbol)[] {
  const keys: (string | symbol)[] = [];
  for (const k of Reflect.ownKeys(fn)) {
    const d = getOwnPropertyDescriptor(fn, k)!;
    if (k === "name" || k === "length") {
      const given = k === "name" ? an.sourceName : an.sourceLength;
      if (
        given !== undefined && d.value === given && d.writable === false &&
        d.enumerable === false && d.configurable === true
      ) continue;
    } else if ((k === "arguments" || k === "caller") && !("value" in d)) continue;
    else if (k === "prototype" && (hasOwnPrototype || isPristinePrototype(fn, d.value))) continue;
    keys.push(k);
  }
  return keys;
}

/**
 * The source of a function that calls `import()`, with each call resolving against the
 * module that defined the function, named portably (see relative_imports.ts); UNREAD while
 * the async form has yet to locate the function.
 */
function importBase(
  enc: Encoder,
  fn: object,
  source: string,
  name: string,
): string | typeof UNREAD {
  const sites = importSites(source);
  if (sites === undefined) return source;
  const root = moduleRoot(enc);
  const portable = (url: string) => portableOf(url, root || undefined);
  let base: string | undefined;
  if (sites.needsBase) {
    let url: string | null | undefined = enc.opts.locations?.get(fn) ?? locatedFunction(fn);
    if (url === undefined && enc.async) {
      enc.unlocated.push(fn);
      return UNREAD;
    }
    url ??= undefined;
    if (url !== undefined) base = portable(url) ?? url;
    else if (sites.needsBaseStrictly) {
      enc.fail(
        `cannot pickle function${name}: it imports a relative specifier (import("./…")), ` +
          "and the module that defined it, which that specifier is relative to, cannot be " +
          "found here; " + definingModuleRemedy(!enc.async),
      );
    }
  }
  return withImportBase(source, sites, base, portable);
}

/**
 * `reader`, answering first for closures that loaded code created (their scope records were
 * added by the loader, on every runtime: see loaded_instrument.ts).
 */
export function withLoadedClosures(
  reader: ((fn: object) => ReadScopes | undefined) | undefined,
): (fn: object) => ReadScopes | undefined {
  if (reader === readInstrumentedScopes) return reader;
  // One wrapper per reader (the reader rarely changes): no closure per walk.
  if (reader !== lastReader || lastWrapper === undefined) {
    lastReader = reader;
    lastWrapper = (fn) =>
      (recordOf(fn) !== undefined ? readInstrumentedScopes(fn) : undefined) ?? reader?.(fn);
  }
  return lastWrapper;
}
let lastReader: ((fn: object) => ReadScopes | undefined) | undefined;
let lastWrapper: ((fn: object) => ReadScopes | undefined) | undefined;

// Function sources instrumented by Bun's preload name its helpers: make them defined here.

// Read side.

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

/**
 * FUNCTION: a function by value, evaluated from its source inside its rebuilt scope.
 * FUNCTION_CACHED: the same, its head (form, member, source) from the code table.
 */
export function readFunction(dec: Decoder, at: number, tag: number): unknown {
  const r = dec.r;
  dec.code(at);
  let form: number, member: number, source: string;
  if (tag === T.FUNCTION) {
    form = r.byte();
    member = r.byte();
    if (form > FORM_SLOPPY || member > 2) dec.corrupt("a function's form is out of range", at);
    source = sourceReadAhead(dec, at) ?? dec.string();
  } else ({ form, member, source } = cachedDefinition(dec, at));
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
  const newScope = r.pos < r.end && r.buf[r.pos] === T.SCOPE;
  const scope = readScopeOperand(dec, at, reuse);
  if (reuse !== null && scope !== reuse) dec.refill.push(reuse, scope);
  const early = form === FORM_CLASS
    ? undefined
    : batched(dec, at, form, member, source, scope, newScope);
  if (early !== undefined) {
    // Made by a batch, which checked that its text is its source (but for methods) and
    // that its two property lists that follow are empty.
    if (form !== FORM_METHOD) rememberExactFunction(early as object, scope);
    else rememberFunction(early as object, source, scope);
    dec.memo[slot] = early;
    r.pos += 4;
    return early;
  }
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
      // (Sloppy-mode code is not instrumented: the instrumented text is strict.)
      fn = ((form === FORM_SLOPPY
        ? undefined
        : newInstrumentedFunction(p.scope, form, p.member, text)) ??
        newFunction(p.scope, form, p.member, text)) as object;
    } catch (e) {
      if (e instanceof NotOneFunction) {
        dec.corrupt("a function's source is not one function expression", at, e);
      }
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
  const protoList = dec.push(K_PROPS, protoTarget, NOT_DONE);
  protoList.count = -1;
  const ownList = dec.push(K_PROPS, target, NOT_DONE);
  ownList.count = -1;
  if (form === FORM_CLASS && !original) {
    // A class loaded here: what a newer pickle of it no longer has goes.
    if (protoTarget !== NO_PROTOTYPE) asMembers(protoList);
    asMembers(ownList);
  }
  return fn;
}
