// Pickles errors of this runtime (its own error classes, DOMExceptions, errors with system
// codes), a reference to a built-in only this runtime has, and console by reference. Prints
// JSON: the pickles as base64 and what the errors showed here.
import { closure, dumps } from "../../mod.ts";
import { describeError } from "./errors_describe.ts";
import { readFile } from "node:fs/promises";

const g = globalThis as Record<string, unknown>;
// deno-lint-ignore no-explicit-any
const Deno_ = g.Deno as any;
// deno-lint-ignore no-explicit-any
const Bun_ = g.Bun as any;
const runtime = Bun_ !== undefined ? "bun" : "deno";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("nothing was thrown");
}

const errors: Record<string, unknown> = {};
if (Deno_ !== undefined) {
  errors.notFound = thrown(() => Deno_.readTextFileSync("/no/such/file"));
  errors.permissionDenied = Object.assign(new Deno_.errors.PermissionDenied("no access"), {
    path: "/etc/secret",
  });
  errors.notCapable = new Deno_.errors.NotCapable("Requires read access to /x", {
    cause: new RangeError("inner"),
  });
} else {
  errors.bunFile = await Bun_.file("/no/such/file").text().catch((e: unknown) => e);
  errors.resolve = await import("/no/such/module.ts").catch((e: unknown) => e);
  errors.build = thrown(() => new Bun_.Transpiler().transformSync("let = ;"));
  // Without credentials: an S3Error, whose prototype is an empty object over Error's.
  errors.s3 = await Bun_.s3.file("x").text().catch((e: unknown) => e);
}
errors.nodeFs = await readFile("/no/such/file").catch((e: unknown) => e);
const signal = AbortSignal.timeout(1);
const alive = setTimeout(() => {}, 10_000); // the signal's timer may not keep the process alive
await new Promise((r) => signal.addEventListener("abort", r));
clearTimeout(alive);
errors.timeout = signal.reason;
errors.dataClone = thrown(() => structuredClone(() => {}));
errors.notSupported = Object.assign(new DOMException("not here", "NotSupportedError"), {
  extra: "kept",
  cause: new TypeError("why"),
});
const specific = Deno_ !== undefined ? errors.notFound : errors.resolve;
errors.taskFailed = new Error("task failed", { cause: specific });

const expected: Record<string, unknown> = {};
for (const [k, e] of Object.entries(errors)) expected[k] = describeError(e);

const con = console;
const log = console.log;
const consoleValue = {
  console,
  log: console.log,
  error: console.error,
  explicit: closure({ c: console }, () => c),
  automatic: () => con,
  automaticLog: () => log,
};

const classPath = Deno_ !== undefined ? "Deno.errors.NotFound" : "Bun.file";
console.log(JSON.stringify({
  runtime,
  errors: (await dumps(errors)).toBase64(),
  expected,
  classRef: (await dumps({ cls: Deno_ !== undefined ? Deno_.errors.NotFound : Bun_.file }))
    .toBase64(),
  classPath,
  console: (await dumps(consoleValue)).toBase64(),
}));
