/**
 * What to tell the user when the variables of a closure cannot be read: the remedy for the
 * runtime they are on (the Bun preload, Deno's `--allow-sys`). The pickler adds the remedy
 * that works everywhere: `closure({ … }, fn)`.
 *
 * @module
 */

import { denoSysPermission, IS_JSC, isBunRepl, isDenoRepl, isNode } from "../host.ts";
import { sharedField } from "./shared_slot.ts";

/** Bun without the preload. */
export const BUN_PRELOAD_REMEDY =
  "Bun shows closure variables only to code instrumented by the preload; load it: name " +
  '"@cloudpickle/cloudpickle/preload.ts" in bunfig.toml (`preload = [...]`), run ' +
  "`bun --preload @cloudpickle/cloudpickle/preload.ts main.ts`, or start the Worker with " +
  "`new Worker(url, { preload: [...] })`";

/** Deno without sys access. */
export const DENO_SYS_REMEDY =
  "reading closure variables needs the inspector, which Deno allows only with sys access; " +
  "run deno with --allow-sys (or -A)";

/** Why a function of a process with the preload has no scope record. */
export function notInstrumented(commonJsPackages: readonly string[]): string {
  const loaded = commonJsPackages.length === 0
    ? ""
    : ` (loaded here: ${commonJsPackages.slice(0, 5).join(", ")}${
      commonJsPackages.length > 5 ? ", …" : ""
    })`;
  return "the preload did not instrument the code that made it: on Bun it instruments the " +
    "CommonJS files that `require` loads, but it cannot instrument CommonJS modules that Bun " +
    `loads for an \`import\` from ES module code${loaded}, which break when transformed ` +
    '(oven-sh/bun#39786; load such a package with `createRequire(import.meta.url)("name")`), nor ' +
    "modules imported from data: or blob: URLs (Bun loads them without its plugins), nor code " +
    "made by eval or by the AsyncFunction and GeneratorFunction constructors, nor functions under a computed key; pickle the package's exported factory and its arguments " +
    "instead (exports go by reference) and call it after loading, or pickle the closure on " +
    "Deno, which reads any closure";
}

function denoSysDenied(): boolean {
  const sys = denoSysPermission();
  return sys !== undefined && sys !== "granted" && sys !== "unknown";
}

/**
 * Why the inspector must not be used in Deno's REPL, where this is one: the REPL runs its
 * own inspector session, and a second one in the same process makes Deno panic ("RefCell
 * already borrowed") as soon as it connects (Deno 2.9.6).
 */
export function denoReplRefusal(): string | undefined {
  return isDenoRepl()
    ? "the Deno REPL's own inspector leaves none for reading closure scopes"
    : undefined;
}

/**
 * What the runtime needs so that closure variables can be read, or undefined where they can
 * be (then only the sync form may lack them). `fn`: the function, when one is in question.
 */
export function runtimeRemedy(fn?: object): string | undefined {
  if (IS_JSC) {
    const explain = sharedField("explain");
    return typeof explain === "function" ? explain(fn) : BUN_PRELOAD_REMEDY;
  }
  return denoSysDenied() ? DENO_SYS_REMEDY : undefined;
}

/**
 * On Bun, where the `this` of an arrow is recorded (code the preload instruments) and what to
 * do; elsewhere undefined (V8 shows an arrow's `this` nowhere).
 */
export function recordedThisRemedy(): string | undefined {
  if (!IS_JSC) return undefined;
  if (typeof sharedField("explain") === "function") {
    return "on Bun the preload records `this` in the code it instruments, and it did not " +
      "instrument the code that made this arrow (code made by eval, a " +
      "CommonJS module)";
  }
  return `on Bun the preload records \`this\` in the code it instruments: ${BUN_PRELOAD_REMEDY}`;
}

/**
 * Why the free variables of `fn` could not be read, for the pickler's message (without
 * parentheses; "" when nothing more can be said). `unavailable`: what the scope adapter said
 * (async form); `sync`: the sync form is pickling; `syncReason`: why its reader could not.
 */
export function unreadableReason(
  fn: object,
  unavailable: string | undefined,
  sync: boolean,
  syncReason?: string,
): string {
  const repl = replRefusal();
  if (repl !== undefined) return repl;
  const remedy = runtimeRemedy(fn);
  if (remedy !== undefined) return remedy;
  if (unavailable !== undefined) return unavailable;
  return sync ? syncReason ?? "the sync form could not read it; use the async dumps()" : "";
}

/** Why code typed in a REPL cannot have its closure scopes read, where this is a REPL. */
function replRefusal(): string | undefined {
  const refusal = denoReplRefusal();
  if (refusal !== undefined) return refusal;
  if (isBunRepl()) {
    return "Bun's REPL runs no preload, so the closure variables of code typed there cannot " +
      "be read";
  }
  return undefined;
}

/** The remedy for the sync form, which cannot read what needs the async adapter. */
export function syncRemedy(): string {
  return runtimeRemedy() ?? "use the async dumps()";
}

/**
 * Where a function's defining module is found, for the relative `import()` specifiers in
 * its source: what to do on this runtime when it is not (`sync`: asked by a sync form).
 */
export function definingModuleRemedy(sync: boolean): string {
  if (IS_JSC) return "on Bun, run with the preload, which records it in the modules it instruments";
  if (isNode()) {
    return sync
      ? "use the async dumps(), which finds it"
      : "on Node, let the inspector be used (--allow-inspector under --permission)";
  }
  return sync
    ? "on Deno, use the async dumps() with --allow-sys, which finds it"
    : "on Deno, run with --allow-sys";
}

/**
 * Why a function of a package registered by value may go unread on this runtime (Bun: only
 * where the preload instruments that package's files), or "" where nothing is to be said.
 */
export function packageByValueHint(): string {
  if (!IS_JSC) return "";
  return ". On Bun, the functions of a package registered by value (registerPickleByValue) " +
    "are read only where the preload instruments that package's files in node_modules";
}
