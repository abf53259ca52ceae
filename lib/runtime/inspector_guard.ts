/**
 * Where an in-process V8 inspector session must not be used. Deno's REPL runs its own
 * inspector session, and a second one in the same process makes Deno panic ("RefCell already
 * borrowed") as soon as it connects (Deno 2.9.6): the REPL is recognised by its main module.
 * Bun's REPL (whose `Bun.main` is empty) loads no preload, neither `bun repl --preload` nor a
 * bunfig.toml `preload`.
 *
 * @module
 */

/** Why the in-process inspector must not be used here, or undefined when it may be. */
export function inspectorRefusal(): string | undefined {
  const main = (globalThis as { Deno?: { mainModule?: string } }).Deno?.mainModule;
  if (typeof main === "string" && /\$deno\$repl\.m?[jt]s$/.test(main)) {
    return "the Deno REPL's own inspector leaves none for reading closure scopes";
  }
  return undefined;
}

/**
 * Why closure scopes of code that no adapter has read cannot be read in this process, naming
 * the remedy, or undefined when the async form may still read them: the Deno REPL; Bun, which
 * reads closure variables only in modules its preload instrumented (and whose REPL runs no
 * preload).
 */
export function scopesRefusal(): string | undefined {
  const refusal = inspectorRefusal();
  if (refusal !== undefined) return refusal;
  const g = globalThis as { Bun?: { main?: unknown } };
  if (g.Bun === undefined) return undefined;
  if (g.Bun.main === "") {
    return "Bun's REPL runs no preload, so the closure variables of code typed there cannot " +
      "be read";
  }
  return "Bun reads closure variables only in modules instrumented by the preload: run with " +
    "`bun --preload @cloudpickle/cloudpickle/preload.ts`, or list it under `preload` in " +
    "bunfig.toml";
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
