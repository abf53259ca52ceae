/**
 * The pickling walk: the data walk of walk_data.ts, plus code by value — functions with
 * their captured scopes, classes, prototype objects, bound functions and instances of
 * classes (with their private state).
 *
 * @module
 */

import { types } from "node:util";
import * as T from "../format/tags.ts";
import { globalPathOf, globalValue, NO_GLOBAL, RUNTIME_GLOBAL } from "../code/globals.ts";
import { type Analysis, AnalysisError, analyze } from "../code/analyze.ts";
import { explicitCaptures, ScopeRecord } from "../code/captures.ts";
import { FORM_CLASS, formCode, isDeclarable, loadedSource, memberCode } from "../code/functions.ts";
import { classId } from "../code/identity.ts";
import {
  constructorOf,
  functionKeys,
  isNative,
  ownPrototype,
  privateFieldsOf,
  prototypeKeys,
  sourcePrototypes,
  UNKNOWN,
} from "../code/members.ts";
import { sharedScopes } from "../code/shared_scopes.ts";
import { originalSource } from "../code/private_state.ts";
import { loadedFunction, loadedScope } from "../code/loaded.ts";
import { handleOfRecord, readInstrumentedScopes } from "../code/loaded_instrument.ts";
import { withoutInstrumentation } from "../code/uninstrument.ts";
import { recordOf } from "../runtime/instrumented.ts";
import type { ScopeHandle } from "../code/functions.ts";
import {
  builtinModuleOf,
  type ExportSite,
  findBuiltinExport,
  findExport,
  locatedFunction,
  moduleStillLoading,
  namespaceURL,
  refreshModules,
} from "../runtime/modules/table.ts";
import { entryModuleURL } from "../runtime/modules/entry.ts";
import { syncRemedy, unreadableReason } from "../runtime/remedy.ts";
import { covers, listRegistryPickleByValue, registeredByValue } from "../code/registry.ts";
import { IS_JSC } from "../runtime/host.ts";
import { defaultRoot, portableName } from "../runtime/modules/names.ts";
import { importSites, mayImport, withImportBase } from "../code/relative_imports.ts";
import { type ReadScopes, type ScopeSnapshot, TDZ } from "../runtime/adapter.ts";
import { isBoundFunction } from "../runtime/bound.ts";
import {
  instrumentedScopeReader,
  syncBoundReader,
  syncPrivateReader,
  syncScopeReader,
  syncScopesUnavailable,
} from "../runtime/detect.ts";
import * as K from "../values/kinds.ts";
import { resourceOf } from "../values/resources.ts";
import { B_ARRAY, B_NONE, brandFits, brandOf, hostBrandOf, protoOfKind } from "../values/brands.ts";
import {
  DataWalker,
  F_LIST,
  S_DEFINITION,
  S_PRIVATE,
  S_PROTO,
  S_SCOPE,
  type WalkOptions,
} from "./walk_data.ts";
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

/** Captured values, with built-in modules' exports objects standing as BuiltinObjects. */
function builtinsAsReferences(values: unknown[]): unknown[] {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && typeof v === "object" && asBuiltin(v) !== v) return values.map(asBuiltin);
  }
  return values;
}

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

/**
 * `reader`, answering first for closures that loaded code created (their scope records were
 * added by the loader, on every runtime: see loaded_instrument.ts).
 */
function withLoadedClosures(
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

/**
 * Stands for a built-in module's exports object (`import fs from "node:fs"`) in a captured
 * scope or at the root, so that it is written by reference wherever it sits.
 */
class BuiltinObject {
  constructor(readonly target: object, readonly url: string) {}
}

/** `o` as a BuiltinObject when it is a built-in module's exports object. */
function asBuiltin(o: unknown): unknown {
  if (o === null || typeof o !== "object" || isProxy(o) || getPrototypeOf(o) !== OBJECT_PROTO) {
    return o;
  }
  const url = builtinModuleOf(o);
  return url === undefined ? o : new BuiltinObject(o, url);
}

/**
 * Whether a root object may be a built-in module's exports object: a plain object whose first
 * key holds a function (true of every built-in with a plain exports object but dns, domain,
 * inspector, perf_hooks, punycode and constants, which at the root are copied). Checked
 * before asking, because the first question loads every built-in module (tens of
 * milliseconds, once); reads one property descriptor (no getter runs).
 */
function mayBeBuiltin(o: unknown): boolean {
  if (o === null || typeof o !== "object" || isProxy(o) || getPrototypeOf(o) !== OBJECT_PROTO) {
    return false;
  }
  for (const k in o) return typeof Object.getOwnPropertyDescriptor(o, k)?.value === "function";
  return false;
}

/** Source and analysis per function: a function's text never changes. */
const analysed = new WeakMap<object, [string, Analysis]>();

/** What a prototype chain says about the objects that inherit from it. */
interface Chain {
  /** The first built-in prototype of the chain (Object.prototype, a family's, or null). */
  readonly base: object | null;
  /** The private fields its classes declare; null when none has private members. */
  readonly privateFields: string[] | null;
  /** Why its objects cannot be pickled, if they cannot. */
  readonly error: string | undefined;
}

/** Stands for a function whose scope the async form must read before walking again. */
const UNREAD: unique symbol = Symbol("unread");

/** One pickling walk; instances are reused between calls when idle. */
export class Walker extends DataWalker {
  /** Scope records shared by the functions read from one real scope (async form). */
  private fnScopes = new Map<object, ScopeRecord>();
  /** Scope records of scopes the loader built, by scope. */
  private byLoaded = new Map<ScopeHandle, ScopeRecord>();
  /** Scope records of instrumented scopes, by scope identity. */
  private byIdentity = new Map<object, ScopeRecord>();
  /** Snapshots standing for scopes matched by content (see contentIdentity). */
  private byContent: ScopeSnapshot[] = [];
  /** Scope records written by this walk, with how many values they had then. */
  private written = new Map<ScopeRecord, number>();
  /** Set when a record written by this walk gained a variable afterwards: walk again. */
  scopesGrew = false;
  /** The synchronous scope reader of this process (instrumented code), if any. */
  private syncReader: ((fn: object) => ReadScopes | undefined) | undefined;
  /** Scope records of closure() captures objects, one per object. */
  private explicitScopes = new Map<object, ScopeRecord>();
  /** The portable names of the modules this walk refers to, in table order. */
  modules: string[] = [];
  /**
   * Async form: functions no known module exports, and unknown namespaces (written as
   * placeholders), for the module source to look for before the pickle is final.
   */
  moduleMisses: object[] = [];
  /** Async form: functions that import() whose defining module is still to be found. */
  unlocated: object[] = [];
  /** The stand-ins of by-value namespaces met by this walk. */
  private namespaceCopies = new Map<object, object>();
  private moduleIds = new Map<string, number>();
  /** Set once this walk has brought the module table up to date. */
  private modulesFresh = false;
  private entry: string | undefined;
  private root: string | undefined;
  /** What each prototype chain met in this walk says about its objects. */
  private chains = new Map<object, Chain>();
  /** Functions whose PROTOTYPES prefix is being written (guards against a loop). */
  private reparentedFns: object[] = [];
  /** The built-in object being written under another prototype (guards against a loop). */
  private reparenting: object | null = null;

  override walk(value: unknown, opts: WalkOptions, keep?: boolean): void {
    super.walk(mayBeBuiltin(value) ? asBuiltin(value) : value, opts, keep);
  }

  protected override moduleObject(o: object): boolean {
    if (!Object.isExtensible(o)) return false;
    const url = builtinModuleOf(o);
    if (url === undefined) return false;
    this.exportRecord(o, url, ["default"]);
    return true;
  }

  /** Writes `value` as the export at `path` of the module at `url` (no memo check). */
  private exportRecord(value: object, url: string, path: readonly string[]): void {
    this.memo.set(value, this.nextId++);
    this.flags |= T.FLAG_CODE | T.FLAG_MODULES;
    const w = this.w;
    w.byte(T.EXPORT);
    w.varint(this.moduleIndex(url));
    w.varint(path.length);
    for (const key of path) w.string(key);
  }

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
    const async = this.opts.settled !== undefined;
    let site = find === findExport ? findExport(value, !async) : find(value);
    if (site === undefined && find === findExport && !async) {
      const loading = moduleStillLoading(value);
      if (loading === true) site = findExport(value, false);
      else if (loading !== undefined) {
        this.fail(
          `cannot tell yet whether ${loading} exports this function: the library is still ` +
            "importing the program's modules; await one turn of the event loop (or " +
            "`await ready()`) before the first dumpsSync, or use the async dumps()",
        );
      }
    }
    if (site === undefined) {
      if (async && find === findExport && !this.opts.rechecked?.has(value)) {
        this.moduleMisses.push(value);
      }
      return false;
    }
    // Read only now: most functions are exported by no module.
    this.entry ??= entryModuleURL() ?? "";
    this.root ??= this.opts.moduleRoot ?? defaultRoot() ?? "";
    if (this.byValueModule(site.url)) return false;
    if (site.others !== undefined && site.others.some((u) => this.byValueModule(u))) return false;
    const spec = portableOf(site.url, this.root || undefined);
    if (spec === undefined) return false;
    this.exportRecord(value, spec, site.path);
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

  /**
   * A module namespace object: by reference to its module; by value (see namespaceCopy) for
   * the entry module and modules registered by value; refused when its module is unknown.
   */
  protected override moduleNamespace(ns: object): void {
    const url = namespaceURL(ns);
    this.root ??= this.opts.moduleRoot ?? defaultRoot() ?? "";
    this.entry ??= entryModuleURL() ?? "";
    if (url !== undefined && this.byValueModule(url)) {
      this.object(this.namespaceCopy(ns));
      return;
    }
    const spec = url === undefined ? undefined : portableOf(url, this.root || undefined);
    if (url === undefined && this.opts.settled !== undefined && !this.opts.rechecked?.has(ns)) {
      // Its module may have been imported a moment ago: looked for, then walked again.
      this.moduleMisses.push(ns);
      this.w.byte(T.UNDEFINED);
      return;
    }
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

  /**
   * The source of a function that calls `import()`, with each call resolving against the
   * module that defined the function, named portably (see relative_imports.ts); UNREAD while
   * the async form has yet to locate the function.
   */
  private importBase(fn: object, source: string, name: string): string | typeof UNREAD {
    const sites = importSites(source);
    if (sites === undefined) return source;
    this.root ??= this.opts.moduleRoot ?? defaultRoot() ?? "";
    const portable = (url: string) => portableOf(url, this.root || undefined);
    let base: string | undefined;
    if (sites.needsBase) {
      let url: string | null | undefined = this.opts.locations?.get(fn) ?? locatedFunction(fn);
      if (url === undefined && this.opts.settled !== undefined) {
        this.unlocated.push(fn);
        return UNREAD;
      }
      url ??= undefined;
      if (url !== undefined) base = portable(url) ?? url;
      else if (sites.needsBaseStrictly) {
        this.fail(
          `cannot pickle function${name}: it imports a relative specifier (import("./…")), ` +
            "and the module that defined it, which that specifier is relative to, cannot be " +
            "found here (" + (IS_JSC
              ? "on Bun the preload records it in the modules it instruments"
              : this.opts.settled === undefined
              ? "on Deno the async dumps() finds it, with --allow-sys"
              : "on Deno it needs --allow-sys") +
            ")",
        );
      }
    }
    return withImportBase(source, sites, base, portable);
  }

  /**
   * The stand-in of a by-value module's namespace: a frozen null-prototype object with the
   * exports' current values (functions and classes by value) and the `Module` tag, one per
   * namespace in a pickle.
   */
  private namespaceCopy(ns: object): object {
    const known = this.namespaceCopies.get(ns);
    if (known !== undefined) return known;
    const copy = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(ns)) {
      try {
        copy[key] = (ns as Record<string, unknown>)[key];
      } catch (e) {
        this.fail(
          `cannot pickle the namespace of a module by value: export '${key}' is not ` +
            "initialized yet",
          e,
        );
      }
    }
    Object.defineProperty(copy, Symbol.toStringTag, { value: "Module" });
    Object.freeze(copy);
    this.namespaceCopies.set(ns, copy);
    return copy;
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
        source = loadedFunction(fn)?.source ?? originalSource(fn) ?? loadedSource(fn) ??
          withoutInstrumentation(fnToString.call(fn));
        an = analyze(source);
        analysed.set(fn, [source, an]);
      }
    } catch (e) {
      if (this.exported(fn, findBuiltinExport)) return;
      if (e instanceof AnalysisError && e.complete) {
        this.fail(`cannot pickle function${name} by value: ${e.message}`);
      }
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
    // A loaded function's source says already where its import()s resolve.
    const text = mayImport(source) && loadedFunction(fn) === undefined
      ? this.importBase(fn, source, name)
      : source;
    if (text === UNREAD) {
      this.w.byte(T.UNDEFINED);
      return;
    }
    const proto = ownPrototype(fn);
    this.reparented(fn, an, scope, proto);
    this.memo.set(fn, this.nextId++);
    this.flags |= T.FLAG_CODE;
    const w = this.w;
    w.byte(T.FUNCTION);
    w.byte2(form, memberCode(an));
    w.string(text);
    if (form === FORM_CLASS) w.string(classId(fn, source));
    this.scope(scope);
    if (form === FORM_CLASS) this.definitionValues(fn, an, scope);
    if (form === FORM_CLASS) {
      // Static private values: written last, after both property lists.
      const statics = this.staticPrivates(fn, an, name);
      if (statics === UNREAD) return;
      const f = this.push(F_LIST, S_PRIVATE, fn, statics.length);
      f.items = statics;
      f.pre = statics.length >> 1;
    }
    // The prototype's list is pushed first so that the function's own list is written first.
    if (proto === undefined) this.propsFrame(fn, [], null, T.INTEGRITY_EXTENSIBLE);
    else this.propsFrame(proto, prototypeKeys(fn, proto, an, source), null);
    this.propsFrame(fn, functionKeys(fn, an, source, proto !== undefined), null);
  }

  /**
   * Writes the PROTOTYPES prefix when the [[Prototype]] of `fn` or of its own `prototype`
   * object is not what evaluating its source again gives (`Object.setPrototypeOf(fn, p)`,
   * `util.inherits`, a class re-parented after its definition). Nothing for the usual case.
   */
  private reparented(
    fn: object,
    an: Analysis,
    scope: ScopeRecord | null,
    proto: object | undefined,
  ): void {
    const parent = an.heritage === undefined ? UNKNOWN : this.heritageValue(an.heritage, scope);
    const [own, ofProto] = sourcePrototypes(fn, an, parent);
    const actualOwn = getPrototypeOf(fn);
    const actualOfProto = proto === undefined ? ofProto : getPrototypeOf(proto);
    const flags = (own !== UNKNOWN && actualOwn !== own ? T.PROTOTYPES_OWN : 0) |
      (ofProto !== UNKNOWN && actualOfProto !== ofProto ? T.PROTOTYPES_OF_PROTOTYPE : 0);
    if (flags === 0) return;
    if (this.reparentedFns.includes(fn)) {
      this.fail(
        "cannot pickle a function whose prototype chain leads back to the function itself " +
          "before it is defined",
      );
    }
    this.flags |= T.FLAG_CODE;
    this.w.byte(T.PROTOTYPES);
    this.w.byte(flags);
    this.reparentedFns.push(fn);
    try {
      if (flags & T.PROTOTYPES_OWN) this.value(actualOwn);
      if (flags & T.PROTOTYPES_OF_PROTOTYPE) this.value(actualOfProto);
    } finally {
      this.reparentedFns.pop();
    }
  }

  /** The value a class's `extends` identifier holds on load: captured, or a global. */
  private heritageValue(name: string, scope: ScopeRecord | null): unknown {
    for (let rec = scope; rec !== null; rec = rec.parent) {
      const i = rec.names.indexOf(name);
      if (i >= 0) return rec.values[i];
    }
    return name in globalThis ? (globalThis as Record<string, unknown>)[name] : UNKNOWN;
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
            ? `by the sync form (${syncRemedy()})`
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
   * static initializers): their names, then each value with a mode byte. Data is written
   * whole (mode 1), with everything it holds, so that the loader has it complete before it
   * evaluates the class; data that refers back to the class is refused, since the class
   * cannot exist before it. Functions only need to exist (mode 0): their own properties
   * follow later, so a parent class may list its subclasses. The scope's own list delivers
   * the values (again) with everything else.
   */
  private definitionValues(fn: object, an: Analysis, scope: ScopeRecord | null): void {
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
    const w = this.w;
    w.varint(names.length);
    for (const n of names) w.string(n);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === "function") {
        w.byte(T.DEFINITION_EXISTS);
        this.value(v);
        continue;
      }
      w.byte(T.DEFINITION_WHOLE);
      const level = this.top;
      const f = this.push(F_LIST, S_DEFINITION, fn, 1);
      f.keys = [names[i]];
      f.items = [v];
      f.reducing = fn;
      this.reducing++;
      this.run(level);
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
    // own (absent optional ones may be properties of a `with` object, or only `typeof`-ed)
    // are the user's statement of the values: no scope needs reading then.
    if (
      given !== undefined &&
      free.every((v) =>
        Object.hasOwn(given, v) || globalValue(v) === RUNTIME_GLOBAL || an.optional.has(v)
      )
    ) {
      return this.explicitScope(given);
    }
    // A function this process loaded: its scopes are the ones the loader built.
    const built = loadedFunction(fn);
    if (built !== undefined) return this.loadedScopes(built.scope);
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
      } else {
        // A global that user code defined travels with the function; the runtime's own not.
        const g = globalValue(v);
        if (g === NO_GLOBAL) {
          if (!an.optional.has(v)) missing.push(v);
        } else if (g !== RUNTIME_GLOBAL) {
          extraNames.push(v);
          extraValues.push(g);
        }
      }
    }
    if (missing.length > 0) {
      const list = missing.map((m) => `'${m}'`).join(", ");
      const sync = this.opts.settled === undefined;
      const why = unreadableReason(
        fn,
        this.opts.scopesUnavailable,
        sync,
        sync ? syncScopesUnavailable() : undefined,
      );
      const reason = why === "" ? "" : ` (${why})`;
      this.fail(
        `cannot pickle function${name}: its free variable${missing.length > 1 ? "s" : ""} ` +
          `${list} could not be read${reason}; pass ${missing.length > 1 ? "them" : "it"} ` +
          `with closure({ ${missing.join(", ")} }, fn)` + this.packageHint(),
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
    // (Scopes the loader built, met through closures loaded code created, are its records.)
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
      const built = identity === undefined ? undefined : handleOfRecord(identity);
      if (built !== undefined) {
        const rec = this.loadedScopes(built);
        if (child !== null) child.parent ??= rec;
        innermost ??= rec;
        break;
      }
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

  /**
   * The scope records of a scope chain the loader built: one record per scope, holding every
   * variable the scope declares with its current value, so the functions loaded together
   * share their records and a pickle made again from a loaded value has the bytes it was
   * loaded from.
   */
  private loadedScopes(handle: ScopeHandle | null): ScopeRecord | null {
    let first: ScopeRecord | null = null;
    let child: ScopeRecord | null = null;
    for (let h = handle; h !== null;) {
      let rec = this.byLoaded.get(h);
      const known = rec === undefined ? loadedScope(h) : undefined;
      if (rec === undefined) {
        if (known === undefined) break;
        const names = known.names.slice();
        const values: unknown[] = new Array(names.length);
        for (let i = 0; i < names.length; i++) values[i] = h.g(i);
        rec = new ScopeRecord(names, values, null);
        this.byLoaded.set(h, rec);
      }
      if (child !== null) child.parent = rec;
      first ??= rec;
      if (known === undefined) break; // the rest of the chain is known already
      child = rec;
      h = known.parent;
    }
    return first;
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

  /**
   * Why a function of a package registered by value may have unreadable variables on Bun:
   * there, closure variables are read only in code the preload instrumented.
   */
  private packageHint(): string {
    if (!IS_JSC) return "";
    const npm = (e: string) => e.startsWith("npm:");
    if (!listRegistryPickleByValue().some(npm) && !this.opts.byValue?.some(npm)) return "";
    return ". On Bun, the functions of a package registered by value (registerPickleByValue) " +
      "are read only where the preload instruments that package's files in node_modules";
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
    this.written.set(rec, rec.values.length);
    w.byte(T.SCOPE);
    w.varint(rec.names.length);
    for (const n of rec.names) w.string(n);
    this.scope(rec.parent);
    if (rec.values.length > 0) {
      this.push(F_LIST, S_SCOPE, rec, rec.values.length).items = builtinsAsReferences(rec.values);
    }
  }

  /** Above 0 while the prototype of a SET_PROTO is written (its object follows inline). */
  private inlineProto = 0;

  /** Objects of no built-in family: a reducer, a global, or an error. */
  protected override other(o: object): void {
    if (o instanceof BuiltinObject) {
      if (!this.ref(o.target)) this.exportRecord(o.target, o.url, ["default"]);
      return;
    }
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
    if (proto !== null) {
      // Errors of classes the runtime defines (Deno.errors.NotFound…) load anywhere.
      if (o instanceof Error && types.isNativeError(o) && this.hostError(o, proto)) return;
      const resource = resourceOf(o, proto);
      if (resource !== undefined) this.fail(resource);
    }
    const chain = this.chainOf(proto);
    if (chain.error !== undefined) this.fail(chain.error);
    const base = chain.base;
    if (chain.privateFields !== null) {
      this.privateInstance(o, proto, base, chain.privateFields);
      return;
    }
    // What the object really is (its internal slots), whatever its prototype chain says.
    let brand = base === ARRAY_PROTO && isArray(o) ? B_ARRAY : brandOf(o);
    if (brand === B_NONE && base !== null && base !== OBJECT_PROTO) brand = hostBrandOf(o);
    if (brand !== B_NONE) {
      if (this.reparenting === o) {
        this.fail("cannot pickle this object: its built-in state could not be read");
      }
      // An instance of a subclass of a built-in, or a built-in given another prototype: the
      // built-in's state, then its prototype. Both are written inline (the loader reads them
      // back to back); the frames they push run afterwards, in the same order on both sides.
      this.w.byte(T.SET_PROTO);
      this.inlineProto++;
      try {
        this.value(proto);
      } finally {
        this.inlineProto--;
      }
      this.reparenting = o;
      const kind = base === null ? undefined : K.KIND_BY_PROTO.get(base);
      if (brand === B_ARRAY) this.array(o as unknown[], false);
      else if (brandFits(brand, kind)) this.builtin(o, kind!, base!);
      else if (brand === K.K_BLOB || brand === K.K_FILE) this.blob(o as Blob, brand === K.K_FILE);
      else this.builtin(o, brand, protoOfKind(brand));
      this.reparenting = null;
      return;
    }
    // An ordinary object whose prototype is a class's prototype, a built-in prototype
    // (`Object.create(Map.prototype)` has no Map slots) or itself data.
    this.memo.set(o, this.nextId++);
    this.w.byte(T.OBJECT_WITH_PROTO);
    this.propsFrame(o, Reflect.ownKeys(o), null);
    // Pushed after the property list's frame, so the prototype is written first. Inside the
    // prototype of a SET_PROTO, whose object follows at once, it is written now instead (the
    // same bytes, its frames still before the property list's).
    if (this.inlineProto > 0) this.value(proto);
    else this.push(F_LIST, S_PROTO, o, 1).items = [proto];
  }

  /**
   * What the prototype chain from `proto` says about its objects, computed once per chain in a
   * walk (instances of one class share it): up the chain to the first built-in — a family we
   * can rebuild (Map, Array, Error…), plain Object.prototype / null, or a host class whose
   * state is unreachable — collecting the private fields its classes declare.
   */
  private chainOf(proto: object): Chain {
    let chain = this.chains.get(proto);
    if (chain !== undefined) return chain;
    let base: object | null = proto;
    let privateFields: string[] | null = null;
    let error: string | undefined;
    while (
      base !== null && base !== OBJECT_PROTO && base !== ARRAY_PROTO && !K.KIND_BY_PROTO.has(base)
    ) {
      const c = constructorOf(base);
      if (c !== undefined && (isNative(c) || globalPathOf(base) !== undefined)) {
        const name = (c as { name?: string }).name || "a built-in class";
        error ??= `cannot pickle an instance of ${name}: its state lives in internal slots ` +
          "that cannot be read (give the class a [reduce]() method)";
      }
      if (c !== undefined && error === undefined) {
        let fields: readonly string[] | undefined;
        try {
          fields = privateFieldsOf(c);
        } catch (e) {
          this.fail(
            `cannot pickle an instance of ${(c as { name?: string }).name || "a class"}: ` +
              "its class's source text cannot be analysed",
            e,
          );
        }
        if (fields !== undefined) {
          privateFields ??= [];
          for (const f of fields) {
            if (privateFields.includes(f)) {
              error = `cannot pickle an instance of ${(c as { name?: string }).name}: two of ` +
                `its classes declare a private field #${f}`;
            }
            privateFields.push(f);
          }
        }
      }
      base = getPrototypeOf(base);
    }
    chain = { base, privateFields, error };
    this.chains.set(proto, chain);
    return chain;
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
            ? `cannot be read by the sync form (${syncRemedy()})`
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
              ? `cannot be read by the sync form (${syncRemedy()})`
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
    if (this.byLoaded.size > 0) this.byLoaded.clear();
    if (!opts.keepScopes) {
      if (this.byIdentity.size > 0) this.byIdentity.clear();
      if (this.byContent.length > 0) this.byContent = [];
    }
    if (this.written.size > 0) this.written.clear();
    this.scopesGrew = false;
    this.syncReader = withLoadedClosures(
      opts.exactScopes ? instrumentedScopeReader() : syncScopeReader(),
    );
    if (this.modules.length > 0) {
      this.modules = [];
      this.moduleIds.clear();
    }
    if (this.moduleMisses.length > 0) this.moduleMisses = [];
    if (this.namespaceCopies.size > 0) this.namespaceCopies.clear();
    if (this.unlocated.length > 0) this.unlocated = [];
    this.modulesFresh = false;
    this.entry = undefined;
    this.root = undefined;
    this.reparenting = null;
    if (this.reparentedFns.length > 0) this.reparentedFns = [];
    if (this.chains.size > 0) this.chains.clear();
  }

  protected override resumeCode(opts: WalkOptions): void {
    const read = opts.scopes;
    if (read !== undefined && read.size > 0) this.fnScopes = sharedScopes(read);
  }

  /**
   * The values that scope records gained after this walk wrote them (a later function of an
   * instrumented scope used more of its variables), for the walk to go on from (resume).
   */
  grownValues(): unknown[] {
    const out: unknown[] = [];
    if (!this.scopesGrew) return out;
    this.scopesGrew = false;
    for (const [rec, n] of this.written) {
      if (rec.values.length === n) continue;
      for (let i = n; i < rec.values.length; i++) out.push(rec.values[i]);
      this.written.set(rec, rec.values.length);
    }
    return out;
  }

  protected override endCode(): void {
    this.fnScopes = NO_SCOPES;
    if (this.byLoaded.size > 0) this.byLoaded.clear();
    if (this.chains.size > 0) this.chains.clear();
    if (this.explicitScopes.size > 0) this.explicitScopes.clear();
    if (this.written.size > 0) this.written.clear();
  }
}
