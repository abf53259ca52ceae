/**
 * Members that user code added to the global object or to a built-in, read by a function
 * through a member expression rather than by free name: `globalThis.helper(x)`,
 * `self.CONFIG.rate`, `g.fn()` where `g` is a captured alias of `globalThis`, `Math.clamp(x)`,
 * `Array.prototype.last.call(xs)`, `[1, 2].last()`. The loading side has none of them, so
 * they travel with the function, and are installed at their path when it is loaded.
 *
 * They travel in a scope record of their own, innermost, whose names are not variables but
 * paths from `globalThis` (`globalThis.helper`, `Array.prototype.last`), with `:e`, `:w` or
 * `:` after the path when the property is not both enumerable and writable (it is installed
 * configurable). Nothing is declared for them: setting one installs the value at its path.
 * Loaded again, such a function carries the same record (the loader remembers it), so
 * chains of hops keep it.
 *
 * On load, a value is installed where the path is free, or where an earlier pickle installed
 * the value that is there (a newer pickle wins, as with classes); a value the loading side
 * has there itself is kept. Refused with an UnpicklingError: paths that are not a member of
 * `globalThis`, of an ECMAScript built-in (`Math`, `Array`…) or of its `prototype`; keys
 * `__proto__`, `constructor` and `prototype`; the runtime's own globals; accessors; and
 * read-only properties of the runtime that the pickle would change.
 *
 * @module
 */

import { UnpicklingError } from "../errors.ts";
import type { Encoder } from "../pickle/encoder.ts";
import type { Analysis } from "./analyze.ts";
import { explicitCaptures, ScopeRecord } from "./captures.ts";
import { type ScopeHandle, scopeOrTop } from "./functions.ts";
import {
  globalPathOf,
  globalValue,
  isRuntimeGlobalKey,
  isUserFunction,
  RUNTIME_GLOBAL,
} from "./globals.ts";
import { INTRINSICS } from "./intrinsics.ts";
import { loadedFunction, loadedScope, rememberScope } from "./loaded.ts";
import { loadedScopes } from "./scope_records.ts";

const G = globalThis as unknown as Record<string, unknown>;
const hasOwn = Object.hasOwn;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const fnToString = Function.prototype.toString;

/** Keys never installed (nor read through). */
const FORBIDDEN: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;

/** A key a path may install: an identifier, not forbidden, not one of the library's own. */
function installable(key: string): boolean {
  return IDENTIFIER.test(key) && !FORBIDDEN.has(key) && !key.startsWith("$cp$");
}

// Write side.

/** Where a function's free name `root` leads: its value, and whether it is a global. */
function rootValue(fn: object, root: string, scope: ScopeRecord | null): [unknown, boolean] {
  for (let rec = scope; rec !== null; rec = rec.parent) {
    const i = rec.names.indexOf(root);
    if (i >= 0) return [rec.values[i], false];
  }
  const given = explicitCaptures(fn);
  if (given !== undefined && hasOwn(given, root)) return [given[root], false];
  const v = globalValue(root);
  if (v !== RUNTIME_GLOBAL) return [v, false];
  try {
    return [G[root], true];
  } catch {
    return [undefined, false];
  }
}

/** The name of an install: its path, and its flags when not both enumerable and writable. */
function installName(path: string, d: PropertyDescriptor): string {
  return d.enumerable && d.writable
    ? path
    : `${path}:${d.enumerable ? "e" : ""}${d.writable ? "w" : ""}`;
}

/** A user global's own data property, or undefined. */
function userGlobal(key: string): PropertyDescriptor | undefined {
  if (!installable(key) || isRuntimeGlobalKey(key)) return undefined;
  try {
    const d = getOwnPropertyDescriptor(globalThis, key);
    return d !== undefined && "value" in d ? d : undefined;
  } catch {
    return undefined;
  }
}

/** Data members of the intrinsics that the runtimes make enumerable, writable, configurable. */
const RUNTIME_DATA: ReadonlySet<string> = new Set(["stackTraceLimit"]);

/**
 * A member user code added to one of the {@linkcode INTRINSICS} (or to its prototype): a
 * function with JavaScript source, or data that assignment created (enumerable, writable,
 * configurable: the runtime's data members are not all three) and that is not one of the
 * runtime's objects.
 */
function userMember(holder: object, key: string): PropertyDescriptor | undefined {
  // The common case, `Math.max`, `JSON.stringify`: the runtime's member found before, unchanged.
  let seen = runtimeMembers.get(holder);
  const known = seen?.get(key);
  if (known !== undefined && hasOwn(holder, key)) {
    try {
      if (Object.is((holder as Record<string, unknown>)[key], known.value)) return undefined;
    } catch {
      return undefined;
    }
  }
  let d: PropertyDescriptor | undefined;
  try {
    d = getOwnPropertyDescriptor(holder, key);
  } catch {
    return undefined;
  }
  if (d === undefined || !("value" in d)) return undefined;
  const v = d.value;
  if (typeof v === "function") {
    if (isUserFunction(v) && installable(key)) return d;
  } else if (
    d.enumerable && d.writable && d.configurable && !RUNTIME_DATA.has(key) &&
    (v === null || typeof v !== "object" || globalPathOf(v) === undefined) && installable(key)
  ) return d;
  if (seen === undefined) runtimeMembers.set(holder, seen = new Map());
  seen.set(key, { value: v });
  return undefined;
}

/** The runtime's own members of the intrinsics met so far, with the value they had. */
const runtimeMembers = new WeakMap<object, Map<string, { value: unknown }>>();

/** The constructors whose prototype user code extends with methods. */
const EXTENDED = [
  "Object",
  "Function",
  "Array",
  "String",
  "Number",
  "Boolean",
  "Symbol",
  "BigInt",
  "Date",
  "RegExp",
  "Error",
  "Map",
  "Set",
  "WeakMap",
  "WeakSet",
  "Promise",
  "ArrayBuffer",
  "DataView",
  "Uint8Array",
  "Iterator",
];

/** [path, prototype] of {@linkcode EXTENDED}, found once on first need. */
let prototypes: [string, object][] | undefined;
/**
 * Names the runtime's own members of those prototypes have (all but functions with source):
 * a method called by one of those names is taken for the runtime's.
 */
let builtinNames: Set<string> | undefined;

function scanPrototypes(): [string, object][] {
  const found: [string, object][] = [];
  const names = new Set<string>();
  for (const name of EXTENDED) {
    const ctor = hasOwn(G, name) && isRuntimeGlobalKey(name) ? G[name] : undefined;
    if (typeof ctor !== "function") continue;
    const proto = getOwnPropertyDescriptor(ctor, "prototype")?.value;
    if (proto === null || typeof proto !== "object") continue;
    found.push([`${name}.prototype`, proto]);
    for (const key of Object.getOwnPropertyNames(proto)) {
      const d = getOwnPropertyDescriptor(proto, key)!;
      if (!("value" in d) || typeof d.value !== "function" || !isUserFunction(d.value)) {
        names.add(key);
      }
    }
  }
  builtinNames = names;
  return found;
}

/** Appends an install, once per path. */
function add(names: string[], values: unknown[], path: string, d: PropertyDescriptor): void {
  for (const n of names) {
    if (n === path || n.startsWith(`${path}:`)) return;
  }
  names.push(installName(path, d));
  values.push(d.value);
}

/**
 * `scope`, or a record around it installing the members user code added to the global object
 * and to built-ins that `fn` reads (see the module documentation). Called only for functions
 * whose analysis found member reads on free names or method calls.
 */
export function withGlobalMembers(
  enc: Encoder,
  fn: object,
  an: Analysis,
  scope: ScopeRecord | null,
): ScopeRecord | null {
  // A loaded function carries the record it was loaded with (its scopes are remembered),
  // also when it has no free variable (then no scope was asked for).
  const built = loadedFunction(fn);
  if (built !== undefined) {
    const h = built.scope;
    return scope === null && h !== null && isInstallName(loadedScope(h)?.names[0] ?? "")
      ? loadedScopes(enc, h)
      : scope;
  }
  let names: string[] | undefined;
  let values: unknown[] | undefined;
  for (const read of an.globalMembers) {
    const root = read[0];
    const [v, global] = rootValue(fn, root, scope);
    if (v === null || (typeof v !== "object" && typeof v !== "function")) continue;
    if (v === globalThis) {
      if (read.length !== 2) continue;
      const d = userGlobal(read[1]);
      if (d !== undefined) add(names ??= [], values ??= [], `globalThis.${read[1]}`, d);
      continue;
    }
    // The ECMAScript namespaces and constructors, named by their global name.
    if (!global || !INTRINSICS.has(root)) continue;
    let holder: unknown = v;
    let path = root;
    if (read.length === 3) {
      holder = getOwnPropertyDescriptor(v, "prototype")?.value;
      if (holder === null || typeof holder !== "object") continue;
      path = `${root}.prototype`;
    }
    const key = read[read.length - 1];
    const d = userMember(holder as object, key);
    if (d !== undefined) add(names ??= [], values ??= [], `${path}.${key}`, d);
  }
  if (an.methodNames.length > 0) {
    const list = prototypes ??= scanPrototypes();
    const builtin = builtinNames!;
    for (const key of an.methodNames) {
      if (builtin.has(key)) continue;
      for (let i = 0; i < list.length; i++) {
        const proto = list[i][1];
        if (!hasOwn(proto, key) || !installable(key)) continue;
        const d = getOwnPropertyDescriptor(proto, key)!;
        if ("value" in d && typeof d.value === "function" && isUserFunction(d.value)) {
          add(names ??= [], values ??= [], `${list[i][0]}.${key}`, d);
        }
      }
    }
  }
  if (names === undefined) return scope;
  const rec = new ScopeRecord(names, values!, scope);
  enc.opts.observer?.extras(rec);
  return rec;
}

// Read side.

/** Where a scope name that is a path installs its value. */
export interface InstallTarget {
  /** The path without flags (`Array.prototype.last`). */
  readonly path: string;
  readonly holder: object;
  readonly key: string;
  readonly enumerable: boolean;
  readonly writable: boolean;
}

/** Whether a scope name is an install path (see the module documentation), not a variable. */
export function isInstallName(name: string): boolean {
  return name.includes(".");
}

/** An own data property's value, or undefined (accessors are never read through). */
function ownData(o: object, key: string): unknown {
  const d = getOwnPropertyDescriptor(o, key);
  return d !== undefined && "value" in d ? d.value : undefined;
}

/** The target of an install name, or why it is refused (a string). */
export function installTarget(name: string): InstallTarget | string {
  let path = name;
  let enumerable = true;
  let writable = true;
  const colon = name.indexOf(":");
  if (colon >= 0) {
    const flags = name.slice(colon + 1);
    if (flags !== "" && flags !== "e" && flags !== "w") return `'${name}', whose flags are unknown`;
    path = name.slice(0, colon);
    enumerable = flags === "e";
    writable = flags === "w";
  }
  const parts = path.split(".");
  const key = parts[parts.length - 1];
  const prototype = parts.length === 3 && parts[1] === "prototype";
  if ((parts.length !== 2 && !prototype) || !IDENTIFIER.test(parts[0]) || !installable(key)) {
    return `'${path}', which is not a member of the global object, of a built-in or of its ` +
      "prototype (or names __proto__, constructor or prototype)";
  }
  const root = parts[0];
  let holder: unknown;
  if (root === "globalThis") holder = globalThis;
  else {
    // One of the ECMAScript built-ins, as the runtime defined it.
    if (
      !INTRINSICS.has(root) || !isRuntimeGlobalKey(root) || globalValue(root) !== RUNTIME_GLOBAL
    ) {
      return `'${path}', under '${root}', which is not one of the runtime's ECMAScript ` +
        "built-ins (a pickle installs only there and on globalThis)";
    }
    holder = ownData(globalThis, root);
  }
  if (prototype && holder !== globalThis && holder !== null && typeof holder === "function") {
    holder = ownData(holder, "prototype");
  } else if (prototype) holder = undefined;
  if (holder === null || (typeof holder !== "object" && typeof holder !== "function")) {
    return `'${path}', under '${parts.slice(0, -1).join(".")}', which is not an object here`;
  }
  const d = getOwnPropertyDescriptor(holder, key);
  if (holder === globalThis) {
    if (isRuntimeGlobalKey(key)) {
      return `'${path}', which is this runtime's own global (a pickle installs only globals ` +
        "that user code defined)";
    }
  } else if (d !== undefined && !("value" in d)) {
    return `'${path}', which is an accessor here (a pickle installs only data members)`;
  }
  if (d === undefined && !Object.isExtensible(holder)) {
    return `'${path}', whose object cannot be extended here`;
  }
  return { path, holder: holder as object, key, enumerable, writable };
}

/** What pickles installed, per holder and key: a newer pickle may replace only these. */
const installed = new WeakMap<object, Map<string, unknown>>();

/** Whether two values are one member: the same value, or functions of one source. */
function sameMember(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "function" || typeof b !== "function") return false;
  try {
    return fnToString.call(a) === (loadedFunction(b)?.source ?? fnToString.call(b));
  } catch {
    return false;
  }
}

/** Installs `v` at `t` (see the module documentation); `at`: the scope's byte offset. */
function install(t: InstallTarget, v: unknown, at: number): void {
  const { holder, key } = t;
  const d = getOwnPropertyDescriptor(holder, key);
  const mine = installed.get(holder);
  if (
    d !== undefined &&
    !(mine !== undefined && mine.has(key) && "value" in d && Object.is(d.value, mine.get(key)))
  ) {
    // The loading side's own: kept.
    if (holder === globalThis || ("value" in d && d.writable && d.configurable)) return;
    if ("value" in d && sameMember(d.value, v)) return;
    throw new UnpicklingError(
      `cannot load the pickle: it installs '${t.path}', which is read-only in this runtime ` +
        "(a pickle installs only members that user code added); it is corrupt, or was not " +
        "made by this library",
      at,
    );
  }
  try {
    Object.defineProperty(holder, key, {
      value: v,
      enumerable: t.enumerable,
      writable: t.writable,
      configurable: true,
    });
  } catch (e) {
    throw new UnpicklingError(
      `cannot load the pickle: it installs '${t.path}', which cannot be defined here (${e})`,
      at,
      { cause: e },
    );
  }
  if (mine === undefined) installed.set(holder, new Map([[key, v]]));
  else mine.set(key, v);
}

/**
 * A rebuilt scope whose names are install paths (`targets`, parallel to `names`): it
 * declares nothing (code evaluated in it is evaluated in `parent`); setting a value installs
 * it at its path.
 */
export function newInstallScope(
  parent: ScopeHandle | null,
  names: readonly string[],
  targets: readonly InstallTarget[],
  at: number,
): ScopeHandle {
  const values: unknown[] = new Array(names.length);
  const where = scopeOrTop(parent);
  const h: ScopeHandle = {
    d: (src) => where.d(src),
    s: (i, v) => {
      values[i] = v;
      install(targets[i], v, at);
    },
    g: (i) => values[i],
  };
  rememberScope(h, names, parent);
  return h;
}
