/**
 * The functions of the heap that have a given name, over the V8 inspector: the one way to reach
 * the function a named function expression's own name stands for (`function curried() { … }`
 * inside itself), which V8 keeps in a binding that no `[[Scopes]]` entry shows. One
 * `Runtime.queryObjects` of `Function.prototype` (a walk of the heap: 0.1-0.2 s), filtered in
 * JavaScript by name; asked only where a closure reads such a name.
 *
 * @module
 */

import { heldMemo, inspectorStash, STASH_LOOKUP, stashStore, withInspector } from "./session.ts";
import { SHARED_SLOT_EXPR } from "../shared_slot.ts";

const GROUP = "cloudpickle-named";

/** The key of this module's lists in the held session's memo: lists by name. */
const LISTS = {};

/**
 * The functions (inheriting from this realm's `Function.prototype`) whose own `name` is
 * `name`; within one pickling call, listed once per name.
 */
export function functionsNamedNow(name: string): object[] {
  const memo = heldMemo();
  let lists = memo?.get(LISTS) as Map<string, object[]> | undefined;
  if (memo !== undefined && lists === undefined) memo.set(LISTS, lists = new Map());
  let out = lists?.get(name);
  if (out === undefined) {
    out = list(name);
    lists?.set(name, out);
  }
  return out;
}

function list(name: string): object[] {
  const stash = inspectorStash();
  return withInspector(({ call }) => {
    try {
      stash.set(0, Function.prototype);
      const proto = call("Runtime.evaluate", { expression: STASH_LOOKUP, objectGroup: GROUP });
      const protoId = (proto.result as { objectId?: string } | undefined)?.objectId;
      if (protoId === undefined) return [];
      const found = call("Runtime.queryObjects", {
        prototypeObjectId: protoId,
        objectGroup: GROUP,
      });
      const listId = (found.objects as { objectId?: string } | undefined)?.objectId;
      if (listId === undefined) return [];
      stash.set(2, name);
      call("Runtime.callFunctionOn", {
        objectId: listId,
        functionDeclaration: FILTER,
        objectGroup: GROUP,
      });
      const out = stash.get(1);
      return Array.isArray(out) ? out as object[] : [];
    } finally {
      call("Runtime.releaseObjectGroup", { objectGroup: GROUP });
      stash.delete(0);
      stash.delete(1);
      stash.delete(2);
    }
  });
}

/** Keeps the functions whose own `name` data property is the stash's slot 2 (no getter runs). */
const FILTER = stashStore(
  "",
  `this.filter((f) => { try { const d = Object.getOwnPropertyDescriptor(f, "name"); ` +
    `return d !== undefined && "value" in d && ` +
    `d.value === ${SHARED_SLOT_EXPR}.inspectorStash.get(2); } catch { return false; } })`,
);
