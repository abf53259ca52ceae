/**
 * The read side of captured scopes (SCOPE): each rebuilt as a real scope inside its parent,
 * a class's scopes reused when a newer pickle of it brings the same variables, and scopes
 * refilled with the values a pickle carries.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { isDeclarable, newScope, type ScopeHandle } from "./functions.ts";
import { loadedScope } from "./loaded.ts";
import {
  type InstallTarget,
  installTarget,
  isInstallName,
  newInstallScope,
} from "./global_members.ts";
import { type DecodeFrame, type Decoder, HOLE } from "../pickle/decoder.ts";
import { K_SCOPE } from "../pickle/decode_table.ts";
import { hasRepeat } from "../pickle/shapes.ts";

/**
 * The mark after a captured variable's name in a SCOPE for a variable in its temporal dead
 * zone where it was pickled (no identifier or install path ends with it).
 */
export const UNINITIALIZED = "!";

/** Deepest chain of captured scopes a pickle may declare inline. */
const MAX_SCOPE_DEPTH = 1000;

/**
 * Reads a scope operand: SCOPE, a reference to one, or null. `reuse` is a scope this
 * process rebuilt before for the same class: a new scope of the same variables is that
 * scope again (filled with this pickle's values), and so on up the chain.
 */
export function readScopeOperand(
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
  const v = dec.inlineValue();
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
  let targets: InstallTarget[] | undefined;
  let uninitialized: boolean[] | undefined;
  for (let i = 0; i < n; i++) {
    let name = dec.string();
    if (name.endsWith(UNINITIALIZED) && targets === undefined) {
      // A variable in its temporal dead zone where it was pickled (see factorySource).
      name = name.slice(0, -1);
      if (!isDeclarable(name)) dec.corrupt(`a captured variable is named '${name}!'`, at);
      (uninitialized ??= new Array<boolean>(n).fill(false))[i] = true;
    } else if (!isDeclarable(name)) {
      // A scope of installs (global_members.ts): every name a path.
      if (!isInstallName(name) || (i > 0 && targets === undefined) || uninitialized) {
        dec.corrupt(`a captured variable is named '${name}'`, at);
      }
      const t = installTarget(name);
      if (typeof t === "string") dec.r.fail(`cannot load the pickle: it installs ${t}`, at);
      (targets ??= []).push(t);
    } else if (targets !== undefined) {
      dec.corrupt(`a captured variable is named '${name}' among installs`, at);
    }
    names[i] = name;
  }
  if (hasRepeat(names)) dec.corrupt("a scope declares a variable twice", at);
  const slot = dec.memo.length;
  dec.memo.push(HOLE);
  const known = reuse === null ? undefined : loadedScope(reuse);
  const parent = readScopeOperand(dec, at, known?.parent ?? null);
  let handle: ScopeHandle;
  if (
    known !== undefined && parent === known.parent && sameNames(known.names, names) &&
    uninitialized === undefined && known.uninitialized === undefined
  ) {
    handle = reuse!;
  } else {
    try {
      handle = targets === undefined
        ? newScope(parent, names, uninitialized)
        : newInstallScope(parent, names, targets, at);
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
        // (A variable in its temporal dead zone has no value to copy, nor takes one.)
        if (j >= 0 && !b.uninitialized?.[i] && !a.uninitialized?.[j]) old.s(j, fresh.g(i));
      }
    }
    old = a.parent;
    fresh = b.parent;
  }
}
