// Imports mod.ts in a fresh process and reports what importing changed: new own keys of
// globalThis (names and symbols), inspector sessions connected, Function.prototype.bind
// replaced. With the argument "use", it then pickles a closure and a class with a private
// field (by value), and reports what that first use added. Prints one JSON line.
import process from "node:process";

const bind = Function.prototype.bind;
let connects = 0;
const inspector = process.getBuiltinModule?.("node:inspector") as
  | { Session?: { prototype: { connect(): void } } }
  | undefined;
const proto = inspector?.Session?.prototype;
const connect = proto?.connect;
if (proto !== undefined && typeof connect === "function") {
  proto.connect = function (this: unknown) {
    connects++;
    return Reflect.apply(connect, this, []);
  };
}

// Taken after getBuiltinModule, which makes Deno define its own `nodeBootstrap` global.
const keysBefore = new Set<PropertyKey>(Reflect.ownKeys(globalThis));
const startedAt = performance.now();
const lib = await import("../../mod.ts");
const importMs = performance.now() - startedAt;

const added = (): string[] =>
  Reflect.ownKeys(globalThis).filter((k) => !keysBefore.has(k)).map(String);
const report: Record<string, unknown> = {
  added: added(),
  connects,
  bindReplaced: Function.prototype.bind !== bind,
  importMs,
};

if (process.argv.includes("use")) {
  let n = 41;
  const inc = () => ++n;
  class Box {
    #v = 2;
    get v() {
      return this.#v;
    }
  }
  try {
    const loaded = lib.loadsSync<{ inc: () => number; Box: typeof Box }>(
      lib.dumpsSync({ inc, Box }),
    );
    report.used = { inc: loaded.inc(), v: new loaded.Box().v, sameBox: loaded.Box === Box };
  } catch (e) {
    report.used = { error: (e as Error).name };
  }
  report.afterUse = added();
  report.connectsAfterUse = connects;
  const slot = Object.getOwnPropertyDescriptor(globalThis, Symbol.for("cloudpickle.shared"));
  report.slotEnumerable = slot?.enumerable ?? null;
}
console.log(JSON.stringify(report));
