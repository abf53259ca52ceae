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
import { analyze } from "../code/analyze.ts";
import { exportAt } from "../runtime/modules.ts";
import { rebuildInstance, rememberRestorer, withRestorer } from "../code/private_state.ts";
import {
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

export type { BuildOptions } from "./build_data.ts";

/** Deepest chain of captured scopes a pickle may declare inline. */
const MAX_SCOPE_DEPTH = 1000;

/** Longest property path of an export. */
const MAX_EXPORT_PATH = 64;

/** Builds one value from a pickle body; instances are reused between calls when idle. */
export class Builder extends DataBuilder {
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
        this.code(at);
        const index = r.varint();
        const ns = this.moduleAt(index, at);
        if (!types.isModuleNamespaceObject(ns) && this.opts.specs?.[index].startsWith("node:")) {
          r.fail(`the namespace of '${this.opts.specs[index]}' is not known yet: use loads`, at);
        }
        this.memo.push(ns);
        return ns;
      }
      case T.EXPORT: {
        this.code(at);
        const index = r.varint();
        const ns = this.moduleAt(index, at);
        const n = r.varint();
        if (n === 0 || n > MAX_EXPORT_PATH) r.fail("invalid export path length", at);
        const path: string[] = [];
        for (let i = 0; i < n; i++) path.push(this.string());
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
        this.memo[slot] = proto;
        return proto;
      }
      case T.SET_PROTO: {
        const proto = this.value();
        if (proto === PENDING || (proto !== null && typeof proto !== "object")) {
          r.fail("SET_PROTO with a prototype that is not an object", at);
        }
        const next = r.pos < r.end ? r.buf[r.pos] : -1;
        if (next === T.REF || next === T.REDUCE || next === T.SET_PROTO) {
          r.fail("SET_PROTO on a value that cannot take it", at);
        }
        const o = this.value();
        if (o === null || typeof o !== "object") {
          r.fail("SET_PROTO on a value that is not an object", at);
        }
        try {
          Object.setPrototypeOf(o, proto as object | null);
        } catch (e) {
          return r.fail("cannot set the prototype", at, e);
        }
        return o;
      }
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
    const scope = this.scopeValue(at);
    if (form === FORM_CLASS) this.definitionValues(scope, at);
    // A class this process already has (defined here, or loaded before) is that class,
    // updated below with the members and static values of this pickle.
    let fn = id === "" ? undefined : knownClass(id);
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
      const text = fields === undefined ? source : withRestorer(source, fields, statics);
      try {
        fn = newFunction(scope, form, member, text) as object;
      } catch (e) {
        return r.fail("the function's source does not evaluate", at, e);
      }
      if (typeof fn !== "function") r.fail("the function's source does not make a function", at);
      if (fields !== undefined) rememberRestorer(fn, source, fields);
      if (id !== "") rememberClass(id, fn);
    }
    this.memo[slot] = fn;
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

  /** Sets the captured values a class reads while being defined, before it is evaluated. */
  protected definitionValues(scope: ScopeHandle | null, at: number): void {
    const r = this.r;
    const n = r.length(2);
    for (let i = 0; i < n; i++) {
      const name = this.string();
      if (!isDeclarable(name) || scope === null) r.fail("invalid class definition value", at);
      const v = this.value();
      if (v === PENDING) r.fail("a class's definition reads a value that is not built yet", at);
      try {
        (scope!.d(`($cp$v) => { ${name} = $cp$v; }`) as (v: unknown) => void)(v);
      } catch (e) {
        return r.fail(`cannot set the captured variable ${name}`, at, e);
      }
    }
  }

  /** Reads a scope operand: SCOPE, a reference to one, or null. */
  protected scopeValue(at: number): ScopeHandle | null {
    const r = this.r;
    const next = r.pos < r.end ? r.buf[r.pos] : -1;
    if (next === T.NULL) {
      r.pos++;
      return null;
    }
    if (next !== T.SCOPE && next !== T.REF) r.fail("expected a scope", at);
    const v = this.value();
    if (!this.scopes.has(v as object)) r.fail("expected a scope", at);
    return v as ScopeHandle;
  }

  /** A captured scope, rebuilt as a real scope inside its parent. */
  protected scope(at: number): ScopeHandle {
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
    const parent = this.scopeValue(at);
    let handle: ScopeHandle;
    try {
      handle = newScope(parent, names);
    } catch (e) {
      return r.fail("cannot rebuild a captured scope", at, e);
    }
    this.scopes.add(handle);
    this.memo[slot] = handle;
    this.scopeDepth--;
    if (n > 0) this.push(D_SCOPE, handle, n);
    return handle;
  }
}
