/**
 * The pickling walk: the data walk of walk_data.ts, plus code by value — functions with
 * their captured scopes, classes, prototype objects, bound functions and instances of
 * classes (with their private state).
 *
 * @module
 */

import { types } from "node:util";
import * as T from "../format/tags.ts";
import { globalPathOf } from "../code/globals.ts";
import { type Analysis, analyze } from "../code/analyze.ts";
import { explicitCaptures, ScopeRecord } from "../code/captures.ts";
import { FORM_CLASS, formCode, isDeclarable, memberCode } from "../code/functions.ts";
import { classId } from "../code/identity.ts";
import {
  constructorOf,
  functionKeys,
  isNative,
  ownPrototype,
  privateFieldsOf,
  prototypeKeys,
} from "../code/members.ts";
import { sharedScopes } from "../code/shared_scopes.ts";
import { originalSource } from "../code/private_state.ts";
import "../runtime/private_readers.ts";
import "../runtime/modules_sources.ts";
import {
  type ExportSite,
  findBuiltinExport,
  findExport,
  moduleStillLoading,
  namespaceURL,
  refreshModules,
} from "../runtime/modules.ts";
import { entryModuleURL } from "../runtime/entry.ts";
import { covers, registeredByValue } from "../code/registry.ts";
import { defaultRoot, portableName } from "../code/module_names.ts";
import {
  instrumentedScopeReader,
  isBoundFunction,
  type ReadScopes,
  type ScopeSnapshot,
  syncBoundReader,
  syncPrivateReader,
  syncScopeReader,
  syncScopesUnavailable,
  TDZ,
} from "../runtime/scopes.ts";
import * as K from "../values/kinds.ts";
import { DataWalker, F_LIST, S_PRIVATE, S_PROTO, S_SCOPE, type WalkOptions } from "./walk_data.ts";
import { reduce as REDUCE_SYMBOL, type Reduction } from "./options.ts";

export type { Settled, WalkOptions } from "./walk_data.ts";

const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
const getPrototypeOf = Object.getPrototypeOf;
const isArray = Array.isArray;
const fnToString = Function.prototype.toString;
const isProxy = types.isProxy;

/** The value of `name` in a scope snapshot (undefined for one in its temporal dead zone). */
function valueIn(
  snap: { names: readonly string[]; values: readonly unknown[] },
  name: string,
): unknown {
  const v = snap.values[snap.names.indexOf(name)];
  return v === TDZ ? undefined : v;
}

const NO_SCOPES: Map<object, ScopeRecord> = new Map();

/** Portable module names by root and URL. */
const portableNames = new Map<string, string | null>();

function portableOf(url: string, root: string | undefined): string | undefined {
  const key = root === undefined ? url : root + "\n" + url;
  let name = portableNames.get(key);
  if (name === undefined) {
    name = portableName(url, root) ?? null;
    portableNames.set(key, name);
  }
  return name ?? undefined;
}

/** Source and analysis per function: a function's text never changes. */
const analysed = new WeakMap<object, [string, Analysis]>();

/** Stands for a function whose scope the async form must read before walking again. */
const UNREAD: unique symbol = Symbol("unread");

/** One pickling walk; instances are reused between calls when idle. */
export class Walker extends DataWalker {
  /** Scope records shared by the functions read from one real scope (async form). */
  private fnScopes = new Map<object, ScopeRecord>();
  /** Scope records of instrumented scopes, by scope identity. */
  private byIdentity = new Map<object, ScopeRecord>();
  /** Snapshots standing for scopes matched by content (see contentIdentity). */
  private byContent: ScopeSnapshot[] = [];
  /** Scope records written by this walk. */
  private written = new Set<ScopeRecord>();
  /** Set when a record written by this walk gained a variable afterwards: walk again. */
  scopesGrew = false;
  /** The synchronous scope reader of this process (instrumented code), if any. */
  private syncReader: ((fn: object) => ReadScopes | undefined) | undefined;
  /** Scope records of closure() captures objects, one per object. */
  private explicitScopes = new Map<object, ScopeRecord>();
  /** The portable names of the modules this walk refers to, in table order. */
  modules: string[] = [];
  private moduleIds = new Map<string, number>();
  /** Set once this walk has brought the module table up to date. */
  private modulesFresh = false;
  private entry: string | undefined;
  private root: string | undefined;

  protected override func(fn: (...args: unknown[]) => unknown): void {
    if (this.ref(fn)) return;
    if (this.override(fn)) return;
    const path = globalPathOf(fn);
    if (path !== undefined) {
      this.global(fn, path);
      return;
    }
    if (this.exported(fn, findExport)) return;
    this.byValue(fn);
  }

  /**
   * Writes `value` by reference when a module that is neither the entry module nor pickled
   * by value exports it, and says whether it did.
   */
  private exported(value: object, find: (v: object) => ExportSite | undefined): boolean {
    if (!this.modulesFresh) {
      this.modulesFresh = true;
      refreshModules();
    }
    let site = find(value);
    if (site === undefined && find === findExport && this.opts.settled === undefined) {
      const loading = moduleStillLoading(value);
      if (loading === true) site = find(value);
      else if (loading !== undefined) {
        this.fail(
          `cannot tell yet whether ${loading} exports this function: the library is still ` +
            "importing the program's modules; await one turn of the event loop (or " +
            "`await ready()`) before the first dumpsSync, or use the async dumps()",
        );
      }
    }
    if (site === undefined) return false;
    // Read only now: most functions are exported by no module.
    this.entry ??= entryModuleURL() ?? "";
    this.root ??= this.opts.moduleRoot ?? defaultRoot() ?? "";
    if (this.byValueModule(site.url)) return false;
    if (site.others !== undefined && site.others.some((u) => this.byValueModule(u))) return false;
    const spec = portableOf(site.url, this.root || undefined);
    if (spec === undefined) return false;
    this.memo.set(value, this.nextId++);
    this.flags |= T.FLAG_CODE | T.FLAG_MODULES;
    const w = this.w;
    w.byte(T.EXPORT);
    w.varint(this.moduleIndex(spec));
    w.varint(site.path.length);
    for (const key of site.path) w.string(key);
    return true;
  }

  private byValueModule(url: string): boolean {
    if (url === this.entry || registeredByValue(url)) return true;
    const extra = this.opts.byValue;
    return extra !== undefined && extra.length > 0 && covers(extra, url);
  }

  private moduleIndex(spec: string): number {
    let i = this.moduleIds.get(spec);
    if (i === undefined) {
      i = this.modules.length;
      this.modules.push(spec);
      this.moduleIds.set(spec, i);
    }
    return i;
  }

  /** A module namespace object: by reference to its module, or refused. */
  protected override moduleNamespace(ns: object): void {
    const url = namespaceURL(ns);
    this.root ??= this.opts.moduleRoot ?? defaultRoot() ?? "";
    const spec = url === undefined ? undefined : portableOf(url, this.root || undefined);
    if (spec === undefined) {
      this.fail(
        "cannot pickle this module namespace: its module is unknown or has no importable " +
          "name (register it with registerModule(url, namespace))",
      );
    }
    this.memo.set(ns, this.nextId++);
    this.flags |= T.FLAG_CODE | T.FLAG_MODULES;
    this.w.byte(T.MODULE);
    this.w.varint(this.moduleIndex(spec));
  }

  /** A function by value: its source, its captured scope, its own properties. */
  private byValue(fn: (...args: unknown[]) => unknown): void {
    const name = fn.name ? ` '${fn.name}'` : "";
    if (isBoundFunction(fn)) {
      this.boundFunction(fn, name);
      return;
    }
    let source: string;
    let an: Analysis;
    try {
      const known = analysed.get(fn);
      if (known !== undefined) {
        [source, an] = known;
      } else {
        source = originalSource(fn) ?? fnToString.call(fn);
        an = analyze(source);
        analysed.set(fn, [source, an]);
      }
    } catch (e) {
      if (this.exported(fn, findBuiltinExport)) return;
      this.fail(
        `cannot pickle function${name}: ${e instanceof Error ? e.message : String(e)} ` +
          "(native and bound functions are pickled only when reachable from globalThis)",
      );
    }
    const form = formCode(an);
    if (form === undefined) {
      this.fail(
        `cannot pickle method${name} alone: it uses private names (#…), which exist only ` +
          "inside its class",
      );
    }
    if (an.lexicalThis) {
      this.fail(
        `cannot pickle arrow function${name}: it uses the enclosing \`this\`, which the ` +
          "runtime does not expose; assign `this` to a variable outside the arrow and use that",
      );
    }
    if (an.usesSuper && form !== FORM_CLASS) {
      this.fail(
        `cannot pickle method${name} alone: it uses \`super\`, whose home object is not ` +
          "recoverable",
      );
    }
    // A function with free variables may be a Node built-in written in JavaScript.
    if (an.free.length > 0 && this.exported(fn, findBuiltinExport)) return;
    const scope = this.captured(fn, an, name);
    if (scope === UNREAD) {
      this.w.byte(T.UNDEFINED);
      return;
    }
    this.memo.set(fn, this.nextId++);
    this.flags |= T.FLAG_CODE;
    const w = this.w;
    w.byte(T.FUNCTION);
    w.byte2(form, memberCode(an));
    w.string(source);
    if (form === FORM_CLASS) w.string(classId(fn, source));
    this.scope(scope);
    if (form === FORM_CLASS) this.definitionValues(an, scope);
    if (form === FORM_CLASS) {
      // Static private values: written last, after both property lists.
      const statics = this.staticPrivates(fn, an, name);
      if (statics === UNREAD) return;
      const f = this.push(F_LIST, S_PRIVATE, fn, statics.length);
      f.items = statics;
      f.pre = statics.length >> 1;
    }
    // The prototype's list is pushed first so that the function's own list is written first.
    const proto = ownPrototype(fn);
    if (proto === undefined) this.propsFrame(fn, [], null, T.INTEGRITY_EXTENSIBLE);
    else this.propsFrame(proto, prototypeKeys(fn, proto, an, source), null);
    this.propsFrame(fn, functionKeys(fn, an, source, proto !== undefined), null);
  }

  /**
   * A bound function, as the call that makes it again: Reflect.apply(bind, target,
   * [thisArg, ...args]). Its parts are read by the runtime's adapter (async form).
   */
  private boundFunction(fn: (...args: unknown[]) => unknown, name: string): void {
    const parts = this.opts.bound?.get(fn) ?? syncBoundReader()?.(fn);
    if (parts === undefined) {
      if (this.opts.settled !== undefined && this.opts.scopesUnavailable === undefined) {
        this.unread.push(fn);
        this.w.byte(T.UNDEFINED);
        return;
      }
      this.fail(
        `cannot pickle bound function${name}: its target and arguments are not readable ` +
          (this.opts.settled === undefined
            ? "by the sync form (use the async dumps())"
            : `here (${this.opts.scopesUnavailable})`) +
          "; pickle the target function and its arguments instead",
      );
    }
    for (const k of Reflect.ownKeys(fn)) {
      if (k !== "name" && k !== "length") {
        this.fail(`cannot pickle bound function${name}: it has own property ${String(k)}`);
      }
    }
    this.reduction(fn, [
      Reflect.apply,
      [Function.prototype.bind, parts.target, [parts.thisArg, ...parts.args]],
    ]);
  }

  /**
   * The captured values a class reads while being defined (its parent, computed keys,
   * static initializers), written inline so the loader has them before it evaluates the
   * class; the scope's own list delivers them (again) with everything else.
   */
  private definitionValues(an: Analysis, scope: ScopeRecord | null): void {
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
    this.w.varint(names.length);
    for (let i = 0; i < names.length; i++) {
      this.w.string(names[i]);
      this.value(values[i]);
    }
  }

  /** A function's own `prototype` object, pickled as "the prototype of" that function. */
  protected override prototypeOf(proto: object, ctor: object): void {
    this.memo.set(proto, this.nextId++);
    this.w.byte(T.PROTOTYPE_OF);
    this.value(ctor);
  }

  /**
   * The scope record holding a function's free variables: read from the real scopes by
   * the runtime's adapter, else given with closure(), else left to the loading side's
   * globals. UNREAD (async form) when the adapter has yet to read it.
   */
  private captured(
    fn: object,
    an: Analysis,
    name: string,
  ): ScopeRecord | null | typeof UNREAD {
    const free = an.free;
    if (free.length === 0) return null;
    const given = explicitCaptures(fn);
    // closure() captures that name every free variable the loading side cannot find on its
    // own are the user's statement of the values: no scope needs reading then.
    if (given !== undefined && free.every((v) => Object.hasOwn(given, v) || v in globalThis)) {
      return this.explicitScope(given);
    }
    let read = this.opts.scopes?.get(fn);
    let fromScopes: ScopeRecord | null = null;
    if (read === undefined && this.syncReader !== undefined) {
      read = this.syncReader(fn);
      if (read !== undefined) fromScopes = this.identityScopes(an, read);
    } else if (read !== undefined) {
      fromScopes = this.fnScopes.get(fn) ?? null;
    }
    if (
      read === undefined && this.opts.settled !== undefined &&
      this.opts.scopesUnavailable === undefined
    ) {
      this.unread.push(fn);
      return UNREAD;
    }
    const extraNames: string[] = [];
    const extraValues: unknown[] = [];
    const missing: string[] = [];
    for (const v of free) {
      const at = read?.found.get(v);
      if (at !== undefined) {
        if (read!.uninitialized.includes(v)) {
          this.fail(
            `cannot pickle function${name}: its variable '${v}' is not initialized yet ` +
              "(it is used before its declaration ran)",
          );
        }
        continue;
      }
      if (given !== undefined && Object.hasOwn(given, v)) {
        extraNames.push(v);
        extraValues.push(given[v]);
      } else if (v === an.heritage && typeof getPrototypeOf(fn) === "function") {
        // `class C extends P`: P's value is C's parent, whether or not a scope shows it.
        extraNames.push(v);
        extraValues.push(getPrototypeOf(fn));
      } else if (!(v in globalThis) && !an.optional.has(v)) {
        missing.push(v);
      }
    }
    if (missing.length > 0) {
      const list = missing.map((m) => `'${m}'`).join(", ");
      const reason = this.opts.scopesUnavailable !== undefined
        ? ` (${this.opts.scopesUnavailable})`
        : this.opts.settled === undefined
        ? ` (${
          syncScopesUnavailable() ?? "the sync form could not read it: use the async dumps()"
        })`
        : "";
      this.fail(
        `cannot pickle function${name}: its free variable${missing.length > 1 ? "s" : ""} ` +
          `${list} could not be read${reason}; pass ${missing.length > 1 ? "them" : "it"} ` +
          `with closure({ ${missing.join(", ")} }, fn)`,
      );
    }
    if (extraNames.length === 0) return fromScopes;
    for (const n of extraNames) {
      if (!isDeclarable(n)) this.fail(`cannot capture a variable named '${n}'`);
    }
    if (
      fromScopes === null && given !== undefined && extraNames.every((n) => Object.hasOwn(given, n))
    ) {
      return this.explicitScope(given);
    }
    return new ScopeRecord(extraNames, extraValues, fromScopes);
  }

  /**
   * Scope records from a reader that knows scope identity (instrumented code): one record
   * per real scope instance, holding every variable of it that closures capture, so all
   * functions of that scope share it exactly.
   */
  private identityScopes(an: Analysis, read: ReadScopes): ScopeRecord | null {
    // The names this function uses, by the scope that holds them.
    const used = new Map<number, string[]>();
    let first = Infinity;
    for (const v of an.free) {
      const at = read.found.get(v);
      if (at === undefined) continue;
      const list = used.get(at);
      if (list === undefined) used.set(at, [v]);
      else list.push(v);
      if (at < first) first = at;
    }
    if (first === Infinity) return null;
    const records = this.byIdentity;
    let child: ScopeRecord | null = null;
    let innermost: ScopeRecord | null = null;
    for (let i = first; i < read.chain.length; i++) {
      const snap = read.chain[i];
      const names = used.get(i) ?? [];
      let rec: ScopeRecord;
      const identity = snap.identity ?? (snap.byContent ? this.contentIdentity(snap) : undefined);
      if (identity === undefined) {
        // Values that never change (constants, imports): nothing to share.
        if (names.length === 0) continue;
        rec = new ScopeRecord(names, names.map((n) => valueIn(snap, n)), null);
      } else {
        let shared = records.get(identity);
        if (shared === undefined) {
          shared = new ScopeRecord([], [], null);
          records.set(identity, shared);
        }
        rec = shared;
        // A record holds the variables the pickled functions use; one written before it
        // gained a name makes the caller walk again, with the record complete from the start.
        for (const n of names) {
          if (rec.names.includes(n)) continue;
          rec.names.push(n);
          rec.values.push(valueIn(snap, n));
          if (this.written.has(rec)) this.scopesGrew = true;
        }
      }
      if (child !== null) child.parent ??= rec;
      innermost ??= rec;
      child = rec;
    }
    return innermost;
  }

  /**
   * A stand-in identity for a scope snapshot that has none (V8's inspector): snapshots of the
   * same kind with the same variables and values are taken as one scope.
   */
  private contentIdentity(snap: ScopeSnapshot): object {
    outer: for (const seen of this.byContent) {
      if (seen.kind !== snap.kind || seen.names.length !== snap.names.length) continue;
      for (let i = 0; i < snap.names.length; i++) {
        if (seen.names[i] !== snap.names[i] || !Object.is(seen.values[i], snap.values[i])) {
          continue outer;
        }
      }
      return seen;
    }
    this.byContent.push(snap);
    return snap;
  }

  /** One scope record per closure() captures object, so its functions share it. */
  private explicitScope(captures: Record<string, unknown>): ScopeRecord {
    let rec = this.explicitScopes.get(captures);
    if (rec === undefined) {
      const names = Object.keys(captures);
      for (const n of names) {
        if (!isDeclarable(n)) this.fail(`cannot capture a variable named '${n}'`);
      }
      rec = new ScopeRecord(names, names.map((n) => captures[n]), null);
      this.explicitScopes.set(captures, rec);
    }
    return rec;
  }

  /** Writes a scope record (or a reference to it, or null). */
  private scope(rec: ScopeRecord | null): void {
    const w = this.w;
    if (rec === null) {
      w.byte(T.NULL);
      return;
    }
    const id = this.memo.get(rec);
    if (id !== undefined) {
      w.byte(T.REF);
      w.varint(id);
      return;
    }
    this.memo.set(rec, this.nextId++);
    this.written.add(rec);
    w.byte(T.SCOPE);
    w.varint(rec.names.length);
    for (const n of rec.names) w.string(n);
    this.scope(rec.parent);
    if (rec.values.length > 0) {
      this.push(F_LIST, S_SCOPE, rec, rec.values.length).items = rec.values;
    }
  }

  /** Objects of no built-in family: a reducer, a global, or an error. */
  protected override other(o: object): void {
    const r = (o as Record<symbol, unknown>)[REDUCE_SYMBOL];
    if (typeof r === "function") {
      let red: unknown;
      try {
        red = r.call(o);
      } catch (e) {
        this.fail("the object's [reduce]() method threw", e);
      }
      this.reduction(o, red as Reduction);
      return;
    }
    // Bun's module namespaces have a prototype (with `__esModule`); V8's have none.
    if (types.isModuleNamespaceObject(o)) {
      this.moduleNamespace(o);
      return;
    }
    const path = globalPathOf(o);
    if (path !== undefined) {
      this.global(o, path);
      return;
    }
    if (isProxy(o)) this.fail("a Proxy cannot be pickled: its behaviour lives in its handler");
    if (types.isGeneratorObject(o)) {
      this.fail("a generator object cannot be pickled: its suspended state is not reachable");
    }
    if (types.isWeakMap(o) || types.isWeakSet(o)) {
      this.fail("a weak collection cannot be pickled: its entries cannot be enumerated");
    }
    const ownCtor = constructorOf(o);
    if (ownCtor !== undefined) {
      this.prototypeOf(o, ownCtor);
      return;
    }
    const proto = getPrototypeOf(o);
    // Up the prototype chain to the first built-in: a family we can rebuild (Map, Array,
    // Error…), plain Object.prototype / null, or a host class whose state is unreachable.
    let base: object | null = proto;
    let privateClasses = 0;
    const privateFields: string[] = [];
    while (
      base !== null && base !== OBJECT_PROTO && base !== ARRAY_PROTO && !K.KIND_BY_PROTO.has(base)
    ) {
      const c = constructorOf(base);
      if (c !== undefined && (isNative(c) || globalPathOf(base) !== undefined)) {
        const name = (c as { name?: string }).name || "a built-in class";
        this.fail(
          `cannot pickle an instance of ${name}: its state lives in internal slots that ` +
            "cannot be read (give the class a [reduce]() method)",
        );
      }
      if (c !== undefined) {
        const fields = privateFieldsOf(c);
        if (fields !== undefined) {
          privateClasses++;
          for (const f of fields) {
            if (privateFields.includes(f)) {
              this.fail(
                `cannot pickle an instance of ${(c as { name?: string }).name}: two of its ` +
                  `classes declare a private field #${f}`,
              );
            }
            privateFields.push(f);
          }
        }
      }
      base = getPrototypeOf(base);
    }
    if (privateClasses > 0) {
      this.privateInstance(o, proto, base, privateFields);
      return;
    }
    if (base !== null && base !== OBJECT_PROTO) {
      // An instance of a subclass of a built-in: the built-in's state, then its prototype.
      // Both are written inline (the loader reads them back to back); the frames they push
      // run afterwards, in the same order on both sides.
      this.w.byte(T.SET_PROTO);
      this.value(proto);
      if (base === ARRAY_PROTO && isArray(o)) this.array(o as unknown[], false);
      else this.builtin(o, K.KIND_BY_PROTO.get(base)!, base);
      return;
    }
    // A plain object whose prototype is a class's prototype, or itself data.
    this.memo.set(o, this.nextId++);
    this.w.byte(T.OBJECT_WITH_PROTO);
    this.propsFrame(o, Reflect.ownKeys(o), null);
    // Pushed after the property list's frame, so the prototype is written first.
    this.push(F_LIST, S_PROTO, o, 1).items = [proto];
  }

  /**
   * The values of a class's static private fields as [name, value, …], read by the runtime's
   * adapter (async form); UNREAD while it has yet to read them.
   */
  private staticPrivates(
    cls: object,
    an: Analysis,
    name: string,
  ): unknown[] | typeof UNREAD {
    const fields = an.staticPrivateFields;
    if (fields.length === 0) return [];
    const read = this.opts.privates?.get(cls) ?? syncPrivateReader()?.(cls);
    if (read === undefined) {
      if (this.opts.settled !== undefined && this.opts.scopesUnavailable === undefined) {
        this.unreadPrivate.push(cls);
        return UNREAD;
      }
      this.fail(
        `cannot pickle class${name}: its static private fields (#${fields.join(", #")}) ` +
          (this.opts.settled === undefined
            ? "can only be read by the async dumps()"
            : `cannot be read here (${this.opts.scopesUnavailable})`),
      );
    }
    const items: unknown[] = [];
    for (let i = 0; i < read.names.length; i++) {
      if (fields.includes(read.names[i])) items.push(read.names[i], read.values[i]);
    }
    return items;
  }

  /**
   * An instance of a class with private members: its prototype, own properties and private
   * field values (read by the runtime's adapter). The loader rebuilds it through its classes
   * so that it carries their private members.
   */
  private privateInstance(o: object, proto: object, base: object | null, fields: string[]): void {
    const name = (constructorOf(proto) as { name?: string } | undefined)?.name || "a class";
    if (base !== null && base !== OBJECT_PROTO) {
      this.fail(
        `cannot pickle an instance of ${name}: private members on a subclass of a built-in ` +
          "are not supported (give the class a [reduce]() method)",
      );
    }
    let read = this.opts.privates?.get(o) ?? syncPrivateReader()?.(o);
    if (read !== undefined && !fields.every((f) => read!.names.includes(f))) {
      const missing = fields.filter((f) => !read!.names.includes(f));
      this.fail(
        `cannot pickle an instance of ${name}: its private field${missing.length > 1 ? "s" : ""} ` +
          `#${missing.join(", #")} could not be read`,
      );
    }
    if (read === undefined) {
      if (fields.length === 0) {
        read = { names: [], values: [] };
      } else if (this.opts.settled !== undefined && this.opts.scopesUnavailable === undefined) {
        this.unreadPrivate.push(o);
        this.w.byte(T.UNDEFINED);
        return;
      } else {
        this.fail(
          `cannot pickle an instance of ${name}: its private fields (#${fields.join(", #")}) ` +
            (this.opts.settled === undefined
              ? "can only be read by the async dumps()"
              : `cannot be read here (${this.opts.scopesUnavailable})`) +
            "; or give the class a [reduce]() method",
        );
      }
    }
    const items: unknown[] = [];
    let count = 0;
    for (let i = 0; i < read.names.length; i++) {
      if (!fields.includes(read.names[i])) continue;
      items.push(read.names[i], read.values[i]);
      count++;
    }
    this.memo.set(o, this.nextId++);
    this.w.byte(T.INSTANCE);
    const pf = this.push(F_LIST, S_PRIVATE, o, items.length);
    pf.items = items;
    pf.pre = count;
    this.propsFrame(o, Reflect.ownKeys(o), null);
    this.push(F_LIST, S_PROTO, o, 1).items = [proto];
  }

  protected override startCode(opts: WalkOptions): void {
    this.fnScopes = opts.scopes === undefined ? NO_SCOPES : sharedScopes(opts.scopes);
    if (this.explicitScopes.size > 0) this.explicitScopes.clear();
    if (!opts.keepScopes) {
      if (this.byIdentity.size > 0) this.byIdentity.clear();
      if (this.byContent.length > 0) this.byContent = [];
    }
    if (this.written.size > 0) this.written.clear();
    this.scopesGrew = false;
    this.syncReader = opts.exactScopes ? instrumentedScopeReader() : syncScopeReader();
    if (this.modules.length > 0) {
      this.modules = [];
      this.moduleIds.clear();
    }
    this.modulesFresh = false;
    this.entry = undefined;
    this.root = undefined;
  }

  protected override endCode(): void {
    this.fnScopes = NO_SCOPES;
    if (this.explicitScopes.size > 0) this.explicitScopes.clear();
    if (this.written.size > 0) this.written.clear();
  }
}
