// A worker's failure reaches its caller in the other runtime: errors of classes one runtime
// defines (Deno.errors.*, Bun's ResolveMessage and BuildMessage) load there as the nearest
// standard error with what they showed; DOMExceptions load as DOMExceptions; a reference to a
// built-in the loading runtime lacks is an UnpicklingError naming it; console is the loading
// runtime's own. Each pickle is made by one runtime's process and loaded by another's.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loads } from "../mod.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const produce = `${root}tests/cross/errors_produce.ts`;
const consume = `${root}tests/cross/errors_consume.ts`;

type Runtime = "deno" | "bun";

function run(runtime: Runtime, script: string, input?: string): string {
  const [cmd, args] = runtime === "deno"
    ? [`${root}node_modules/.bin/deno`, ["run", "-A", script]]
    : [`${root}node_modules/.bin/bun`, ["--preload", `${root}preload.ts`, script]];
  const r = spawnSync(cmd, args, { cwd: root, input, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${runtime} ${script} failed:\n${r.stderr}`);
  return r.stdout;
}

type Described = Record<string, unknown> & { cause?: Described };

/** Errors whose class no process can rebuild: Bun makes their instances natively only. */
const NATIVE_ONLY = new Set(["resolve", "build", "s3"]);

/** The loaded error shows what the original showed; its class is `ctor`. */
function assertSame(key: string, got: Described, want: Described, ctor: string): void {
  for (const field of new Set([...Object.keys(want), ...Object.keys(got)])) {
    if (field === "ctor" || field === "cause") continue;
    assert.deepEqual(got[field], want[field], `${key}.${field}`);
  }
  assert.equal(got.ctor, ctor, `${key}: class`);
  assert.equal(got.isError, true, `${key}: is an Error`);
  if (want.cause !== undefined) {
    assert.ok(got.cause !== undefined, `${key}: cause kept`);
    const c = want.cause;
    const cCtor = c.ctor === got.cause!.ctor ? c.ctor as string : c.base as string;
    assertSame(`${key}.cause`, got.cause!, c, cCtor);
  }
}

const produced = new Map<Runtime, string>();
function producedBy(runtime: Runtime): string {
  let out = produced.get(runtime);
  if (out === undefined) {
    out = run(runtime, produce);
    produced.set(runtime, out);
  }
  return out;
}

describe("errors cross runtimes", () => {
  for (
    const [from, to] of [["deno", "bun"], ["bun", "deno"], ["deno", "deno"], [
      "bun",
      "bun",
    ]] as const
  ) {
    it(`errors made by ${from} load in ${to} with name, message, stack, cause and properties`, () => {
      const pickled = producedBy(from);
      const sent = JSON.parse(pickled) as { expected: Record<string, Described> };
      const out = JSON.parse(run(to, consume, pickled)) as {
        described: Record<string, Described>;
        causeShared: boolean;
      };
      const expected = sent.expected;
      assert.deepEqual(Object.keys(out.described), Object.keys(expected));
      const own = from === "deno"
        ? ["notFound", "permissionDenied", "notCapable"]
        : ["bunFile", "resolve", "build", "s3"];
      for (const k of own) assert.ok(k in expected, `${from} made ${k}`);
      for (const [k, want] of Object.entries(expected)) {
        const got = out.described[k];
        const rebuilt = from === to && !NATIVE_ONLY.has(k);
        const ctor = rebuilt ? want.ctor as string : want.base as string;
        assertSame(k, got, want, ctor);
        if (want.base === "DOMException") {
          assert.equal(got.isDOMException, true, `${k} is a DOMException`);
          assert.equal(got.ctor, "DOMException");
        }
      }
      // The runtime's own errors have the properties that say what failed.
      if (from === "deno") {
        assert.equal(out.described.notFound.code, "ENOENT");
        assert.equal(out.described.notFound.name, "NotFound");
        assert.equal(out.described.permissionDenied.path, "/etc/secret");
      } else {
        assert.equal(out.described.bunFile.code, "ENOENT");
        assert.equal(out.described.bunFile.syscall, "open");
        assert.equal(out.described.resolve.name, "ResolveMessage");
        assert.equal(out.described.resolve.specifier, "/no/such/module.ts");
        assert.equal(out.described.build.name, "BuildMessage");
        assert.equal(out.described.s3.name, "S3Error");
        assert.equal(out.described.s3.code, "ERR_S3_MISSING_CREDENTIALS");
      }
      assert.equal(out.described.timeout.name, "TimeoutError");
      assert.equal(out.described.timeout.code, 23);
      assert.equal(out.described.dataClone.name, "DataCloneError");
      assert.equal(out.described.notSupported.extra, "kept");
      assert.equal(out.described.nodeFs.code, "ENOENT");
      assert.equal(out.causeShared, true, "the wrapped error is the same object as its cause");
    });
  }

  for (const [from, to] of [["deno", "bun"], ["bun", "deno"]] as const) {
    it(`a reference to a built-in only ${from} has is an UnpicklingError in ${to}`, () => {
      const pickled = producedBy(from);
      const { classPath } = JSON.parse(pickled) as { classPath: string };
      const out = JSON.parse(run(to, consume, pickled)) as { classRef: Record<string, unknown> };
      assert.equal(out.classRef.isUnpicklingError, true, JSON.stringify(out.classRef));
      assert.match(out.classRef.message as string, new RegExp(classPath.replaceAll(".", "\\.")));
      assert.match(out.classRef.message as string, /does not exist in this runtime/);
    });
  }

  for (
    const [from, to] of [["deno", "bun"], ["bun", "deno"], ["deno", "deno"], [
      "bun",
      "bun",
    ]] as const
  ) {
    it(`console pickled by ${from} is ${to}'s own console, also captured by closures`, () => {
      const out = JSON.parse(run(to, consume, producedBy(from))) as {
        console: Record<string, boolean>;
      };
      assert.deepEqual(out.console, {
        console: true,
        log: true,
        error: true,
        explicit: true,
        automatic: true,
        automaticLog: true,
      });
    });
  }

  it("a Worker's failure, pickled there, reaches its caller with its class and details", async () => {
    const worker = new Worker(new URL("./cross/errors_worker.ts", import.meta.url), {
      type: "module",
    });
    try {
      const bytes = await new Promise<Uint8Array>((resolve, reject) => {
        worker.onmessage = (ev) => resolve(ev.data as Uint8Array);
        worker.onerror = (ev) => reject(new Error(`worker failed: ${ev.message}`));
      });
      const v = await loads<{ failure: Error & Record<string, unknown>; timeout: DOMException }>(
        bytes,
      );
      const g = globalThis as Record<string, unknown>;
      // deno-lint-ignore no-explicit-any
      const Deno_ = g.Deno as any;
      if (Deno_ !== undefined) {
        assert.ok(v.failure instanceof Deno_.errors.NotFound);
        assert.equal(v.failure.name, "NotFound");
        assert.equal(v.failure.code, "ENOENT");
      } else {
        assert.equal(Object.getPrototypeOf(v.failure), Error.prototype);
        assert.equal(v.failure.name, "ResolveMessage");
        assert.equal(v.failure.specifier, "/no/such/module.ts");
      }
      assert.match(v.failure.message, /no\/such/);
      assert.equal(typeof v.failure.stack, "string");
      assert.ok(v.timeout instanceof DOMException);
      assert.equal(v.timeout.name, "TimeoutError");
      assert.equal(v.timeout.code, DOMException.TIMEOUT_ERR);
    } finally {
      worker.terminate();
    }
  });
});
