// CodeCache: definitions travel once per channel, then by SHA-256; captured values travel
// every time; plain dumps is unchanged; misses, tampered definitions and resolvers; the LRU
// of both ends in step; a channel to a subprocess of each runtime; class namespaces keep
// the classes of two clients apart on a shared worker.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CodeCache,
  CodeCacheMissError,
  dumps,
  dumpsSync,
  load,
  loads,
  loadsSync,
  Pickler,
  Unpickler,
  UnpicklingError,
} from "../mod.ts";
import { dis } from "../dis.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const FLAG_CODE_CACHE = 32;
type Fn = (x: number) => number;

function channel(options?: ConstructorParameters<typeof CodeCache>[0]) {
  return {
    send: new Pickler({ codeCache: new CodeCache(options) }),
    recv: new Unpickler({ codeCache: new CodeCache(options) }),
  };
}

describe("CodeCache", () => {
  it("sends a definition once, then its hash; changed captured values travel", () => {
    const { send, recv } = channel();
    let rate = 2;
    const scale = (x: number) => x * rate;
    const plain = dumpsSync(scale);
    const first = send.dumpsSync(scale);
    rate = 3;
    const second = send.dumpsSync(scale);
    assert.ok(second.length < first.length, `${second.length} < ${first.length}`);
    assert.ok(!new TextDecoder().decode(second).includes("x * rate"));
    assert.ok(new TextDecoder().decode(first).includes("x * rate"));
    assert.equal(first[5] & FLAG_CODE_CACHE, FLAG_CODE_CACHE);
    assert.equal(plain[5] & FLAG_CODE_CACHE, 0);
    assert.equal((recv.loadsSync(first) as Fn)(10), 20);
    assert.equal((recv.loadsSync(second) as Fn)(10), 30);
    // Plain dumps is unchanged by a cache's use: deterministic and self-contained.
    assert.deepEqual(dumpsSync(scale).length, dumpsSync(scale).length);
    assert.equal((loadsSync(dumpsSync(scale)) as Fn)(1), 3);
  });

  it("classes: one class on the receiving side, updated by later pickles; async forms too", async () => {
    const { send, recv } = channel();
    let bonus = 1;
    class Account {
      constructor(public n: number) {}
      total() {
        return this.n + bonus;
      }
    }
    const a = await recv.loads(await send.dumps(new Account(1))) as Account;
    bonus = 10;
    const b = await recv.loads(await send.dumps(new Account(2))) as Account;
    assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b));
    assert.equal(b.total(), 12);
    assert.equal(a.total(), 11);
    assert.ok(a instanceof Account, "loaded where it was defined, a class is the original");
  });

  it("dis shows the flag, the code table and FUNCTION_CACHED", () => {
    const { send } = channel();
    const f = (x: number) => x + 1;
    const first = dis(send.dumpsSync(f));
    const second = dis(send.dumpsSync(f));
    assert.match(first, /flags 0x21 \(code, code-cache\)/);
    assert.match(first, /CODE_TABLE \[0\] sha256=[0-9a-f]{64} arrow source="\(?x\)? ?=> ?x \+ 1"/);
    assert.match(second, /CODE_TABLE \[0\] sha256=[0-9a-f]{64} cached/);
    assert.match(second, /FUNCTION_CACHED arrow code\[0\]/);
    assert.doesNotMatch(second, /ERROR/);
  });

  it("a missing definition is a CodeCacheMissError naming the hash and the remedy", () => {
    const { send } = channel();
    const f = (x: number) => x - 1;
    send.dumpsSync(f);
    const second = send.dumpsSync(f);
    const hash = /sha256=([0-9a-f]{64})/.exec(dis(second))![1];
    for (
      const load of [
        () => loadsSync(second),
        () => new Unpickler({ codeCache: new CodeCache() }).loadsSync(second),
      ]
    ) {
      assert.throws(load, (e: unknown) => {
        assert.ok(e instanceof CodeCacheMissError);
        assert.ok(e instanceof UnpicklingError);
        assert.deepEqual(e.hashes, [hash]);
        assert.match(e.message, new RegExp(hash));
        assert.match(e.message, /CodeCache/);
        return true;
      });
    }
  });

  it("a definition that does not match its hash is refused before anything runs", () => {
    const { send } = channel();
    const g = globalThis as { touched?: number };
    const f = (x: number) => x + 1;
    const bytes = send.dumpsSync(f);
    const at = new TextDecoder("latin1").decode(bytes).indexOf("x + 1");
    assert.ok(at > 0);
    const bad = bytes.slice();
    bad.set(new TextEncoder().encode("g.touched=1"), at - 1);
    g.touched = 0;
    assert.throws(
      () => new Unpickler({ codeCache: new CodeCache() }).loadsSync(bad),
      (e: unknown) => e instanceof UnpicklingError && /does not match its hash/.test(e.message),
    );
    assert.equal(g.touched, 0);
  });

  it("resolve fetches a missed definition by hash and checks it (async loads)", async () => {
    const store = new Map<string, Uint8Array>();
    const sender = new CodeCache({ onDefinition: (h, d) => store.set(h, d) });
    const send = new Pickler({ codeCache: sender });
    let n = 4;
    const f = (x: number) => x * n;
    send.dumpsSync(f); // taken by another worker
    n = 5;
    const second = send.dumpsSync(f);
    assert.equal(store.size, 1);
    const [hash] = store.keys();
    assert.deepEqual(sender.get(hash), store.get(hash));
    const asked: string[] = [];
    const worker = new CodeCache({
      resolve: async (h) => {
        asked.push(h);
        return await Promise.resolve(store.get(h));
      },
    });
    const loaded = await new Unpickler({ codeCache: worker }).loads(second) as Fn;
    assert.equal(loaded(2), 10);
    assert.deepEqual(asked, [hash]);
    assert.ok(worker.has(hash));
    // Wrong bytes from the store are refused.
    const liar = new CodeCache({ resolve: () => new Uint8Array([1, 0, 0x41, 0x78]) });
    await assert.rejects(
      new Unpickler({ codeCache: liar }).loads(second),
      (e: unknown) => e instanceof UnpicklingError && /not its definition/.test(e.message),
    );
    // Nothing found: the miss error.
    const empty = new CodeCache({ resolve: () => undefined });
    await assert.rejects(new Unpickler({ codeCache: empty }).loads(second), CodeCacheMissError);
    // add() checks the hash too.
    assert.throws(() => new CodeCache().add(store.get(hash)!, "00".repeat(32)), UnpicklingError);
    assert.equal(new CodeCache().add(store.get(hash)!), hash);
  });

  it("signed pickles and streams: the code table is signed with the rest", async () => {
    const signingKey = new Uint8Array(32).fill(3);
    const sender = new CodeCache();
    const receiver = new CodeCache();
    let n = 1;
    const f = (x: number) => x + n;
    for (let i = 0; i < 2; i++) {
      n = i + 10;
      const bytes = await dumps(f, { codeCache: sender, signingKey });
      assert.equal((await loads<Fn>(bytes, { codeCache: receiver, signingKey }))(0), 10 + i);
    }
    n = 20;
    const third = await dumps(f, { codeCache: sender });
    const fromStream = await load<Fn>(ReadableStream.from([third]), { codeCache: receiver });
    assert.equal(fromStream(1), 21);
  });

  it("a bounded LRU stays in step on both ends", () => {
    const { send, recv } = channel({ maxEntries: 2 });
    const fs: Fn[] = [(x) => x + 1, (x) => x + 2, (x) => x + 3];
    const sizes: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3; i++) {
        const bytes = send.dumpsSync(fs[i]);
        sizes.push(bytes.length);
        assert.equal((recv.loadsSync(bytes) as Fn)(0), i + 1);
      }
    }
    // Three definitions cycling through two entries: each is sent again in full.
    assert.ok(sizes.every((s) => s === sizes[0]));
    const a = send.dumpsSync(fs[0]);
    const b = send.dumpsSync(fs[0]);
    assert.ok(b.length < a.length || a.length < sizes[0]);
    assert.equal((recv.loadsSync(a) as Fn)(0), 1);
    assert.equal((recv.loadsSync(b) as Fn)(0), 1);
    assert.throws(() => new CodeCache({ maxEntries: 0 }), TypeError);
  });

  for (const runtime of ["deno", "bun"] as const) {
    it(`a channel to a ${runtime} subprocess: the second pickle loads by hash there`, () => {
      const { send } = channel();
      let k = 3;
      const f = (x: number) => x * k;
      const a = send.dumpsSync(f);
      k = 4;
      const b = send.dumpsSync(f);
      const script = `
        import { CodeCache, Unpickler } from ${JSON.stringify(`${root}mod.ts`)};
        const [a, b] = JSON.parse(process.argv.at(-1)).map((x) => new Uint8Array(x));
        const u = new Unpickler({ codeCache: new CodeCache() });
        console.log(JSON.stringify([u.loadsSync(a)(10), u.loadsSync(b)(10)]));
      `;
      const file = `${root}tmp/code_cache_child_${runtime}.mjs`;
      writeScript(file, `import process from "node:process";\n${script}`);
      const exe = `${root}node_modules/.bin/${runtime}`;
      const args = runtime === "deno" ? ["run", "-A", file] : [file];
      const r = spawnSync(exe, [...args, JSON.stringify([[...a], [...b]])], {
        encoding: "utf8",
        cwd: root,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout.trim()), [30, 40]);
    });
  }
});

describe("class namespaces", () => {
  // Two clients (two processes) define a class of one source; a shared worker (here) loads
  // an instance from each. Without namespaces the second load updates the first client's
  // class; with one namespace per client, they stay two classes.
  const client = (tag: string, namespace: string, runtime: "deno" | "bun") => {
    const file = `${root}tmp/class_client_${runtime}.mjs`;
    writeScript(
      file,
      `import process from "node:process";
      import { dumpsSync } from ${JSON.stringify(`${root}mod.ts`)};
      class Model { hi() { return Model.tag; } }
      Model.tag = process.argv.at(-2);
      const ns = process.argv.at(-1);
      const bytes = dumpsSync(new Model(), ns === "-" ? {} : { classNamespace: ns });
      process.stdout.write(JSON.stringify([...bytes]));`,
    );
    const exe = `${root}node_modules/.bin/${runtime}`;
    const args = runtime === "deno" ? ["run", "-A", file] : [file];
    const r = spawnSync(exe, [...args, tag, namespace], { encoding: "utf8", cwd: root });
    assert.equal(r.status, 0, r.stderr);
    return new Uint8Array(JSON.parse(r.stdout));
  };
  type Model = { hi(): string };

  for (const runtime of ["deno", "bun"] as const) {
    it(`without namespaces, identical classes of two ${runtime} clients are one class here`, () => {
      const a = loadsSync<Model>(client("A", "-", runtime));
      const b = loadsSync<Model>(client("B", "-", runtime));
      assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b));
      assert.equal(a.hi(), "B", "the second client updated the first one's class");
    });

    it(`with a namespace per ${runtime} client, they stay apart`, () => {
      const a = loadsSync<Model>(client("A", `client-a-${runtime}`, runtime));
      const b = loadsSync<Model>(client("B", `client-b-${runtime}`, runtime));
      assert.notEqual(Object.getPrototypeOf(a), Object.getPrototypeOf(b));
      assert.equal(a.hi(), "A");
      assert.equal(b.hi(), "B");
    });
  }

  it("a class pickled in a namespace comes back here as the original class", () => {
    class Local {
      v = 1;
    }
    const bytes = dumpsSync(new Local(), { classNamespace: "me" });
    assert.match(dis(bytes), /id=me\//);
    assert.ok(loadsSync(bytes) instanceof Local);
    // Loaded elsewhere and pickled back (no namespace of its own): still the original.
    assert.ok(loadsSync(dumpsSync(loadsSync(bytes))) instanceof Local);
  });

  it("each executor has its own namespace", async () => {
    const { createPool } = await import("../pool.ts");
    const p1 = createPool({ size: 1 });
    const p2 = createPool({ size: 1 });
    try {
      assert.notEqual(p1.classNamespace, p2.classNamespace);
      assert.match(p1.classNamespace, /^[0-9a-f-]{36}$/);
    } finally {
      await p1.close();
      await p2.close();
    }
  });
});

function writeScript(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
