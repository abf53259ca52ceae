/**
 * The loading build: the data build of build_data.ts, plus code by value — functions
 * evaluated from their source in rebuilt scopes, classes (with the values their definition
 * reads, and restorers for private state), prototype objects, and class instances.
 *
 * @module
 */

import { types } from "node:util";
import * as T from "../format/tags.ts";
import {
  FORM_CLASS,
  isDeclarable,
  newFunction,
  newScope,
  type ScopeHandle,
} from "../code/functions.ts";
import { knownClass, rememberClass, wasLoaded } from "../code/identity.ts";
import { loadedFunction, loadedScope, rememberFunction } from "../code/loaded.ts";
import { analyze } from "../code/analyze.ts";
import { withoutStaticInitializers } from "../code/class_source.ts";
import { newInstrumentedFunction } from "../code/loaded_instrument.ts";
import { exportAt } from "../runtime/modules/table.ts";
import { rebuildInstance, rememberRestorer, withRestorer } from "../code/private_state.ts";
import {
  D_DEFINE,
  D_PRIVATE,
  D_PROPS,
  D_SCOPE,
  DataBuilder,
  hasRepeat,
  HOLE,
  NO_PROTOTYPE,
  NOT_DONE,
  PENDING,
} from "./build_data.ts";

import type { BuildOptions } from "./build_data.ts";
export type { BuildOptions };

const isPrototypeOf = Object.prototype.isPrototypeOf;

/** Deepest chain of captured scopes a pickle may declare inline. */
const MAX_SCOPE_DEPTH = 1000;

/** Longest property path of an export. */
const MAX_EXPORT_PATH = 64;

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

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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

/** Builds one value from a pickle body; instances are reused between calls when idle. */
export class Builder extends DataBuilder {
  /** Pairs (earlier scope, scope of this pickle) to copy once the pickle is built. */
  private refill: (ScopeHandle | null)[] = [];

  override build(buf: Uint8Array, start: number, end: number, opts: BuildOptions): unknown {
    try {
      const v = super.build(buf, start, end, opts);
      const refill = this.refill;
      for (let i = 0; i < refill.length; i += 2) refillChain(refill[i], refill[i + 1]);
      return v;
    } finally {
      this.refill.length = 0;
    }
  }

  private moduleAt(index: number, at: number): object {
    const modules = this.opts.modules;
    if (modules === undefined || index >= modules.length) {
      this.r.fail("module index past the module table", at);
    }
    return modules[index];
  }

  protected override codeValue(tag: number, at: number): unknown {
    const r = this.r;
    switch (tag) {
      case T.FUNCTION:
        return this.func(at);
      case T.MODULE: {
        if (!this.opts.allowCode && this.opts.allow === undefined) this.code(at);
        const index = r.varint();
        const ns = this.moduleAt(index, at);
        this.reference("namespace", this.opts.specs![index], "", at);
        if (!types.isModuleNamespaceObject(ns) && this.opts.specs?.[index].startsWith("node:")) {
          r.fail(`the namespace of '${this.opts.specs[index]}' is not known yet: use loads`, at);
        }
        this.memo.push(ns);
        this.admit(ns);
        return ns;
      }
      case T.EXPORT: {
        if (!this.opts.allowCode && this.opts.allow === undefined) this.code(at);
        const index = r.varint();
        const ns = this.moduleAt(index, at);
        const n = r.varint();
        if (n === 0 || n > MAX_EXPORT_PATH) r.fail("invalid export path length", at);
        const path: string[] = [];
        for (let i = 0; i < n; i++) path.push(this.string());
        this.reference("export", this.opts.specs![index], path.join("."), at);
        const v = exportAt(ns, path);
        if (typeof v !== "function" && (v === null || typeof v !== "object")) {
          const spec = this.opts.specs![index];
          r.fail(
            v === undefined
              ? `module '${spec}' has no export '${path.join(".")}'`
              : `export '${path.join(".")}' of module '${spec}' is not a function or class`,
            at,
          );
        }
        this.memo.push(v);
        this.admit(v);
        return v;
      }
      case T.INSTANCE: {
        const slot = this.memo.length;
        this.memo.push(HOLE);
        // Private values are read last, after the own properties, after the prototype.
        const priv = this.push(D_PRIVATE, null, NOT_DONE);
        priv.count = -1;
        priv.extra = 0;
        const props = this.push(D_PROPS, null, NOT_DONE);
        props.count = -1;
        const proto = this.value();
        if (proto === PENDING || proto === null || typeof proto !== "object") {
          r.fail("an instance's prototype is not an object", at);
        }
        this.checkPrototype(proto, at);
        let o: object;
        try {
          o = rebuildInstance(proto as object) ?? Object.create(proto as object);
        } catch (e) {
          return r.fail("cannot rebuild the instance's private members", at, e);
        }
        this.memo[slot] = o;
        props.target = o;
        priv.target = o;
        return o;
      }
      case T.PROTOTYPE_OF: {
        const slot = this.memo.length;
        this.memo.push(HOLE);
        const fn = this.value();
        const proto = fn !== null && (typeof fn === "function" || typeof fn === "object")
          ? (fn as { prototype?: unknown }).prototype
          : undefined;
        if (proto === null || (typeof proto !== "object" && typeof proto !== "function")) {
          r.fail("PROTOTYPE_OF a value without a prototype object", at);
        }
        // The prototype of a class admitted by reference is admitted (data-only loads).
        if (!this.opts.allowCode && this.admitted.has(fn)) this.admitted.add(proto);
        this.memo[slot] = proto;
        return proto;
      }
      case T.SET_PROTO: {
        const proto = this.value();
        if (proto === PENDING || (proto !== null && typeof proto !== "object")) {
          r.fail("SET_PROTO with a prototype that is not an object", at);
        }
        this.checkPrototype(proto, at);
        const next = r.pos < r.end ? r.buf[r.pos] : -1;
        if (next === T.REF || next === T.REDUCE || next === T.SET_PROTO) {
          r.fail("SET_PROTO on a value that cannot take it", at);
        }
        const o = next === T.OOB_BUFFER ? this.ownedBuffer(r.pos) : this.value();
        if (o === null || typeof o !== "object") {
          r.fail("SET_PROTO on a value that is not an object", at);
        }
        // Data only: a built-in keeps its kind (an array never becomes a Map), the prototype
        // of a subclass admitted by reference extends the one it had.
        if (
          !this.opts.allowCode && proto !== null &&
          !isPrototypeOf.call(Object.getPrototypeOf(o) ?? proto, proto as object)
        ) {
          r.fail("SET_PROTO with a prototype of another kind than the object's", at);
        }
        try {
          Object.setPrototypeOf(o, proto as object | null);
        } catch (e) {
          return r.fail("cannot set the prototype", at, e);
        }
        return o;
      }
      case T.PROTOTYPES:
        return this.prototypes(at);
      case T.SCOPE:
        return this.scope(at);
      default:
        return super.codeValue(tag, at);
    }
  }

  /** A function by value: evaluated from its source inside its rebuilt scope. */
  protected func(at: number): unknown {
    const r = this.r;
    this.code(at);
    const form = r.byte();
    const member = r.byte();
    if (form > FORM_CLASS || member > 2) r.fail("invalid function form", at);
    const source = this.string();
    const id = form === FORM_CLASS ? this.string() : "";
    const slot = this.memo.length;
    this.memo.push(HOLE);
    // A class this process already has (defined here, or loaded before) is that class,
    // updated below with the members and static values of this pickle. One loaded before
    // also takes this pickle's captured values: its scopes are filled again (the newest
    // pickle loaded wins, as with cloudpickle's class tracker).
    const known = id === "" ? undefined : knownClass(id);
    const reuse = known !== undefined && wasLoaded(known)
      ? loadedFunction(known)?.scope ?? null
      : null;
    const scope = this.scopeValue(at, reuse);
    if (reuse !== null && scope !== reuse) this.refill.push(reuse, scope);
    const pending = new PendingFunction(form, member, source, id, slot, scope, known, at);
    if (form === FORM_CLASS) this.definitionValues(scope, at);
    return this.evaluate(pending);
  }

  /**
   * Reads the captured values a class's definition reads (data whole, with everything it
   * holds; functions as soon as they exist) and sets them in its scope before the class is
   * evaluated.
   */
  protected definitionValues(scope: ScopeHandle | null, at: number): void {
    const r = this.r;
    const n = r.length(2);
    if (n === 0) return;
    const names: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const name = this.string();
      if (!isDeclarable(name) || scope === null) r.fail("invalid class definition value", at);
      names[i] = name;
    }
    for (let i = 0; i < n; i++) {
      const mode = r.byte();
      let v: unknown;
      if (mode === T.DEFINITION_WHOLE) {
        const level = this.top;
        const f = this.push(D_DEFINE, null, 1);
        const items: unknown[] = f.items = [undefined];
        this.run(level);
        v = items[0];
      } else if (mode === T.DEFINITION_EXISTS) {
        v = this.value();
        if (v === PENDING) r.fail("a class's definition reads a value that is not built yet", at);
      } else {
        r.fail("invalid class definition value mode", at);
      }
      try {
        (scope!.d(`($cp$v) => { ${names[i]} = $cp$v; }`) as (v: unknown) => void)(v);
      } catch (e) {
        return r.fail(`cannot set the captured variable ${names[i]}`, at, e);
      }
    }
  }

  /** Evaluates a function (or takes the class this process knows) and reads its members. */
  private evaluate(p: PendingFunction): unknown {
    const r = this.r;
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
          return r.fail("the class source does not parse", at, e);
        }
      }
      let text = form === FORM_CLASS ? withoutStaticInitializers(source) : source;
      if (fields !== undefined) text = withRestorer(text, fields, statics);
      try {
        fn = (newInstrumentedFunction(p.scope, form, p.member, text) ??
          newFunction(p.scope, form, p.member, text)) as object;
      } catch (e) {
        return r.fail("the function's source does not evaluate", at, e);
      }
      if (typeof fn !== "function") r.fail("the function's source does not make a function", at);
      if (fields !== undefined) rememberRestorer(fn, source, fields);
      if (id !== "") rememberClass(id, fn);
      rememberFunction(fn, source, p.scope);
    }
    this.memo[p.slot] = fn;
    // The process that defined the class gets the class itself, untouched: the lists are
    // read onto stand-ins. A class loaded before is updated with this pickle's members.
    const original = id !== "" && !wasLoaded(fn);
    const target = original ? function standIn() {} : fn;
    const proto = (target as { prototype?: unknown }).prototype;
    const protoTarget = proto !== null && typeof proto === "object" ? proto : NO_PROTOTYPE;
    if (form === FORM_CLASS) {
      // Static private values, applied last (null target: the original class keeps its own).
      const statics = this.push(D_PRIVATE, original ? null : fn, NOT_DONE);
      statics.count = -1;
      statics.extra = 1;
    }
    this.push(D_PROPS, protoTarget, NOT_DONE).count = -1;
    this.push(D_PROPS, target, NOT_DONE).count = -1;
    return fn;
  }

  /** A function by value whose prototypes differ from what its source gives. */
  protected prototypes(at: number): unknown {
    const r = this.r;
    this.code(at);
    const flags = r.byte();
    if (flags === 0 || flags > (T.PROTOTYPES_OWN | T.PROTOTYPES_OF_PROTOTYPE)) {
      r.fail("invalid PROTOTYPES flags", at);
    }
    const own = flags & T.PROTOTYPES_OWN ? this.prototypeValue(at) : undefined;
    const ofProto = flags & T.PROTOTYPES_OF_PROTOTYPE ? this.prototypeValue(at) : undefined;
    if (r.pos + 1 >= r.end || r.buf[r.pos] !== T.FUNCTION) {
      r.fail("PROTOTYPES must be followed by a function", at);
    }
    const isClass = r.buf[r.pos + 1] === FORM_CLASS;
    const fn = this.value() as object;
    // A class this process defined is the original, which has its prototypes already.
    if (isClass && !wasLoaded(fn)) return fn;
    const proto = (fn as { prototype?: unknown }).prototype;
    if (flags & T.PROTOTYPES_OF_PROTOTYPE && (proto === null || typeof proto !== "object")) {
      r.fail("PROTOTYPES for the prototype of a function that has none", at);
    }
    try {
      if (flags & T.PROTOTYPES_OWN) Object.setPrototypeOf(fn, own as object | null);
      if (flags & T.PROTOTYPES_OF_PROTOTYPE) Object.setPrototypeOf(proto, ofProto as object | null);
    } catch (e) {
      return r.fail("cannot set the function's prototypes", at, e);
    }
    return fn;
  }

  /** A PROTOTYPES operand: an object, a function or null. */
  private prototypeValue(at: number): unknown {
    const p = this.value();
    if (p === PENDING || (p !== null && typeof p !== "object" && typeof p !== "function")) {
      this.r.fail("PROTOTYPES with a prototype that is neither an object nor null", at);
    }
    return p;
  }

  /**
   * Reads a scope operand: SCOPE, a reference to one, or null. `reuse` is a scope this
   * process rebuilt before for the same class: a new scope of the same variables is that
   * scope again (filled with this pickle's values), and so on up the chain.
   */
  protected scopeValue(at: number, reuse: ScopeHandle | null = null): ScopeHandle | null {
    const r = this.r;
    const next = r.pos < r.end ? r.buf[r.pos] : -1;
    if (next === T.NULL) {
      r.pos++;
      return null;
    }
    if (next !== T.SCOPE && next !== T.REF) r.fail("expected a scope", at);
    if (next === T.SCOPE && reuse !== null) {
      r.pos++;
      return this.scope(at, reuse);
    }
    const v = this.value();
    if (!this.scopes.has(v as object)) r.fail("expected a scope", at);
    return v as ScopeHandle;
  }

  /** A captured scope, rebuilt as a real scope inside its parent (or `reuse`, see scopeValue). */
  protected scope(at: number, reuse: ScopeHandle | null = null): ScopeHandle {
    const r = this.r;
    this.code(at);
    if (++this.scopeDepth > MAX_SCOPE_DEPTH) r.fail("captured scopes nested too deep", at);
    const n = r.length(1);
    const names: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const name = this.string();
      if (!isDeclarable(name)) r.fail(`invalid captured variable name '${name}'`, at);
      names[i] = name;
    }
    if (hasRepeat(names)) r.fail("a scope declares a variable twice", at);
    const slot = this.memo.length;
    this.memo.push(HOLE);
    const known = reuse === null ? undefined : loadedScope(reuse);
    const parent = this.scopeValue(at, known?.parent ?? null);
    let handle: ScopeHandle;
    if (known !== undefined && parent === known.parent && sameNames(known.names, names)) {
      handle = reuse!;
    } else {
      try {
        handle = newScope(parent, names);
      } catch (e) {
        return r.fail("cannot rebuild a captured scope", at, e);
      }
      if (reuse !== null) this.refill.push(reuse, handle);
    }
    this.scopes.add(handle);
    this.memo[slot] = handle;
    this.scopeDepth--;
    if (n > 0) this.push(D_SCOPE, handle, n);
    return handle;
  }
}
