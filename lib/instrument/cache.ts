/**
 * The Bun preload's transform cache: what the load-time transform made of a file, kept on
 * disk so that a package version is parsed and instrumented once, not in every process.
 *
 * An entry is named by a SHA-1 of the file's text, its base name (an anonymous default export
 * is named after it), the library's version, a digest of the transform's own source, and the
 * Bun version: any change to one of them misses the cache. Entries are written to a temporary
 * file and renamed into place, so a reader (another process, another Worker of this one)
 * sees a whole entry or none; two writers of one entry write the same bytes.
 *
 * Where: `$CLOUDPICKLE_CACHE_DIR` if set (`off`: no disk cache), else the user's cache
 * folder: `$XDG_CACHE_HOME/cloudpickle/instrument`, `~/.cache/cloudpickle/instrument` on
 * Linux, `~/Library/Caches/cloudpickle/instrument` on macOS,
 * `%LOCALAPPDATA%\cloudpickle\instrument` on Windows. Where that folder cannot be created or
 * written, entries are held in memory for the life of the process.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { threadId } from "node:worker_threads";

/** What the transform made of one file (see preload.ts). */
export interface CachedTransform {
  /** "instrumented" (then `contents`), "unchanged" or "commonjs". */
  readonly kind: "instrumented" | "unchanged" | "commonjs";
  readonly contents?: string;
  /** The file's import specifiers (see InstrumentResult.imports). */
  readonly imports: readonly string[];
}

/** The folder of the disk cache, or undefined when it is off. */
export function cacheDir(env: Record<string, string | undefined>): string | undefined {
  const set = env.CLOUDPICKLE_CACHE_DIR;
  if (set !== undefined && set !== "") return set === "off" ? undefined : set;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "cloudpickle", "instrument");
  let home: string;
  try {
    home = homedir();
  } catch {
    return undefined;
  }
  if (process.platform === "darwin") {
    return join(home, "Library", "Caches", "cloudpickle", "instrument");
  }
  if (process.platform === "win32" && env.LOCALAPPDATA) {
    return join(env.LOCALAPPDATA, "cloudpickle", "instrument");
  }
  return join(home, ".cache", "cloudpickle", "instrument");
}

/** The transform cache of one process (or Worker). */
export class TransformCache {
  /** Entries held in memory: used only once the disk cache failed or is off. */
  private readonly memory = new Map<string, CachedTransform>();
  private dir: string | undefined;
  private ready = false;
  /** Hits and misses since start, for the debug output and tests. */
  hits = 0;
  misses = 0;

  /**
   * `dir`: the folder (undefined: memory only). `salt`: what besides the text names an
   * entry (library version, transform digest, Bun version).
   */
  constructor(dir: string | undefined, private readonly salt: string) {
    this.dir = dir;
  }

  /** Where entries go, or undefined when they are held in memory. */
  get folder(): string | undefined {
    return this.dir;
  }

  /** The key of a file's entry. */
  key(baseName: string, text: string, extra = ""): string {
    return createHash("sha1").update(this.salt).update("\0").update(baseName).update("\0")
      .update(extra).update("\0").update(text).digest("hex");
  }

  /** The entry under `key`, or undefined. */
  get(key: string): CachedTransform | undefined {
    const m = this.memory.get(key);
    if (m !== undefined || this.dir === undefined) {
      if (m !== undefined) this.hits++;
      else this.misses++;
      return m;
    }
    let raw: string;
    try {
      raw = readFileSync(join(this.dir, key), "utf8");
    } catch {
      this.misses++;
      return undefined;
    }
    const nl = raw.indexOf("\n");
    try {
      const head = JSON.parse(nl < 0 ? raw : raw.slice(0, nl)) as {
        k: CachedTransform["kind"];
        i: string[];
      };
      this.hits++;
      return head.k === "instrumented"
        ? { kind: head.k, imports: head.i, contents: raw.slice(nl + 1) }
        : { kind: head.k, imports: head.i };
    } catch {
      this.misses++;
      return undefined; // a damaged entry: written again
    }
  }

  /** Stores an entry: on disk (atomically), or in memory where the disk fails. */
  set(key: string, value: CachedTransform): void {
    if (this.dir !== undefined) {
      const text = JSON.stringify({ k: value.kind, i: value.imports }) + "\n" +
        (value.kind === "instrumented" ? value.contents ?? "" : "");
      const file = join(this.dir, key);
      const tmp = `${file}.${process.pid}-${threadId}-${Math.random().toString(36).slice(2)}.tmp`;
      try {
        if (!this.ready) {
          mkdirSync(this.dir, { recursive: true });
          this.ready = true;
        }
        writeFileSync(tmp, text);
        renameSync(tmp, file);
        return;
      } catch {
        try {
          unlinkSync(tmp);
        } catch {
          // nothing was written
        }
        this.dir = undefined; // read-only or full: memory from now on
      }
    }
    this.memory.set(key, value);
  }
}
