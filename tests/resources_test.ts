// Native resources (open files, sockets, servers, child processes, streams, workers) are
// refused with a PicklingError that says what they are and names the path: directly, inside
// data, and captured by closures. Each runtime tests its own natives and the shared ones.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { closure, dumps, dumpsSync, loads, type PicklingError } from "../mod.ts";
import { EventEmitter } from "node:events";
import { expectPicklingError, expectPicklingErrorAsync } from "./helpers.ts";
import * as fsp from "node:fs/promises";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { PassThrough, Readable } from "node:stream";
import * as zlib from "node:zlib";
import * as http from "node:http";
import { Worker as NodeWorker } from "node:worker_threads";
import * as timers from "node:timers";

/** A timer object, from node:timers where the global setTimeout gives numbers. */
function setTimeoutObject(): unknown {
  const t = timers.setTimeout(() => {}, 100000);
  cleanups.push(() => timers.clearTimeout(t));
  return t;
}

type Cleanup = () => unknown;

interface Resource {
  name: string;
  /** Words the message must contain: what the value is. */
  what: RegExp;
  make: () => Promise<unknown> | unknown;
}

const g = globalThis as Record<string, unknown>;
// deno-lint-ignore no-explicit-any
const Deno_ = g.Deno as any;
// deno-lint-ignore no-explicit-any
const Bun_ = g.Bun as any;

const cleanups: Cleanup[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cloudpickle-resources-"));
const file = path.join(tmp, "data.txt");
fs.writeFileSync(file, "hello");

function keep<T>(value: T, cleanup: Cleanup): T {
  cleanups.push(cleanup);
  return value;
}

const common: Resource[] = [
  {
    name: "node:fs/promises FileHandle",
    what: /FileHandle.*open file/,
    make: async () => {
      const h = await fsp.open(file);
      return keep(h, () => h.close());
    },
  },
  {
    name: "node:fs ReadStream",
    what: /ReadStream.*stream/,
    make: () => {
      const s = fs.createReadStream(file);
      return keep(s, () => s.destroy());
    },
  },
  {
    name: "node:stream Readable and PassThrough",
    what: /stream/,
    make: () => [new Readable({ read() {} }), new PassThrough()][1],
  },
  {
    name: "node:net Server (listening)",
    what: /node:net Server.*listening/,
    make: async () => {
      const s = net.createServer();
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
      return keep(s, () => new Promise((r) => s.close(r)));
    },
  },
  {
    name: "node:net Socket (connected)",
    what: /Socket/,
    make: async () => {
      const s = net.createServer((c) => c.end());
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
      const port = (s.address() as net.AddressInfo).port;
      const sock = net.connect(port, "127.0.0.1");
      await new Promise((r) => sock.once("connect", r));
      sock.on("error", () => {});
      cleanups.push(() => new Promise((r) => s.close(r)));
      return keep(sock, () => sock.destroy());
    },
  },
  {
    name: "node:child_process ChildProcess",
    what: /ChildProcess.*child process/,
    make: () => {
      const c = spawn("true");
      return keep(c, () => new Promise((r) => c.exitCode !== null ? r(0) : c.once("exit", r)));
    },
  },
  {
    name: "node:fs FSWatcher",
    what: /FSWatcher.*file-system watcher/,
    make: () => {
      const w = fs.watch(tmp);
      return keep(w, () => w.close());
    },
  },
  {
    name: "node:fs Dir",
    what: /Dir.*open directory/,
    make: () => {
      const d = fs.opendirSync(tmp);
      return keep(d, () => d.closeSync());
    },
  },
  {
    name: "node:zlib Gzip",
    what: /Gzip.*stream/,
    make: () => zlib.createGzip(),
  },
  {
    name: "node:http Agent",
    what: /Agent.*HTTP connections/,
    make: () => new http.Agent(),
  },
  {
    name: "node:worker_threads Worker",
    what: /Worker.*worker thread/,
    make: () => {
      const w = new NodeWorker("setTimeout(() => {}, 10000)", { eval: true });
      return keep(w, () => w.terminate());
    },
  },
  {
    name: "setInterval timer",
    what: /Timeout.*scheduled timer/,
    make: () => {
      const t = setInterval(() => {}, 100000);
      // Where timers are numbers, there is nothing to refuse: a timer object stands in.
      if (typeof t !== "object") clearInterval(t);
      return keep(typeof t === "object" ? t : setTimeoutObject(), () => clearInterval(t));
    },
  },
  {
    name: "ReadableStream",
    what: /ReadableStream/,
    make: () => new ReadableStream(),
  },
  { name: "WritableStream", what: /WritableStream/, make: () => new WritableStream() },
  { name: "TransformStream", what: /TransformStream/, make: () => new TransformStream() },
  {
    name: "Response with a body",
    what: /Response.*body/,
    make: () => new Response("body"),
  },
  {
    name: "Request with a body",
    what: /Request.*body/,
    make: () => new Request("http://example.invalid/", { method: "POST", body: "x" }),
  },
  {
    name: "MessagePort",
    what: /MessagePort/,
    make: () => {
      const c = new MessageChannel();
      return keep(c.port1, () => {
        c.port1.close();
        c.port2.close();
      });
    },
  },
  {
    name: "BroadcastChannel",
    what: /BroadcastChannel/,
    make: () => {
      const b = new BroadcastChannel("cloudpickle-test");
      return keep(b, () => b.close());
    },
  },
  {
    name: "Worker",
    what: /Worker.*worker/,
    make: () => {
      const url = URL.createObjectURL(new Blob([""], { type: "text/javascript" }));
      const w = new Worker(url, { type: "module" });
      return keep(w, () => w.terminate());
    },
  },
];

const denoOnly: Resource[] = Deno_ === undefined ? [] : [
  {
    name: "Deno.open file (Deno.FsFile)",
    what: /Deno\.FsFile.*open file/,
    make: async () => {
      const f = await Deno_.open(file);
      return keep(f, () => f.close());
    },
  },
  {
    name: "Deno.Command process (Deno.ChildProcess)",
    what: /Deno\.ChildProcess.*child process/,
    make: () => {
      const c = new Deno_.Command("true", { stdout: "null", stderr: "null" }).spawn();
      return keep(c, () => c.status);
    },
  },
  {
    name: "Deno.stdout",
    what: /Deno\.stdout.*standard output/,
    make: () => Deno_.stdout,
  },
  {
    name: "Deno.Command",
    what: /Deno\.Command/,
    make: () => new Deno_.Command("true"),
  },
  {
    name: "Deno.listen listener",
    what: /Listener.*listening socket/,
    make: () => {
      const l = Deno_.listen({ hostname: "127.0.0.1", port: 0 });
      return keep(l, () => l.close());
    },
  },
  {
    name: "Deno.connect connection",
    what: /Conn.*network connection/,
    make: async () => {
      const l = Deno_.listen({ hostname: "127.0.0.1", port: 0 });
      const conn = await Deno_.connect({ hostname: "127.0.0.1", port: l.addr.port });
      const accepted = await l.accept();
      cleanups.push(() => {
        accepted.close();
        l.close();
      });
      return keep(conn, () => conn.close());
    },
  },
];

const bunOnly: Resource[] = Bun_ === undefined ? [] : [
  {
    name: "Bun.file reference",
    what: /Bun\.file reference/,
    make: () => Bun_.file(file),
  },
  {
    name: "Bun.stdin",
    what: /Bun\.file reference/,
    make: () => Bun_.stdin,
  },
  {
    name: "Bun.spawn subprocess",
    what: /Subprocess.*child process/,
    make: () => {
      const p = Bun_.spawn(["true"]);
      return keep(p, () => p.exited);
    },
  },
  {
    name: "Bun.listen listener",
    what: /Listener.*listening socket/,
    make: () => {
      const l = Bun_.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      return keep(l, () => l.stop(true));
    },
  },
  {
    name: "Bun.connect socket",
    what: /TCPSocket.*network connection/,
    make: async () => {
      const l = Bun_.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      const sock = await Bun_.connect({
        hostname: "127.0.0.1",
        port: l.port,
        socket: { data() {} },
      });
      cleanups.push(() => l.stop(true));
      return keep(sock, () => sock.end());
    },
  },
  {
    name: "Bun.serve server",
    what: /HTTP server/,
    make: () => {
      const s = Bun_.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("x") });
      return keep(s, () => s.stop(true));
    },
  },
  {
    name: "Bun.file().writer() sink",
    what: /FileSink.*file being written/,
    make: () => {
      const w = Bun_.file(path.join(tmp, "out.txt")).writer();
      return keep(w, () => w.end());
    },
  },
];

function checkMessage(e: PicklingError, r: Resource): void {
  assert.match(e.message, /native resource/, e.message);
  assert.match(e.message, r.what, e.message);
  assert.doesNotMatch(e.message, /closure\(|could not be parsed|internal slots/, e.message);
}

describe(`native resources are refused, naming what they are (${Deno_ ? "Deno" : "Bun"})`, () => {
  const made = new Map<string, unknown>();
  const resources = [...common, ...denoOnly, ...bunOnly];
  before(async () => {
    for (const r of resources) made.set(r.name, await r.make());
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const r of resources) {
    it(`${r.name}: in data, sync and async forms`, async () => {
      const value = made.get(r.name);
      checkMessage(expectPicklingError(() => dumpsSync({ list: [1, value] }), "root.list[1]"), r);
      checkMessage(await expectPicklingErrorAsync(() => dumps({ res: value }), "root.res"), r);
    });
    it(`${r.name}: captured by a closure`, async () => {
      const res = made.get(r.name);
      const explicit = closure({ res }, () => res);
      checkMessage(
        expectPicklingError(() => dumpsSync({ task: explicit }), "root.task<captured res>"),
        r,
      );
      // Captured automatically (Deno's inspector with -A, Bun's preload).
      const automatic = () => res;
      checkMessage(
        await expectPicklingErrorAsync(() => dumps({ task: automatic }), "root.task<captured res>"),
        r,
      );
    });
  }

  it("classes of the program named like resource classes still pickle", async () => {
    class Server {
      port = 1;
      close(): void {}
    }
    class FileHandle extends EventEmitter {
      fd = 3;
      close(): void {}
      readFile(): string {
        return "";
      }
    }
    class Timeout {
      refresh(): void {}
      ref(): void {}
      unref(): void {}
      hasRef(): boolean {
        return true;
      }
    }
    class Listener {
      accept(): void {}
    }
    for (const v of [new Server(), new FileHandle(), new Timeout(), new Listener()]) {
      const out = await loads<object>(await dumps(v));
      assert.equal(out.constructor.name, v.constructor.name);
    }
  });

  it("a Blob in memory and a File still pickle", async () => {
    const bytes = await dumps([new Blob(["x"]), new File(["y"], "y.txt")]);
    assert.ok(bytes.length > 0);
  });
});
