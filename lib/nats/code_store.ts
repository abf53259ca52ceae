/**
 * The code definitions of a queue, in a JetStream key-value bucket (`cloudpickle_<queue>_code`)
 * under their SHA-256: a client pickles its functions with a {@linkcode CodeCache} and stores
 * each definition the first time it meets it, before any task that names it is published; a
 * worker fetches the definitions it lacks, checks their signature and hash, and keeps them in
 * a bounded LRU shared by its threads. Any worker may take any task, so the client never
 * counts on what a worker holds: a task's pickle names its definitions by hash, and each of
 * them is in the bucket (puts are idempotent: the key is the hash of the value).
 *
 * An entry is a signed envelope ({@linkcode CodeEnvelope}) made with the key of the tasks, so
 * an entry written by someone without that key is refused before its code is read.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/transport-node";
import { type KV, Kvm } from "@nats-io/kv";
import { StorageType } from "@nats-io/jetstream";
import { CodeCache } from "../../mod.ts";
import { cachedHashes } from "../pickle/code_table.ts";
import { seal, unseal } from "./envelope.ts";

/**
 * A definition as stored in the bucket: signed unless the queue is insecure. One above the
 * server's payload limit is stored in `parts` raw entries (`<hash>.0`, `<hash>.1`, ...), put
 * before this one; joined, they must hash to `hash`.
 */
export interface CodeEnvelope {
  v: 1;
  /** SHA-256 of the definition, hex: also the entry's key. */
  hash: string;
  /** The definition's bytes, as {@linkcode CodeCache.get} gives them (when not in parts). */
  def?: Uint8Array;
  /** The number of parts, and the definition's length, when it is stored in parts. */
  parts?: number;
  size?: number;
}

/** Room left in an entry for its headers and the protocol. */
const HEADROOM = 4096;
/** NATS's largest payload. */
const MAX_PAYLOAD = 64 * 1024 * 1024;
/** Parts a definition is stored in at most (with 1 MiB messages: 4 GiB). */
const MAX_PARTS = 4096;

/** Definitions a worker process keeps at most (its threads keep their own, bounded too). */
export const WORKER_DEFINITIONS = 256;
/** Definitions a client counts as stored at most (older ones are stored again when met). */
export const CLIENT_DEFINITIONS = 1024;

/** A definition a task names cannot be had: the task is refused with this message. */
export class CodeRefusal extends Error {
  override name = "CodeRefusal";
}

async function retry<T>(f: () => Promise<T>, tries = 40): Promise<T> {
  for (let i = 0;; i++) {
    try {
      return await f();
    } catch (e) {
      if (i >= tries) throw e;
      await new Promise((r) => setTimeout(r, Math.min(100 * (i + 1), 1000)));
    }
  }
}

/** The code bucket of one queue, opened (created) at first use. */
class Bucket {
  private kv: Promise<KV> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    readonly name: string,
    private readonly replicas: number,
  ) {}

  /** The most bytes an entry holds on this server. */
  get room(): number {
    return (this.nc.info?.max_payload ?? 1024 * 1024) - HEADROOM;
  }

  open(): Promise<KV> {
    if (this.kv === undefined) {
      this.kv = new Kvm(this.nc).create(this.name, {
        replicas: this.replicas,
        history: 1,
        storage: StorageType.File,
      });
      this.kv.catch(() => this.kv = undefined);
    }
    return this.kv;
  }
}

/** The client's side: a sending code cache whose new definitions go to the bucket. */
export class CodeSender {
  /** The cache to pickle functions (and arguments) with. */
  readonly cache: CodeCache;
  /** Puts under way; a task is published only once they are done. */
  private readonly puts = new Set<Promise<void>>();
  private readonly bucket: Bucket;
  /** Definitions met for the first time (stored or being stored). */
  met = 0;
  /** Puts that failed (a pickle made meanwhile may name a definition not stored). */
  failures = 0;
  /** Definitions stored so far, and the bytes of their entries. */
  stored = 0;
  bytesStored = 0;

  constructor(
    nc: NatsConnection,
    bucket: string,
    replicas: number,
    private readonly key: Uint8Array | undefined,
  ) {
    this.bucket = new Bucket(nc, bucket, replicas);
    this.cache = new CodeCache({
      maxEntries: CLIENT_DEFINITIONS,
      onDefinition: (hash, def) => this.store(hash, def),
    });
  }

  /** The bucket's name. */
  get name(): string {
    return this.bucket.name;
  }

  /** Starts storing a definition the cache met for the first time. */
  private store(hash: string, def: Uint8Array): void {
    this.met++;
    const p = (async () => {
      const kv = await retry(() => this.bucket.open());
      const room = this.bucket.room;
      let bytes = await seal({ v: 1, hash, def } satisfies CodeEnvelope, this.key);
      if (bytes.length > room) {
        // Too big for one entry: raw parts first, then the signed head that counts them.
        const parts = Math.ceil(def.length / room);
        for (let i = 0; i < parts; i++) {
          const part = def.subarray(i * room, (i + 1) * room);
          await retry(() => kv.put(`${hash}.${i}`, part));
          this.bytesStored += part.length;
        }
        bytes = await seal(
          { v: 1, hash, parts, size: def.length } satisfies CodeEnvelope,
          this.key,
        );
      }
      await retry(() => kv.put(hash, bytes));
      this.stored++;
      this.bytesStored += bytes.length;
    })();
    const tracked = p.then(() => {
      this.puts.delete(tracked);
    }, (e) => {
      this.puts.delete(tracked);
      this.failures++;
      // Not stored: counted as stored no more, so the next pickle stores it again.
      this.cache.clear();
      throw new Error(
        `the code definition sha256 ${hash} could not be stored in the key-value bucket ` +
          `${this.bucket.name}: ${(e as Error)?.message ?? String(e)}`,
        { cause: e },
      );
    });
    tracked.catch(() => {});
    this.puts.add(tracked);
  }

  /** Resolves once every definition met so far is in the bucket (rejects when one failed). */
  async flush(): Promise<void> {
    while (this.puts.size > 0) await Promise.all([...this.puts]);
  }
}

/** The worker's side: definitions fetched from the bucket, checked, kept in a bounded LRU. */
export class CodeFetcher {
  private readonly cache = new CodeCache({ maxEntries: WORKER_DEFINITIONS });
  private readonly bucket: Bucket;
  /** Fetches under way, by hash (slots that miss one definition at once fetch it once). */
  private readonly fetching = new Map<string, Promise<void>>();
  /** Definitions fetched from the bucket so far. */
  fetched = 0;

  constructor(
    nc: NatsConnection,
    bucket: string,
    replicas: number,
    private readonly key: Uint8Array | undefined,
  ) {
    this.bucket = new Bucket(nc, bucket, replicas);
  }

  /**
   * The bytes of each definition the function pickle `fn` names by hash, fetched when this
   * worker misses them. A definition missing from the bucket, or an entry whose signature
   * or hash does not check out, is a {@linkcode CodeRefusal}.
   */
  async definitions(fn: Uint8Array): Promise<Uint8Array[]> {
    let hashes: string[];
    try {
      hashes = cachedHashes(fn);
    } catch (e) {
      throw new CodeRefusal(`its function's pickle is corrupt: ${(e as Error).message}`);
    }
    const out: Uint8Array[] = [];
    for (const hash of hashes) {
      let def = this.cache.get(hash);
      if (def === undefined) {
        await this.fetch(hash);
        def = this.cache.get(hash);
        if (def === undefined) {
          throw new CodeRefusal(`its code definition sha256 ${hash} was dropped while fetched`);
        }
      }
      out.push(def);
    }
    return out;
  }

  private fetch(hash: string): Promise<void> {
    let p = this.fetching.get(hash);
    if (p === undefined) {
      p = this.fetchOnce(hash).finally(() => this.fetching.delete(hash));
      this.fetching.set(hash, p);
    }
    return p;
  }

  private async fetchOnce(hash: string): Promise<void> {
    const where = `the key-value bucket ${this.bucket.name}`;
    if (!/^[0-9a-f]{64}$/.test(hash)) {
      throw new CodeRefusal(`it names a code definition by a malformed hash (${hash})`);
    }
    const kv = await retry(() => this.bucket.open());
    let entry = await retry(() => kv.get(hash));
    // A replica may answer before it has the entry the client just stored: asked again.
    for (let i = 0; i < 5 && entry === null; i++) {
      await new Promise((r) => setTimeout(r, 100 * (i + 1)));
      entry = await retry(() => kv.get(hash));
    }
    if (entry === null || entry.operation !== "PUT" || entry.value.length === 0) {
      throw new CodeRefusal(
        `its code definition sha256 ${hash} is not in ${where} (deleted, or stored by a ` +
          `client of another queue)`,
      );
    }
    let env: CodeEnvelope;
    try {
      env = await unseal<CodeEnvelope>(entry.value, this.key);
    } catch (e) {
      throw new CodeRefusal(
        `the code definition sha256 ${hash} in ${where} ` +
          (this.key === undefined
            ? `could not be read: ${(e as Error).message}`
            : `does not check out with this worker's key (a tampered entry, or a client with ` +
              `another CLOUDPICKLE_NATS_KEY): ${(e as Error).message}`),
      );
    }
    const bad = (why: string) =>
      new CodeRefusal(
        `the entry ${hash} of ${where} is not the code definition of that hash (${why}; a ` +
          `tampered entry)`,
      );
    if (typeof env !== "object" || env === null || env.v !== 1 || env.hash !== hash) {
      throw bad("its envelope names another hash");
    }
    let def = env.def;
    if (def === undefined && typeof env.parts === "number") {
      const { parts, size } = env;
      if (
        !Number.isInteger(parts) || parts < 1 || parts > MAX_PARTS || !Number.isInteger(size) ||
        size! < 0 || size! > parts * MAX_PAYLOAD
      ) throw bad("its parts are out of range");
      def = new Uint8Array(size!);
      let at = 0;
      for (let i = 0; i < parts; i++) {
        const e = await retry(() => kv.get(`${hash}.${i}`));
        if (e === null || e.operation !== "PUT" || at + e.value.length > size!) {
          throw bad(`its part ${i} is missing or too long`);
        }
        def.set(e.value, at);
        at += e.value.length;
      }
      if (at !== size) throw bad("its parts are shorter than it says");
    }
    if (!(def instanceof Uint8Array)) throw bad("it holds no definition");
    try {
      this.cache.add(def, hash);
    } catch (e) {
      throw new CodeRefusal(
        `the code definition sha256 ${hash} in ${where} was refused: ${(e as Error).message}`,
      );
    }
    this.fetched++;
  }
}
