/**
 * Where a function was defined, on V8 with the inspector: its `[[FunctionLocation]]` gives the
 * id of its script, and a script id is matched to a URL by what the module listing reported
 * (`modules.ts`) or, without any listing, by the frames of the current call stack. A throwing
 * `Runtime.evaluate` reports the stack it ran on, script ids and URLs of every frame, the
 * pickling call's caller among them: about 0.1 ms, where listing every script (the
 * `Debugger` domain's `scriptParsed` reports) costs 40-60 ms in a fresh Deno process. So the
 * entry module's script is known without a listing as soon as the program pickles from it,
 * and its functions (pickled by value) need no module table.
 *
 * @module
 */

import {
  evaluateNow,
  heldMemo,
  inspectorStash,
  inspectorUsableSilently,
  STASH_LOOKUP as LOOKUP,
  withInspector,
} from "./session.ts";
import { entryModuleURL } from "../modules/entry.ts";
import type { Siblings } from "../adapter.ts";
import { scopeListNow } from "./scopes_sync.ts";

/** Script id → URL of every script whose URL is known (listing, stack frames). */
const scriptURLs = new Map<string, string>();
/** The entry module's script id, once known. */
let entryId: string | undefined;
/** Stack reads that did not show the entry module (a few are tried, then the listing). */
let stackMisses = 0;
const STACK_TRIES = 8;

/**
 * Records that script `id` is `url` (the listing reports every script it sees; "" for code
 * the program evaluated: `eval`, `new Function`, a pickle's functions).
 */
export function noteScript(id: string, url: string): void {
  if (scriptURLs.has(id)) return;
  scriptURLs.set(id, url);
  if (entryId === undefined && url === entryModuleURL()) entryId = id;
}

/** The URL of script `id`, if known. */
export function scriptURL(id: string): string | undefined {
  return scriptURLs.get(id);
}

interface Frame {
  scriptId?: unknown;
  url?: unknown;
}

/**
 * Learns the scripts of the frames on the current stack (one throwing evaluate); called
 * straight from a pickling call (`dumps`, `dumpsSync`) while its caller is on the stack. Does
 * nothing once the entry is known, after a few reads that did not show it, or where the
 * inspector may not be used without asking.
 */
export function learnStack(): void {
  if (entryId !== undefined || stackMisses >= STACK_TRIES) return;
  if (!inspectorUsableSilently()) return;
  try {
    // Called straight from the pickling call: the frames reported are this one's, that
    // call's, and its caller's (see evaluateNow).
    const r = evaluateNow("throw 0");
    const frames = ((r.exceptionDetails as { stackTrace?: { callFrames?: Frame[] } })
      ?.stackTrace?.callFrames ?? []) as Frame[];
    for (const f of frames) {
      if (typeof f.scriptId === "string" && typeof f.url === "string") {
        noteScript(f.scriptId, f.url);
      }
    }
  } catch {
    // the inspector cannot be used: the listing decides
  }
  if (entryId === undefined) stackMisses++;
}

/**
 * Whether function `fn` was defined by the entry module's code, as far as is known without
 * listing modules: its script is the entry module's (false when unknown).
 */
export function definedInEntry(fn: object): boolean {
  if (typeof fn !== "function") return false;
  // Read exactly: taken for the entry's, an export of another module would go by value.
  return entryId !== undefined && locationOf(fn, true).id === entryId;
}

/**
 * Whether function `fn` is known to be the program's code: defined by a script with a URL the
 * program loads (`file:`, `http(s):`, `data:`, `blob:`) or by code it evaluated (no URL), not
 * by the runtime's (`ext:`, `node:`).
 */
export function definedByProgram(fn: object): boolean {
  if (typeof fn !== "function") return false;
  const id = scriptIdOf(fn);
  if (id === undefined) return false;
  const url = scriptURLs.get(id);
  return url !== undefined && (url === "" || /^(file|https?|data|blob):/.test(url));
}

/** Where a function was defined: its script, and whether a module defines it. */
interface Location {
  readonly id: string | undefined;
  /** No `Module` scope in its scope chain (see {@linkcode outsideModules}). */
  readonly moduleless: boolean;
  /** Read from this function, not taken from another of the same text. */
  readonly exact: boolean;
}

const UNKNOWN: Location = { id: undefined, moduleless: false, exact: true };
/** Locations of functions located so far (a function never moves). */
const located = new WeakMap<object, Location>();
/**
 * Locations by function source text: closures made by one piece of code are located once.
 * A function of the same text in another script is then taken to be in the first, so these
 * decide only what costs time (listing modules, building tables); what decides how a value
 * is written reads the function's own location (`exact`).
 */
const locatedTexts = new Map<string, Location>();
const LOCATED_TEXTS_MAX = 10_000;
const fnToString = Function.prototype.toString;

/**
 * The location of `fn`; with `exact`, read from `fn` itself where the one known was taken
 * from a function of the same text (which only decides what costs time, never how a value
 * is written).
 */
function locationOf(fn: object, exact = false, siblings?: Siblings): Location {
  if (typeof fn !== "function") return UNKNOWN;
  let loc = located.get(fn);
  if (loc !== undefined && (loc.exact || !exact)) return loc;
  let text: string | undefined;
  try {
    text = fnToString.call(fn);
  } catch {
    text = undefined;
  }
  loc = text === undefined || exact ? undefined : locatedTexts.get(text);
  if (loc !== undefined) loc = { ...loc, exact: false };
  if (loc === undefined && siblings !== undefined && !exact) {
    locateMany(siblings(fn));
    loc = located.get(fn);
    if (loc !== undefined) return loc;
  }
  if (loc === undefined) {
    loc = locate(fn);
    if (loc.id !== undefined && text !== undefined) {
      if (locatedTexts.size >= LOCATED_TEXTS_MAX) locatedTexts.clear();
      locatedTexts.set(text, loc);
    }
  }
  located.set(fn, loc);
  return loc;
}

/**
 * The id of the script that defines function `fn`, from its `[[FunctionLocation]]`; with
 * `exact` (where the answer decides how a value is written), read from `fn` itself. Not
 * known yet: located with the functions `siblings` gives, if given (see {@linkcode locateMany}).
 */
export function scriptIdOf(fn: object, exact = false, siblings?: Siblings): string | undefined {
  return locationOf(fn, exact, siblings).id;
}

/**
 * Whether function `fn` was defined by a script with an id above `max` (V8's ids only grow)
 * that is a module's: one read of its location (see {@linkcode scriptIdOf} for `siblings`).
 */
export function definedByModuleAfter(fn: object, max: number, siblings?: Siblings): boolean {
  const loc = locationOf(fn, false, siblings);
  const id = Number(loc.id);
  return Number.isFinite(id) && id > max && !loc.moduleless;
}

/**
 * Whether function `fn` is known to be defined by no ES module: its scope chain
 * (`[[Scopes]]`) holds no `Module` scope, which V8 gives every function a module defines,
 * however nested. Code evaluated at the top level (`eval`, `new Function`, a REPL, a
 * pickle's functions, the closures they make) has none: listing modules again would never
 * find it. False when the scopes cannot be read. Read with the function's location.
 */
export function outsideModules(fn: object): boolean {
  return locationOf(fn).moduleless;
}

/** Most functions one {@linkcode locateMany} reads (one stash, one listing of it). */
const MANY_MAX = 128;

/**
 * Locates the functions of `fns` not located yet, in one inspector session: the elements'
 * handles come from one listing of an array holding them all (instead of one evaluation
 * each), then each function's internal properties (and, where they show more than the global
 * scope, its scope chain). Functions whose text was located before are skipped (their known
 * location is taken as it is for cost decisions). What a later lookup of these functions
 * would cost, paid once for a run of siblings.
 */
export function locateMany(fns: readonly object[]): void {
  const todo: object[] = [];
  const texts: (string | undefined)[] = [];
  for (let i = 0; i < fns.length && todo.length < MANY_MAX; i++) {
    const fn = fns[i];
    if (typeof fn !== "function" || located.has(fn)) continue;
    let text: string | undefined;
    try {
      text = fnToString.call(fn);
    } catch {
      text = undefined;
    }
    if (text !== undefined && locatedTexts.has(text)) continue;
    todo.push(fn);
    texts.push(text);
  }
  if (todo.length < 2) return;
  const stash = inspectorStash();
  try {
    withInspector(({ call }) => {
      stash.set(0, todo);
      const ev = call("Runtime.evaluate", { expression: LOOKUP, objectGroup: "cloudpickle" });
      const arrayId = (ev.result as { objectId?: string } | undefined)?.objectId;
      if (arrayId === undefined) return;
      const items = call("Runtime.getProperties", { objectId: arrayId, ownProperties: true });
      for (const p of (items.result ?? []) as { name?: string; value?: { objectId?: string } }[]) {
        const i = Number(p.name);
        const objectId = p.value?.objectId;
        if (!(i >= 0 && i < todo.length) || objectId === undefined) continue;
        const fn = todo[i];
        const loc = readLocation(call, objectId);
        if (loc.id === undefined) continue;
        located.set(fn, loc);
        const text = texts[i];
        if (text !== undefined) {
          if (locatedTexts.size >= LOCATED_TEXTS_MAX) locatedTexts.clear();
          locatedTexts.set(text, loc);
        }
      }
    });
  } catch {
    // left to be located one by one
  } finally {
    stash.delete(0);
  }
}

/**
 * How many functions of modules {@linkcode locate} has read, one inspector round trip each
 * (a listing of the modules could have spared them; not one of code made by `eval`).
 */
let locatedCount = 0;

/** How many functions of modules were located one by one so far. */
export function locatedOneByOne(): number {
  return locatedCount;
}

/** Reads the location of `fn`: two inspector commands, three for a function in a scope. */
function locate(fn: object): Location {
  const stash = inspectorStash();
  try {
    const loc = withInspector(({ call }) => {
      stash.set(0, fn);
      const ev = call("Runtime.evaluate", { expression: LOOKUP, objectGroup: "cloudpickle" });
      const objectId = (ev.result as { objectId?: string } | undefined)?.objectId;
      if (objectId === undefined) return UNKNOWN;
      return readLocation(call, objectId, fn);
    });
    if (loc.id !== undefined && !loc.moduleless) locatedCount++;
    return loc;
  } catch {
    return UNKNOWN;
  } finally {
    stash.delete(0);
  }
}

/** The location of the function with handle `objectId` (its internal properties). */
function readLocation(
  call: (method: string, params: object) => Record<string, unknown>,
  objectId: string,
  fn?: object,
): Location {
  const props = call("Runtime.getProperties", { objectId, ownProperties: true });
  const internal = (props.internalProperties ?? []) as {
    name: string;
    value?: { value?: { scriptId?: string }; objectId?: string; description?: unknown };
  }[];
  const id = internal.find((p) => p.name === "[[FunctionLocation]]")?.value?.value?.scriptId;
  const chain = internal.find((p) => p.name === "[[Scopes]]")?.value;
  const scopes = chain?.objectId;
  if (id === undefined || scopes === undefined) return { id, moduleless: false, exact: true };
  // Every function has the global scope, last: a chain of one is the global scope alone,
  // so no module defines the function (the usual case of evaluated code), without listing it.
  const memo = fn === undefined ? undefined : heldMemo();
  if (chain!.description === "Scopes[1]") {
    memo?.set(fn!, []);
    return { id, moduleless: true, exact: true };
  }
  if (memo !== undefined) {
    // Within a pickling call the function's scopes are read next when it goes by value: the
    // scope list itself, handed over now, answers both (its variables are read only then).
    const live = scopeListNow(call, scopes);
    if (live !== undefined) {
      memo.set(fn!, live);
      const kinds = Array.from(live, (e) => e.description ?? e.type ?? "");
      const moduleless = kinds.length > 0 && kinds.every((d) => d !== "") &&
        !kinds.some((d) => d.startsWith("Module"));
      return { id, moduleless, exact: true };
    }
  }
  const list = call("Runtime.getProperties", { objectId: scopes, ownProperties: true });
  const kinds = ((list.result ?? []) as { value?: { description?: unknown } }[])
    .map((p) => p.value?.description);
  // Every function has the global scope at least: an empty or odd list tells nothing.
  const moduleless = kinds.length > 0 && kinds.every((d) => typeof d === "string") &&
    !kinds.some((d) => (d as string).startsWith("Module"));
  return { id, moduleless, exact: true };
}
