/**
 * How and why each part travels, in words: from what the pickler reported for it (the export
 * it wrote, the module rule that kept it by value, the tag it wrote) and the facts the
 * pickler's rules read (closure() captures, loaded functions, user globals).
 *
 * @module
 */

import * as T from "../format/tags.ts";
import {
  BY_VALUE_ENTRY,
  BY_VALUE_NO_NAME,
  BY_VALUE_OPTION,
  BY_VALUE_REGISTERED,
} from "../pickle/observer.ts";
import { explicitCaptures } from "../code/captures.ts";
import { loadedFunction } from "../code/loaded.ts";
import { globalValue } from "../code/globals.ts";
import { covers, listRegistryPickleByValue } from "../code/registry.ts";
import { isBoundFunction } from "../runtime/bound.ts";
import { parseNpm, portableName } from "../runtime/modules/names.ts";
import type { Node } from "./recorder.ts";
import type { Location } from "./located.ts";
import type { Reason, Travel } from "./types.ts";

/** How a node travels, why, and from where. */
export interface Verdict {
  travel: Travel;
  reason: Reason;
  why: string;
  module?: string;
  export?: string;
}

/** A module's URL as the report names it: its portable name when it has one. */
function shown(url: string, root: string | undefined): string {
  return portableName(url, root) ?? url;
}

/**
 * The verdict on a function, class or object the pickler reported on; undefined if none.
 * `where` holds the defining modules of functions by value that the runtime shows.
 */
export function verdict(
  node: Node,
  root: string | undefined,
  where?: ReadonlyMap<object, Location>,
): Verdict | undefined {
  const ref = node.ref;
  if (ref !== undefined) return referenceVerdict(ref);
  const fn = node.value;
  if (node.byValue !== undefined) return moduleByValue(node.byValue.url, node.byValue.why, root);
  if (node.kind !== "function" && node.kind !== "class") return undefined;
  if (node.an !== undefined) return byValue(fn as object, where?.get(fn as object), root);
  const tag = node.tag;
  if (tag === T.REF) {
    return {
      travel: "back-reference",
      reason: "seen",
      why: `the same function as ${node.first?.path ?? "one"} earlier in the pickle`,
    };
  }
  if (tag === T.REDUCE) {
    return isBoundFunction(fn as object)
      ? {
        travel: "call",
        reason: "bound",
        why: "a bound function: rebuilt by binding its target again (target and arguments " +
          "travel)",
      }
      : { travel: "call", reason: "reducer", why: "reducerOverride reduced it to a call" };
  }
  return undefined;
}

function referenceVerdict(ref: NonNullable<Node["ref"]>): Verdict {
  const { kind, module, path } = ref;
  if (kind === "global") {
    return {
      travel: "reference",
      reason: "builtin",
      why: `a built-in of the runtime, found again as globalThis.${path}`,
      export: path,
    };
  }
  const what = kind === "namespace" ? "the namespace of" : `export '${path}' of`;
  const base = { travel: "reference" as const, module, export: path };
  if (module.startsWith("node:")) {
    return { ...base, reason: "node-builtin", why: `${what} the built-in module ${module}` };
  }
  const npm = parseNpm(module);
  if (npm !== undefined) {
    const by = kind === "namespace" ? `the namespace of ${npm.name}` : `exported by ${npm.name}`;
    return { ...base, reason: "npm", why: `${by} as '${path}' (npm package, ${module})` };
  }
  return {
    ...base,
    reason: "module",
    why: kind === "namespace" ? `the namespace of ${module}` : `exported by ${module} as '${path}'`,
  };
}

function moduleByValue(url: string, why: number, root: string | undefined): Verdict {
  const name = shown(url, root);
  switch (why) {
    case BY_VALUE_ENTRY:
      return {
        travel: "value",
        reason: "entry-module",
        why: `exported by ${name}, the entry module: its code travels by value (the loading ` +
          "side runs another program)",
        module: name,
      };
    case BY_VALUE_REGISTERED: {
      const entry = listRegistryPickleByValue().find((e) => covers([e], url)) ?? url;
      return {
        travel: "value",
        reason: "registered",
        why: `exported by ${name}, which registerPickleByValue(${JSON.stringify(entry)}) covers`,
        module: name,
      };
    }
    case BY_VALUE_OPTION:
      return {
        travel: "value",
        reason: "by-value-option",
        why: `exported by ${name}, which the byValue option of this call covers`,
        module: name,
      };
    case BY_VALUE_NO_NAME:
    default:
      return {
        travel: "value",
        reason: "no-module-name",
        why: `exported by ${url}, which has no name the loading side could import it by`,
        module: url,
      };
  }
}

function byValue(fn: object, at: Location | undefined, root: string | undefined): Verdict {
  if (loadedFunction(fn) !== undefined) {
    return {
      travel: "value",
      reason: "loaded",
      why: "loaded from a pickle: its source and the scopes it was loaded with travel again",
    };
  }
  if (explicitCaptures(fn) !== undefined) {
    return {
      travel: "value",
      reason: "closure-helper",
      why: "exported by no loaded module; its captured variables were given with closure()",
    };
  }
  const global = userGlobalName(fn);
  if (global !== undefined) {
    return {
      travel: "value",
      reason: "global",
      why: `globalThis.${global}, a global that user code defined (as in a REPL), not a ` +
        "built-in of the runtime: exported by no module",
    };
  }
  if (at !== undefined) return located(at, root);
  return {
    travel: "value",
    reason: "not-exported",
    why: "exported by no module the pickler knows: a closure, a function or class local to " +
      "its module, or one of the entry module (whose code travels by value)",
  };
}

/** The verdict on a function by value whose defining module is known. */
function located(at: Location, root: string | undefined): Verdict {
  const name = shown(at.url, root);
  if (!at.entry) {
    return {
      travel: "value",
      reason: "not-exported",
      why: `defined in ${name}, which does not export it: a closure, or a function or class ` +
        "local to its module",
    };
  }
  if (at.exported === true) return moduleByValue(at.url, BY_VALUE_ENTRY, root);
  if (at.exported === false) {
    return {
      travel: "value",
      reason: "not-exported",
      why: `defined in ${name}, the entry module, which does not export it: a closure, or a ` +
        "function or class local to it",
    };
  }
  return {
    travel: "value",
    reason: "entry-module",
    why: `defined in ${name}, the entry module, still evaluating (its exports cannot be read ` +
      "yet): exported or not, its code travels by value (the loading side runs another program)",
    module: name,
  };
}

/** The name of a global that user code defined whose value is `fn`, if any. */
function userGlobalName(fn: object): string | undefined {
  for (const key of Object.getOwnPropertyNames(globalThis)) {
    const d = Object.getOwnPropertyDescriptor(globalThis, key);
    if (d === undefined || !("value" in d) || d.value !== fn) continue;
    if (globalValue(key) === fn) return key;
  }
  return undefined;
}
