// Imports the library by its published name, as a user's program does, and round-trips a
// closure through a pickle: prints one JSON line with what the loaded function returned.
// Run from the repository root: `deno run -A tests/cross/package_name.ts` or
// `bun --preload @cloudpickle/cloudpickle/preload tests/cross/package_name.ts`.
import { closure, dumpsSync, loadsSync, PickleError } from "@cloudpickle/cloudpickle";

const factor = 7;
const times = (x: number) => x * factor;
const explicit = closure({ factor }, (x: number) => x + factor);

const auto = loadsSync<typeof times>(dumpsSync(times));
const given = loadsSync<typeof explicit>(dumpsSync(explicit));
console.log(JSON.stringify({
  auto: auto(6),
  given: given(1),
  fresh: auto !== times,
  errors: typeof PickleError === "function",
}));
