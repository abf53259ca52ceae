/**
 * Built-ins by reference: every function or namespace object reachable from `globalThis`
 * by a stable path (`Math.max`, `Map`, `Array.prototype.map`, `Deno.readTextFile`,
 * `Bun.file`) is pickled as that path and looked up again on load. The table is built
 * lazily, once per process, breadth first so the shortest path wins.
 *
 * @module
 */

import { types } from "node:util";

/** Paths are segments joined by "."; a symbol segment is written `[Symbol.name]`. */
let table: Map<unknown, string> | undefined;

const MAX_DEPTH = 3;
const SKIP_KEYS = new Set(["constructor", "caller", "callee", "arguments", "__proto__"]);

function wellKnownName(s: symbol): string | undefined {
  for (const name of Object.getOwnPropertyNames(Symbol)) {
    if ((Symbol as unknown as Record<string, unknown>)[name] === s) return name;
  }
  return undefined;
}

/**
 * Plain objects of functions (`Math`, `JSON`, `Deno`), and `console`, whose prototype is its
 * own in Deno and Bun: all are by reference, so a loaded `console` is the loading runtime's.
 */
function isNamespace(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null || v === globalThis.console) &&
    !types.isProxy(v);
}

function build(): Map<unknown, string> {
  const found = new Map<unknown, string>();
  found.set(globalThis, "globalThis");
  let level: Array<[object, string]> = [[globalThis, ""]];
  for (let depth = 1; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: Array<[object, string]> = [];
    for (const [holder, path] of level) {
      let keys: (string | symbol)[];
      try {
        keys = Reflect.ownKeys(holder);
      } catch {
        continue;
      }
      for (const key of keys) {
        let segment: string;
        if (typeof key === "symbol") {
          const name = wellKnownName(key);
          if (name === undefined) continue;
          segment = `[Symbol.${name}]`;
        } else {
          if (SKIP_KEYS.has(key) || key.includes(".") || key.includes("[")) continue;
          segment = key;
        }
        let value: unknown;
        try {
          const d = Object.getOwnPropertyDescriptor(holder, key);
          if (d === undefined) continue;
          if ("value" in d) value = d.value;
          else if (depth === 1 && d.get) {
            value = (globalThis as Record<string | symbol, unknown>)[key];
          } else continue;
        } catch {
          continue;
        }
        if (value === null || (typeof value !== "object" && typeof value !== "function")) {
          continue;
        }
        if (found.has(value)) continue;
        const full = path === "" ? segment : `${path}.${segment}`;
        if (typeof value === "function") {
          found.set(value, full);
          if (depth < MAX_DEPTH) next.push([value, full]);
          const proto = (value as { prototype?: unknown }).prototype;
          if (
            depth < MAX_DEPTH && proto !== null && typeof proto === "object" &&
            !found.has(proto)
          ) {
            found.set(proto, `${full}.prototype`);
            next.push([proto, `${full}.prototype`]);
          }
        } else if (isNamespace(value as object)) {
          found.set(value, full);
          if (depth < MAX_DEPTH) next.push([value as object, full]);
        }
      }
    }
    level = next;
  }
  return found;
}

/** The path of a built-in reachable from `globalThis`, or undefined. */
export function globalPathOf(value: object): string | undefined {
  table ??= build();
  return table.get(value);
}

/** Splits a path written by {@linkcode globalPathOf} into property keys. */
function segments(path: string): (string | symbol)[] | undefined {
  if (path === "globalThis") return [];
  const out: (string | symbol)[] = [];
  for (const part of path.split(".")) {
    if (part.startsWith("[Symbol.") && part.endsWith("]")) {
      const sym = (Symbol as unknown as Record<string, unknown>)[part.slice(8, -1)];
      if (typeof sym !== "symbol") return undefined;
      out.push(sym);
    } else if (part === "" || part.includes("[")) {
      return undefined;
    } else {
      out.push(part);
    }
  }
  return out;
}

/** Looks a path up from `globalThis`; undefined when this runtime lacks it. */
export function resolveGlobalPath(path: string): object | undefined {
  const keys = segments(path);
  if (keys === undefined) return undefined;
  let v: unknown = globalThis;
  for (const key of keys) {
    if (v === null || (typeof v !== "object" && typeof v !== "function")) return undefined;
    try {
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d === undefined) return undefined;
      v = "value" in d ? d.value : (v as Record<string | symbol, unknown>)[key];
    } catch {
      return undefined;
    }
  }
  return v !== null && (typeof v === "object" || typeof v === "function") ? v : undefined;
}
