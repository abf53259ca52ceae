/**
 * Where an in-process V8 inspector session must not be used. Bun's `node:inspector` has no
 * V8 protocol behind it (it shows no closure variables at all). Deno's REPL runs its own
 * inspector session, and a second one in the same process makes Deno panic ("RefCell already
 * borrowed") as soon as it connects (Deno 2.9.6): the REPL is recognised by its main module.
 * Bun's REPL (whose `Bun.main` is empty) loads no preload, neither `bun repl --preload` nor a
 * bunfig.toml `preload`.
 *
 * @module
 */

/** Why the in-process inspector must not be used here, or undefined when it may be. */
export function inspectorRefusal(): string | undefined {
  if ((globalThis as { Bun?: unknown }).Bun !== undefined) {
    return "Bun shows closure variables to no run-time API; load the library's preload " +
      "(`bun --preload <path>/preload.ts`, or `preload` in bunfig.toml) to capture them";
  }
  return denoReplRefusal();
}

/** Why the inspector must not be used in Deno's REPL, where this is one. */
export function denoReplRefusal(): string | undefined {
  const main = (globalThis as { Deno?: { mainModule?: string } }).Deno?.mainModule;
  if (typeof main === "string" && /\$deno\$repl\.m?[jt]s$/.test(main)) {
    return "the Deno REPL's own inspector leaves none for reading closure scopes";
  }
  return undefined;
}

/**
 * Whether a V8 inspector session may be used without asking: V8, not the Deno REPL, and sys
 * access already granted (Deno would otherwise prompt; Node needs none).
 */
export function inspectorUsableSilently(): boolean {
  const g = globalThis as {
    Deno?: { permissions?: { querySync?(d: { name: string }): { state: string } } };
    process?: { versions?: Record<string, string | undefined> };
  };
  if (g.process?.versions?.v8 === undefined || inspectorRefusal() !== undefined) return false;
  const query = g.Deno?.permissions?.querySync;
  if (query === undefined) return true;
  try {
    return query.call(g.Deno!.permissions, { name: "sys" }).state === "granted";
  } catch {
    return false;
  }
}
