// Reads what errors_produce.ts printed (stdin), loads it here and prints JSON: what the loaded
// errors show, what loading the built-in reference gave, and whether console is this one.
import { loads, UnpicklingError } from "../../mod.ts";
import { describeError } from "./errors_describe.ts";
import { readStdinText } from "./stdin.ts";

const input = JSON.parse(await readStdinText());
const errors = await loads<Record<string, unknown>>(Uint8Array.fromBase64(input.errors));
const described: Record<string, unknown> = {};
for (const [k, e] of Object.entries(errors)) described[k] = describeError(e);
const causeShared = errors.taskFailed !== undefined &&
  (errors.taskFailed as Error).cause === (errors.notFound ?? errors.resolve);

let classRef: Record<string, unknown>;
try {
  const v = await loads<{ cls: unknown }>(Uint8Array.fromBase64(input.classRef));
  classRef = { loaded: typeof v.cls };
} catch (e) {
  classRef = {
    error: (e as Error).constructor.name,
    isUnpicklingError: e instanceof UnpicklingError,
    message: (e as Error).message,
  };
}

type Con = {
  console: unknown;
  log: unknown;
  error: unknown;
  explicit: () => unknown;
  automatic: () => unknown;
  automaticLog: () => unknown;
};
const c = await loads<Con>(Uint8Array.fromBase64(input.console));
const consoleResult = {
  console: c.console === console,
  log: c.log === console.log,
  error: c.error === console.error,
  explicit: c.explicit() === console,
  automatic: c.automatic() === console,
  automaticLog: c.automaticLog() === console.log,
};

console.log(JSON.stringify({ described, causeShared, classRef, console: consoleResult }));
