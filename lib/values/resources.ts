/**
 * Native resources: open files, sockets, servers, child processes, streams, workers. Their
 * state is a handle into this process (a file descriptor, a resource id, a native object), so
 * no copy of them can exist elsewhere; pickling one is refused with a message that says what
 * it is. Recognised by the prototypes in an object's chain (compared with the runtime's own
 * classes, decided once per prototype), without running the object's code.
 *
 * @module
 */

import { IS_JSC } from "../host.ts";
import { bunInspect } from "./intrinsics.ts";

const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const getPrototypeOf = Object.getPrototypeOf;
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno === "object";
const fnToString = Function.prototype.toString;

/** The message of a refused native resource: `what` it is and what it holds. */
export function resourceMessage(what: string, detail: string): string {
  return `cannot pickle ${what} (${detail}): it is a native resource that exists only in ` +
    "this process; pickle the data it gives (contents, a path, an address) and open it again " +
    "where the value is loaded";
}

/**
 * Classes of Node's built-in modules, by constructor name: [module, export, what it holds].
 * `Stream` is the base of every Node stream (files, sockets, stdio, HTTP messages).
 */
const NODE: Record<string, Array<[string, string, string]>> = {
  Stream: [["node:stream", "Stream", "a Node stream, data flowing through this process"]],
  Server: [
    ["node:net", "Server", "a listening network server"],
    ["node:http", "Server", "a listening HTTP server"],
    ["node:https", "Server", "a listening HTTPS server"],
    ["node:tls", "Server", "a listening TLS server"],
  ],
  Socket: [
    ["node:net", "Socket", "an open network socket"],
    ["node:dgram", "Socket", "a UDP socket"],
  ],
  ChildProcess: [["node:child_process", "ChildProcess", "a running child process"]],
  Worker: [["node:worker_threads", "Worker", "a running worker thread"]],
  NodeWorker: [["node:worker_threads", "Worker", "a running worker thread"]],
  Agent: [
    ["node:http", "Agent", "a pool of open HTTP connections"],
    ["node:https", "Agent", "a pool of open HTTPS connections"],
  ],
  Interface: [
    ["node:readline", "Interface", "a line reader over an open stream"],
    ["node:readline/promises", "Interface", "a line reader over an open stream"],
  ],
  MessagePort: [["node:worker_threads", "MessagePort", "one end of a message channel"]],
  Dir: [["node:fs", "Dir", "an open directory"]],
  FSWatcher: [["node:fs", "FSWatcher", "a file-system watcher"]],
};

/** Deno's standard streams: [path of the instance, what, detail]; known by their prototype. */
const DENO_STDIO: ReadonlyArray<readonly [string, string, string]> = [
  ["Deno.stdin", "Deno.stdin", "this process's standard input"],
  ["Deno.stdout", "Deno.stdout", "this process's standard output"],
  ["Deno.stderr", "Deno.stderr", "this process's standard error"],
];

/**
 * Classes of Node's modules that no module exports, by name: the members their prototype has
 * (whose parent is node:events' EventEmitter), what they are, and what they hold.
 */
const BY_MEMBERS: Record<string, readonly [readonly string[], string, string]> = {
  FileHandle: [
    ["fd", "close", "readFile"],
    "a node:fs FileHandle",
    "an open file, from node:fs/promises open()",
  ],
  FSWatcher: [["close", "ref", "unref"], "a node:fs FSWatcher", "a file-system watcher"],
};

/** Timer objects, by name: how to get their prototype (a timer made and cleared at once). */
const TIMERS: Record<string, readonly [() => object | undefined, string, string]> = {
  Timeout: [
    () => sampleTimer("setTimeout", "clearTimeout"),
    "a Timeout",
    "a scheduled timer, from setTimeout or setInterval",
  ],
  Immediate: [
    () => sampleTimer("setImmediate", "clearImmediate"),
    "an Immediate",
    "a scheduled callback, from setImmediate",
  ],
};

function sampleTimer(set: string, clear: string): object | undefined {
  const make = nodeExport("node:timers", set) as ((f: () => void, ms?: number) => unknown);
  const cancel = nodeExport("node:timers", clear) as ((t: unknown) => void);
  if (typeof make !== "function" || typeof cancel !== "function") return undefined;
  try {
    const t = make(() => {}, 0);
    cancel(t);
    return t !== null && typeof t === "object" ? getPrototypeOf(t) ?? undefined : undefined;
  } catch {
    return undefined;
  }
}

/** Deno's classes that Deno does not expose, by name: what an instance holds. */
const DENO_INTERNAL: Record<string, string> = {
  Listener: "a listening socket, from Deno.listen",
  TcpListener: "a listening socket, from Deno.listen",
  TlsListener: "a listening TLS socket, from Deno.listenTls",
  UnixListener: "a listening Unix socket, from Deno.listen",
  Conn: "an open network connection, from Deno.connect",
  TcpConn: "an open network connection, from Deno.connect",
  TlsConn: "an open TLS connection, from Deno.connectTls",
  UnixConn: "an open Unix socket connection, from Deno.connect",
  DatagramConn: "a UDP socket, from Deno.listenDatagram",
  FsWatcher: "a file-system watcher, from Deno.watchFs",
  HttpConn: "an HTTP connection, from Deno.serveHttp",
};

/** Bun's native classes, by constructor name or `Symbol.toStringTag`: what they hold. */
const BUN_NATIVE: Record<string, string> = {
  Subprocess: "a running child process, from Bun.spawn",
  Listener: "a listening socket, from Bun.listen",
  TCPSocket: "an open network connection, from Bun.connect or Bun.listen",
  TLSSocket: "an open TLS connection, from Bun.connect or Bun.listen",
  UDPSocket: "a UDP socket, from Bun.udpSocket",
  HTTPServer: "a running HTTP server, from Bun.serve",
  HTTPSServer: "a running HTTPS server, from Bun.serve",
  DebugHTTPServer: "a running HTTP server, from Bun.serve",
  DebugHTTPSServer: "a running HTTPS server, from Bun.serve",
  FileSink: "a file being written, from Bun.file().writer()",
  ArrayBufferSink: "a buffer being written",
  Terminal: "a pseudo-terminal",
};

/**
 * Web classes whose instances are resources: [global name, what, detail]. The walk refuses
 * them by prototype, as a family (values/kinds.ts).
 */
export const WEB_RESOURCES: ReadonlyArray<readonly [string, string, string]> = [
  ["ReadableStream", "a ReadableStream", "a stream of data being read"],
  ["WritableStream", "a WritableStream", "a stream of data being written"],
  ["TransformStream", "a TransformStream", "a pair of streams in use"],
  ["TextDecoderStream", "a TextDecoderStream", "a pair of streams in use"],
  ["TextEncoderStream", "a TextEncoderStream", "a pair of streams in use"],
  ["CompressionStream", "a CompressionStream", "a pair of streams in use"],
  ["DecompressionStream", "a DecompressionStream", "a pair of streams in use"],
  ["MessagePort", "a MessagePort", "one end of a message channel"],
  ["MessageChannel", "a MessageChannel", "a pair of connected message ports"],
  ["BroadcastChannel", "a BroadcastChannel", "an open broadcast channel"],
  ["Request", "a Request", "an HTTP request with its body stream"],
  ["Response", "a Response", "an HTTP response with its body stream"],
  ["WebSocket", "a WebSocket", "an open network connection"],
  ["EventSource", "an EventSource", "an open HTTP connection"],
  ["Worker", "a Worker", "a running worker thread"],
  ["SharedWorker", "a SharedWorker", "a running worker"],
];

/** Deno's exposed resource classes: [path from globalThis, what, detail]. */
const DENO_GLOBALS: ReadonlyArray<readonly [string, string, string]> = [
  ["Deno.FsFile", "a Deno.FsFile", "an open file, from Deno.open"],
  [
    "Deno.ChildProcess",
    "a Deno.ChildProcess",
    "a running child process, from Deno.Command().spawn()",
  ],
  ["Deno.Command", "a Deno.Command", "a process launcher bound to this process's environment"],
  ["Deno.HttpClient", "a Deno.HttpClient", "an HTTP client with its open connections"],
  ["Deno.Kv", "a Deno.Kv", "an open key-value database"],
];

function lookup(path: string): unknown {
  let v: unknown = globalThis;
  for (const key of path.split(".")) {
    if (v === null || (typeof v !== "object" && typeof v !== "function")) return undefined;
    try {
      v = (v as Record<string, unknown>)[key];
    } catch {
      return undefined;
    }
  }
  return v;
}

function prototypeOf(ctor: unknown): object | undefined {
  if (typeof ctor !== "function") return undefined;
  const p = getOwnPropertyDescriptor(ctor, "prototype")?.value;
  return p !== null && typeof p === "object" ? p : undefined;
}

let globalProtos: Map<object, [string, string]> | undefined;

/** Prototypes of the global resource classes this runtime has → [what, detail]. */
function globalResources(): Map<object, [string, string]> {
  if (globalProtos === undefined) {
    globalProtos = new Map();
    for (const [path, what, detail] of [...DENO_GLOBALS, ...WEB_RESOURCES]) {
      const p = prototypeOf(lookup(path));
      if (p !== undefined && !globalProtos.has(p)) globalProtos.set(p, [what, detail]);
    }
    if (isDeno) {
      for (const [path, what, detail] of DENO_STDIO) {
        const v = lookup(path);
        const p = v !== null && typeof v === "object" ? Object.getPrototypeOf(v) : null;
        if (p !== null && p !== Object.prototype && !globalProtos.has(p)) {
          globalProtos.set(p, [what, detail]);
        }
      }
    }
  }
  return globalProtos;
}

type BuiltinModules = { getBuiltinModule?: (name: string) => unknown };
const nodeModules = new Map<string, unknown>();

function nodeExport(module: string, name: string): unknown {
  let m = nodeModules.get(module);
  if (m === undefined && !nodeModules.has(module)) {
    try {
      const proc = (globalThis as { process?: BuiltinModules }).process;
      m = proc?.getBuiltinModule?.(module);
    } catch {
      m = undefined;
    }
    nodeModules.set(module, m);
  }
  if (m === null || (typeof m !== "object" && typeof m !== "function")) return undefined;
  try {
    return (m as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

function isNativeFn(fn: unknown): boolean {
  try {
    return typeof fn === "function" && /\{\s*\[native code\]\s*\}\s*$/.test(fnToString.call(fn));
  } catch {
    return false;
  }
}

/** Whether the first getter or method of `proto` is native code: a host prototype. */
function hasNativeMember(proto: object): boolean {
  for (const key of Reflect.ownKeys(proto)) {
    if (key === "constructor") continue;
    const d = getOwnPropertyDescriptor(proto, key);
    const fn = d?.get ?? d?.value;
    if (typeof fn === "function") return isNativeFn(fn);
  }
  return false;
}

/** Whether `proto` has an own method or accessor named `key`. */
function hasMember(proto: object, key: string): boolean {
  const d = getOwnPropertyDescriptor(proto, key);
  return d !== undefined && (typeof d.value === "function" || d.get !== undefined);
}

function tagOf(proto: object): string | undefined {
  const t = getOwnPropertyDescriptor(proto, Symbol.toStringTag)?.value;
  return typeof t === "string" ? t : undefined;
}

function hasOwnSymbol(o: object, description: string): boolean {
  for (const s of Object.getOwnPropertySymbols(o)) if (s.description === description) return true;
  return false;
}

/**
 * What an object whose prototype is the key is, decided once per prototype over its whole
 * chain: [what, detail, whether the object's own class is that family's descendant], or
 * [name, detail, false, true] for a Deno class whose instances are resources when they hold a
 * resource id; null when neither.
 */
type Decision = readonly [string, string, boolean, boolean] | null;
const decided = new WeakMap<object, Decision>();

function decideChain(first: object): Decision {
  let denoName: string | undefined;
  for (let p: object | null = first; p !== null && p !== Object.prototype; p = getPrototypeOf(p)) {
    const c = constructorOf(p);
    const r = decide(p, c);
    if (r !== null) return [r[0], r[1], p !== first, false];
    if (isDeno && denoName === undefined && c !== undefined) {
      const name = (c as { name?: unknown }).name;
      if (typeof name === "string" && Object.hasOwn(DENO_INTERNAL, name)) denoName = name;
    }
  }
  return denoName === undefined ? null : [denoName, DENO_INTERNAL[denoName], false, true];
}

/**
 * The refusal message when `o`, whose prototype is `proto`, is a native resource; undefined
 * otherwise. One WeakMap lookup once a prototype has been seen.
 */
export function resourceOf(o: object, proto: object): string | undefined {
  let r = decided.get(proto);
  if (r === undefined) {
    r = decideChain(proto);
    decided.set(proto, r);
  }
  if (r === null) return undefined;
  if (r[3]) {
    // Deno's unexposed resource classes: by name, and the resource id the instance holds.
    return hasOwnSymbol(o, "Deno.internal.rid")
      ? resourceMessage(`a Deno ${r[0]}`, r[1])
      : undefined;
  }
  // Name the object's own class too where the family is its ancestor (a ReadStream is a
  // node:stream Stream).
  const leaf = r[2] ? classNameOf(proto) : undefined;
  return resourceMessage(leaf === undefined ? r[0] : `a ${leaf}, ${r[0]}`, r[1]);
}

/** The own constructor of a prototype (whose `prototype` it is), if any. */
function constructorOf(p: object): object | undefined {
  const c = getOwnPropertyDescriptor(p, "constructor")?.value;
  if (typeof c !== "function") return undefined;
  return getOwnPropertyDescriptor(c, "prototype")?.value === p ? c : undefined;
}

function classNameOf(proto: object): string | undefined {
  const c = getOwnPropertyDescriptor(proto, "constructor")?.value;
  const name = typeof c === "function" ? c.name : undefined;
  return typeof name === "string" && name !== "" ? name : undefined;
}

function decide(proto: object, ctor: object | undefined): [string, string] | null {
  const g = globalResources().get(proto);
  if (g !== undefined) return g;
  const name = ctor === undefined ? undefined : (ctor as { name?: unknown }).name;
  if (ctor === undefined) {
    // Bun's native objects (Subprocess, servers, sockets, sinks) have prototypes without a
    // constructor of their own, named by their tag, with native members.
    const tag = tagOf(proto);
    if (IS_JSC && tag !== undefined && Object.hasOwn(BUN_NATIVE, tag) && hasNativeMember(proto)) {
      return [`a Bun ${tag}`, BUN_NATIVE[tag]];
    }
    return null;
  }
  if (typeof name !== "string" || name === "") return null;
  if (IS_JSC && Object.hasOwn(BUN_NATIVE, name) && isNativeFn(ctor)) {
    return [`a Bun ${name}`, BUN_NATIVE[name]];
  }
  const candidates = NODE[name];
  if (candidates !== undefined) {
    for (const [module, exp, detail] of candidates) {
      if (prototypeOf(nodeExport(module, exp)) === proto) {
        return [`a ${module} ${exp}`, detail];
      }
    }
  }
  const members = Object.hasOwn(BY_MEMBERS, name) ? BY_MEMBERS[name] : undefined;
  if (
    members !== undefined && members[0].every((m) => hasMember(proto, m)) &&
    getPrototypeOf(proto) === prototypeOf(nodeExport("node:events", "EventEmitter"))
  ) {
    return [members[1], members[2]];
  }
  const timer = Object.hasOwn(TIMERS, name) ? TIMERS[name] : undefined;
  if (timer !== undefined && timer[0]() === proto) return [timer[1], timer[2]];
  return null;
}

/**
 * The refusal message for a Blob that is a reference to a file or an object in storage
 * (Bun's `Bun.file()`, `Bun.s3.file()`, `Bun.stdin`) rather than bytes in memory; undefined
 * for other Blobs.
 */
export function fileReference(b: Blob): string | undefined {
  if (!IS_JSC) return undefined;
  const inspect = bunInspect;
  if (typeof inspect !== "function") return undefined;
  let shown: string;
  try {
    shown = inspect(b);
  } catch {
    return undefined;
  }
  if (shown.startsWith("FileRef")) {
    return resourceMessage(
      "a Bun.file reference",
      "a lazy reference to a file of this machine, not its bytes: `await file.bytes()` reads them",
    );
  }
  if (shown.startsWith("S3Ref")) {
    return resourceMessage(
      "a Bun S3 file reference",
      "a lazy reference to an object in storage, not its bytes",
    );
  }
  return undefined;
}
