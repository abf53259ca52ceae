/**
 * Where V8 says a function is defined, through the inspector: its script, position and scope
 * chain (`[[FunctionLocation]]`, `[[Scopes]]`), and a script's text (`Debugger.getScriptSource`),
 * for what only the text around a function tells (inspector/module_this.ts, decorated.ts).
 *
 * @module
 */

import { inspectorStash, STASH_LOOKUP } from "./session.ts";

type Call = (method: string, params: Record<string, unknown>) => Record<string, unknown>;

/** A function's script, position, and the description of its scope chain. */
export interface FunctionScript {
  readonly scriptId: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
  /** "Scopes[n]": a function an ES module defines has a Module scope too. */
  readonly scopes: string | undefined;
}

/** Where `fn` is defined, or undefined (a built-in, a bound function). Call inside withInspector. */
export function functionScript(call: Call, fn: object): FunctionScript | undefined {
  const stash = inspectorStash();
  try {
    stash.set(0, fn);
    const ev = call("Runtime.evaluate", { expression: STASH_LOOKUP, objectGroup: "cloudpickle" });
    const objectId = (ev.result as { objectId?: string } | undefined)?.objectId;
    if (objectId === undefined) return undefined;
    const props = call("Runtime.getProperties", { objectId, ownProperties: true });
    const internal = (props.internalProperties ?? []) as {
      name: string;
      value?: {
        value?: { scriptId?: string; lineNumber?: number; columnNumber?: number };
        description?: string;
      };
    }[];
    const at = internal.find((p) => p.name === "[[FunctionLocation]]")?.value?.value;
    if (at?.scriptId === undefined) return undefined;
    return {
      scriptId: at.scriptId,
      lineNumber: at.lineNumber ?? 0,
      columnNumber: at.columnNumber ?? 0,
      scopes: internal.find((p) => p.name === "[[Scopes]]")?.value?.description,
    };
  } finally {
    stash.delete(0);
  }
}

/** The text of script `scriptId`, or undefined. Call inside withInspector. */
export function scriptSource(call: Call, scriptId: string): string | undefined {
  call("Debugger.enable", {});
  try {
    return call("Debugger.getScriptSource", { scriptId }).scriptSource as string | undefined;
  } finally {
    call("Debugger.disable", {});
  }
}
