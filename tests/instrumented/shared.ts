// Helpers shared by the tests of load-time instrumentation (tests/instrument_test.ts,
// tests/instrument_reader_test.ts, tests/preload_test.ts): round trips that pickle these
// fixture modules by value, and evaluation of instrumented module source.
import { dumps, dumpsSync, loads, loadsSync } from "../../mod.ts";
import { instrument, type InstrumentOptions } from "../../lib/instrument/instrument.ts";
import { recordOf } from "../../lib/runtime/instrumented.ts";
// Installs the helpers instrumented code calls and the synchronous scope reader, as the Bun
// preload does when it starts: without it, instrumented source cannot run under Deno.
import "../../preload.ts";

export type AnyFn = (...args: never[]) => unknown;
export type Counter = { inc: () => number; get: () => number };

let probeCount = 0;
/** A closure with a captured variable: the transform registers only those. */
const probe = () => ++probeCount;
/**
 * The test files were instrumented: `bun test` with the preload named in bunfig.toml, which
 * instruments every module under tests/, this one as well as the test files.
 */
export const PRELOADED = recordOf(probe) !== undefined;

/** The fixture modules are pickled by value: what these tests check is their capture. */
export const FIXTURES = { byValue: [new URL("./", import.meta.url)] };
export const rtSync = <T>(v: T): T => loadsSync<T>(dumpsSync(v, FIXTURES));
export const rtAsync = async <T>(v: T): Promise<T> => await loads<T>(await dumps(v, FIXTURES));

export function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Evaluates module source (data: URLs are not instrumented by the preload). */
export async function evalModule(code: string): Promise<Record<string, unknown>> {
  return await import(`data:text/javascript;base64,${base64(code)}`);
}

/** Runs `export default` of the original and of the instrumented module. */
export async function both(src: string, options?: InstrumentOptions) {
  const result = instrument(src, options);
  const run = async (code: string) => {
    const m = await evalModule(code);
    return await (m.default as () => unknown)();
  };
  return { original: await run(src), instrumented: await run(result.code), result };
}
