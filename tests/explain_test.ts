// explain(): what the pickle of a value holds and why, from the pickler's own decisions, with
// the bytes each part takes in the pickle dumps makes. Real cases: a closure over a large
// array, an npm package's function, a module registered by value, a class with instances,
// closures of one scope, built-ins, globals defined by evaluated code, the entry module,
// out-of-band buffers; the JSON report prints as the text does; explaining changes nothing.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chunk } from "lodash-es";
import {
  closure,
  dumps,
  dumpsSync,
  loads,
  registerPickleByValue,
  unregisterPickleByValue,
} from "../mod.ts";
import {
  explain,
  type ExplainNode,
  type Explanation,
  formatBytes,
  formatExplanation,
} from "../explain.ts";
import * as shapes from "./modules/shapes.ts";
import { makeScaler } from "./explain/factory.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Every node of the tree, parents first. */
function nodes(e: Explanation): ExplainNode[] {
  const out: ExplainNode[] = [];
  const stack = [e.root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    out.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return out;
}

function node(e: Explanation, test: (n: ExplainNode) => boolean): ExplainNode {
  const found = nodes(e).find(test);
  assert.ok(found, "no such node in:\n" + formatExplanation(e));
  return found;
}

/** The sizes add up: each node is its own bytes plus its children's, the root is the body. */
function assertSizes(e: Explanation): void {
  for (const n of nodes(e)) {
    const sum = n.children.reduce((a, c) => a + c.bytes, n.selfBytes);
    assert.equal(n.bytes, sum, `bytes of ${n.path}`);
    assert.ok(n.selfBytes >= 0, `own bytes of ${n.path}`);
  }
  assert.equal(e.root.bytes + e.overheadBytes, e.bytes);
  assert.ok(e.overheadBytes >= 5, "the header at least");
}

describe("explain: sizes", () => {
  it("a closure over a 1 MB array: the array is the top contributor, the number a few bytes", async () => {
    const big = Array.from({ length: 131_072 }, (_, i) => i + 0.5);
    const factor = 3;
    const task = (i: number) => big[i] * factor;
    const e = await explain(task);
    const pickle = await dumps(task);
    assert.equal(e.bytes, pickle.length, "the size of the pickle dumps makes");
    assertSizes(e);

    const fn = e.root.children[0];
    assert.equal(fn.kind, "function");
    assert.equal(fn.name, "task");
    assert.equal(fn.travel, "value");
    assert.equal(fn.reason, "not-exported");
    assert.match(
      fn.why!,
      "Deno" in globalThis
        // V8's inspector tells where it was defined.
        ? /^defined in \.\/tests\/explain_test\.ts, (the entry module, )?which does not export it/
        : /^exported by no module the pickler knows/,
    );
    const bigNode = node(e, (n) => n.kind === "variable" && n.name === "big");
    const factorNode = node(e, (n) => n.kind === "variable" && n.name === "factor");
    assert.equal(bigNode.value, "Array(131072)");
    assert.equal(bigNode.from, "scope");
    assert.ok(bigNode.bytes >= 131_072 * 8, `${bigNode.bytes}`);
    assert.ok(bigNode.bytes < e.bytes);
    assert.ok(factorNode.bytes >= 1 && factorNode.bytes <= 9, `${factorNode.bytes}`);
    assert.equal(bigNode.scope, factorNode.scope);
    assert.deepEqual(fn.scopes?.slice(0, 1), [bigNode.scope]);
    assert.ok(fn.bytes >= bigNode.bytes + factorNode.bytes + "big[i] * factor".length);

    assert.equal(e.largest[0].path, "root<captured big>");
    assert.equal(e.largest[0].kind, "variable");
    assert.ok(e.largest[0].selfBytes > 0.99 * bigNode.bytes);
    assert.ok(e.largest.length <= 10);
    assert.match(formatExplanation(e), /big: Array\(131072\), 1,\d{3},\d{3} B \(1\.\d MiB\)/);

    const loaded = await loads<typeof task>(pickle);
    assert.equal(loaded(2), 7.5);
  });

  it("lists as many contributors as asked, largest first", async () => {
    const a = new Array(300).fill("x");
    const b = new Array(30).fill("y");
    const e = await explain({ a, b, n: 1 }, { top: 2 });
    assert.deepEqual(e.largest.map((c) => c.path), ["root.a", "root.b"]);
    assert.ok(e.largest[0].selfBytes > e.largest[1].selfBytes);
    assertSizes(e);
  });
});

describe("explain: by reference or by value, and why", () => {
  it("a function of an npm package goes by reference, exported by that package", async () => {
    const e = await explain({ chunk });
    const fn = node(e, (n) => n.kind === "function");
    assert.equal(fn.travel, "reference");
    assert.equal(fn.reason, "npm");
    assert.match(fn.module!, /^npm:lodash-es@\d+\.\d+\.\d+\//);
    assert.equal(fn.export, "chunk");
    assert.match(fn.why!, /^exported by lodash-es as 'chunk'/);
    assert.deepEqual(e.modules, [{
      module: fn.module,
      uses: [{ export: "chunk", path: "root.chunk" }],
    }]);
    assert.match(formatExplanation(e), /by reference: exported by lodash-es/);
    const back = await loads<{ chunk: typeof chunk }>(await dumps({ chunk }));
    assert.equal(back.chunk, chunk);
  });

  it("a module's function: by reference, by value once registered or listed in byValue", async () => {
    const fixture = new URL("./modules/shapes.ts", import.meta.url);
    let e = await explain(shapes.area);
    let fn = e.root.children[0];
    assert.equal(fn.travel, "reference");
    assert.equal(fn.reason, "module");
    assert.equal(fn.module, "./tests/modules/shapes.ts");
    assert.equal(fn.export, "area");

    registerPickleByValue(fixture);
    try {
      e = await explain(shapes.area);
      fn = e.root.children[0];
      assert.equal(fn.travel, "value");
      assert.equal(fn.reason, "registered");
      assert.equal(fn.module, "./tests/modules/shapes.ts");
      assert.match(fn.why!, /registerPickleByValue\(".*tests\/modules\/shapes\.ts"\) covers/);
      // The module binding it reads travels with it.
      const scale = node(e, (n) => n.kind === "variable" && n.name === "scale");
      assert.equal(scale.value, "number 2");
      const back = await loads<typeof shapes.area>(await dumps(shapes.area));
      assert.notEqual(back, shapes.area);
      assert.equal(back(2, 3), 12);
    } finally {
      unregisterPickleByValue(fixture);
    }

    e = await explain(shapes.area, { byValue: [fixture] });
    fn = e.root.children[0];
    assert.equal(fn.reason, "by-value-option");
    assert.equal(e.modules.length, 0);
  });

  it("a class and its instances", async () => {
    class Point {
      constructor(public x: number, public y: number) {}
      norm(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    const points = [new Point(3, 4), new Point(6, 8), new Point(0, 1)];
    const e = await explain(points);
    assertSizes(e);
    const cls = node(e, (n) => n.kind === "class");
    assert.equal(cls.name, "Point");
    assert.equal(cls.travel, "value");
    assert.equal(cls.reason, "not-exported");
    assert.equal(cls.instances, 3);
    assert.deepEqual(e.functions.map((f) => [f.kind, f.name]), [["class", "Point"]]);
    assert.match(formatExplanation(e), /class Point, .*; 3 instances/);
    const back = await loads<Point[]>(await dumps(points));
    assert.equal(back[1].norm(), 10);
    assert.equal(Object.getPrototypeOf(back[0]), Object.getPrototypeOf(back[2]));
  });

  it("two functions of one scope share it", async () => {
    function counter() {
      let count = 0;
      return { inc: () => ++count, get: () => count };
    }
    const c = counter();
    c.inc();
    const e = await explain(c);
    const inc = node(e, (n) => n.name === "inc");
    const get = node(e, (n) => n.name === "get");
    assert.equal(inc.travel, "value");
    assert.equal(inc.scopes![0], get.scopes![0], "one scope");
    const scope = e.scopes.find((s) => s.id === inc.scopes![0])!;
    assert.equal(scope.shared, true);
    assert.deepEqual(scope.functions, ["root.inc", "root.get"]);
    assert.deepEqual(scope.variables.map((v) => [v.name, v.from]), [["count", "scope"]]);
    // The variable is written once, with the function met first.
    assert.equal(nodes(e).filter((n) => n.kind === "variable" && n.name === "count").length, 1);
    assert.match(formatExplanation(e), /shared by root\.inc, root\.get/);
    const back = await loads<typeof c>(await dumps(c));
    back.inc();
    assert.equal(back.get(), 2);
  });

  it("a closure another module made: by value, and where it was defined (Deno)", async () => {
    const triple = makeScaler(3);
    const e = await explain({ triple });
    const fn = node(e, (n) => n.kind === "function");
    assert.equal(fn.travel, "value");
    assert.equal(fn.reason, "not-exported");
    if ("Deno" in globalThis) {
      assert.equal(
        fn.why,
        "defined in ./tests/explain/factory.ts, which does not export it: a closure, or a " +
          "function or class local to its module",
      );
    } else {
      // Bun shows no function's location: the reason names what it may be.
      assert.match(fn.why!, /^exported by no module the pickler knows: a closure/);
    }
    assert.equal(node(e, (n) => n.kind === "variable").name, "k");
    const back = await loads<{ triple: (x: number) => number }>(await dumps({ triple }));
    assert.equal(back.triple(5), 15);
  });

  it("built-ins go by their path from globalThis", async () => {
    const e = await explain({ max: Math.max, m: Math });
    const max = node(e, (n) => n.kind === "function");
    assert.equal(max.travel, "reference");
    assert.equal(max.reason, "builtin");
    assert.equal(max.export, "Math.max");
    assert.ok(max.bytes > 0 && max.bytes < 16);
    const m = node(e, (n) => n.kind === "reference" || n.path === "root.m");
    assert.equal(m.reason, "builtin");
    assert.equal(m.export, "Math");
    assertSizes(e);
  });

  it("a back-reference to a function met before", async () => {
    const f = (x: number) => x + 1;
    const e = await explain({ a: f, b: f });
    const [a, b] = e.root.children.filter((n) => n.kind === "function");
    assert.equal(a.travel, "value");
    assert.equal(b.travel, "back-reference");
    assert.match(b.why!, /same function as root\.a/);
    assert.equal(e.functions.length, 1);
  });

  it("closure() captures", async () => {
    const rate = 0.25;
    const tax = closure({ rate }, (x: number) => x * rate);
    const e = await explain(tax);
    const fn = e.root.children[0];
    assert.equal(fn.reason, "closure-helper");
    const v = node(e, (n) => n.kind === "variable");
    assert.equal(v.name, "rate");
    assert.equal(v.from, "closure()");
  });

  for (const rt of ["deno", "bun"] as const) {
    it(`${rt}: the entry module's exports, and a global that evaluated code defined`, () => {
      const script = "tests/explain/entry_and_globals.ts";
      const args = rt === "deno" ? ["run", "-A", script] : ["--preload", "./preload.ts", script];
      const r = spawnSync(`${root}node_modules/.bin/${rt}`, args, {
        cwd: root,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(r.status, 0, r.stderr);
      const { early, report, text, results } = JSON.parse(r.stdout) as {
        early: Explanation;
        report: Explanation;
        text: string;
        results: number[];
      };
      assert.deepEqual(results, [6, 7, 4], "the pickled functions run where they are loaded");
      assert.equal(formatExplanation(report), text);
      const exported = /exported by \.\/tests\/explain\/entry_and_globals\.ts, the entry module/;
      const entry = node(report, (n) => n.name === "fromEntry");
      assert.equal(entry.travel, "value");
      assert.equal(entry.reason, "entry-module");
      assert.match(entry.why!, exported);
      const local = node(report, (n) => n.name === "localToEntry");
      assert.equal(local.travel, "value");
      assert.equal(local.reason, "not-exported");
      const early1 = node(early, (n) => n.name === "fromEntry");
      const early2 = node(early, (n) => n.name === "localToEntry");
      assert.equal(early1.travel, "value");
      assert.equal(early2.reason, "not-exported");
      if (rt === "deno") {
        // Deno's module list leaves the entry module out; the inspector tells where each
        // function was defined, and the entry module's namespace which it exports.
        const defined =
          /^defined in \.\/tests\/explain\/entry_and_globals\.ts, the entry module, which does not export it/;
        assert.match(local.why!, defined);
        assert.match(early2.why!, defined);
        assert.equal(early1.reason, "entry-module");
        assert.match(early1.why!, /the entry module/);
      } else {
        // Bun knows the entry module's exports once it has evaluated; before, and for its
        // local functions, the reason says the entry module may be why.
        assert.match(local.why!, /or one of the entry module/);
        assert.ok(early1.reason === "entry-module" || /entry module/.test(early1.why!));
      }
      const helper = node(report, (n) => n.name === "replHelper");
      assert.equal(helper.travel, "value");
      assert.equal(helper.reason, "global");
      assert.match(helper.why!, /globalThis\.replHelper, a global that user code defined/);
      const offset = node(report, (n) => n.kind === "variable");
      assert.equal(offset.name, "replOffset");
      assert.equal(offset.from, "global");
    });
  }
});

describe("explain: without closure capture", () => {
  for (const rt of ["deno", "bun"] as const) {
    it(`${rt}: a closure fails as dumps fails, with the remedy of the runtime`, () => {
      const script = "tests/explain/no_capture.ts";
      // Deno without sys access (no inspector), Bun without the preload.
      const args = rt === "deno" ? ["run", "--allow-read", "--allow-env", script] : [script];
      const r = spawnSync(`${root}node_modules/.bin/${rt}`, args, {
        cwd: root,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as Record<string, { name: string; message: string }>;
      assert.deepEqual(out.explain, out.dumps);
      assert.equal(out.explain.name, "PicklingError");
      assert.match(out.explain.message, /free variable 'big' could not be read/);
      assert.match(
        out.explain.message,
        rt === "deno" ? /--allow-sys/ : /bun --preload @cloudpickle\/cloudpickle\/preload/,
      );
      assert.match(out.explain.message, /closure\(\{ big \}, fn\)/);
    });
  }
});

describe("explain: buffers, JSON, and no effect on dumps", () => {
  it("out-of-band buffers: which went out, their size and where", async () => {
    const value = { image: new Uint8Array(4096).fill(7), small: new Float64Array(4) };
    const keep: ArrayBuffer[] = [];
    const callback = (b: ArrayBuffer) => {
      if (b.byteLength < 1024) return true;
      keep.push(b);
      return false;
    };
    const e = await explain(value, { bufferCallback: callback });
    assert.deepEqual(e.buffers, [
      { outOfBand: true, index: 0, byteLength: 4096, path: "root.image" },
      { outOfBand: false, index: -1, byteLength: 32, path: "root.small" },
    ]);
    assert.ok(e.bytes < 1024, "the large buffer is not in the pickle");
    assert.equal(
      e.bytes,
      (await dumps(value, { bufferCallback: (b) => b.byteLength < 1024 })).length,
    );
    assertSizes(e);
    assert.match(formatExplanation(e), /root\.image: 4,096 B \(4\.0 KiB\), out of band #0/);
  });

  it("the JSON report is the text's: JSON.stringify keeps all of it", async () => {
    const big = new Array(2000).fill(1);
    const f = (i: number) => big[i] + chunk([i], 1).length;
    const value = { f, chunk, max: Math.max, points: [new (class P {})()] };
    const e = await explain(value, { bufferCallback: () => true });
    const copy = JSON.parse(JSON.stringify(e)) as Explanation;
    assert.deepEqual(copy, e);
    const text = formatExplanation(e);
    assert.equal(formatExplanation(copy), text);
    for (const n of nodes(e)) {
      // (A variable holding a function shares its line: the function's reason is on it.)
      const line = text.split("\n").find((l) =>
        l.includes(formatBytes(n.bytes)) &&
        (l.includes(`${n.path}: `) || l.includes(`${n.name}: `) ||
          (n.why !== undefined && l.includes(n.why)))
      );
      assert.ok(line, `a line for ${n.path} (${n.bytes} B) in:\n${text}`);
      if (n.why !== undefined) assert.ok(line.includes(n.why), `${n.path}: ${n.why}`);
    }
    for (const c of e.largest) assert.ok(text.includes(`${formatBytes(c.selfBytes)}  ${c.path}`));
  });

  it("explaining changes nothing dumps makes", async () => {
    const big = new Array(1000).fill(3);
    const f = (i: number) => big[i] + chunk([1], 1).length;
    class Box {
      constructor(public v: number) {}
    }
    const value = { f, boxes: [new Box(1), new Box(2)], max: Math.max, buf: new Uint8Array(64) };
    const opts = { bufferCallback: () => false };
    const before = await dumps(value, opts);
    const beforeSync = dumpsSync(value, opts);
    const e = await explain(value, opts);
    assert.equal(e.bytes, before.length);
    assert.deepEqual(await dumps(value, opts), before);
    assert.deepEqual(dumpsSync(value, opts), beforeSync);
    assert.deepEqual(await dumps(value), await dumps(value));
  });
});
