/**
 * Bound functions, written as the call that makes them again:
 * `Reflect.apply(bind, target, [thisArg, ...args])`, with the parts the runtime's adapter
 * reads (the async form's prefetch pass, or the sync reader where there is one).
 *
 * @module
 */

import type { Encoder } from "../pickle/encoder.ts";
import { writeReduction } from "../values/reduce.ts";
import { syncRemedy } from "../runtime/remedy.ts";
import { syncBoundReader } from "../runtime/detect.ts";
import { loadedBound } from "./loaded.ts";
import * as T from "../format/tags.ts";
import { reduce } from "../pickle/options.ts";
import { types } from "node:util";

// Write side.

/** Writes the bound function `fn` (`name`: its name for messages, e.g. ` 'f'`). */
export function writeBound(enc: Encoder, fn: (...args: unknown[]) => unknown, name: string): void {
  const parts = loadedBound(fn) ?? enc.opts.bound?.get(fn) ?? syncBoundReader()?.(fn);
  if (parts === undefined) {
    if (enc.async && enc.opts.scopesUnavailable === undefined) {
      enc.unread.push(fn);
      enc.w.byte(T.UNDEFINED);
      return;
    }
    enc.fail(
      `cannot pickle bound function${name}: its target and arguments are not readable ` +
        (enc.async
          ? `here (${enc.opts.scopesUnavailable})`
          : `by the sync form (${syncRemedy()})`) +
        "; pickle the target function and its arguments instead",
    );
  }
  for (const k of Reflect.ownKeys(fn)) {
    if (k !== "name" && k !== "length") {
      enc.fail(
        `cannot pickle bound function${name}: it has own property ${String(k)}, which ` +
          "binding again would not give; pickle the target function and its arguments instead",
      );
    }
  }
  const changed = changedByUser(fn, parts.target, parts.args.length);
  if (changed !== undefined) {
    enc.fail(
      `cannot pickle bound function${name}: its ${changed} was redefined, which binding ` +
        "again would not give; pickle the target function and its arguments instead",
    );
  }
  const target = memberOf(parts.target, parts.thisArg) ?? parts.target;
  writeReduction(enc, fn, [
    Reflect.apply,
    [Function.prototype.bind, target, [parts.thisArg, ...parts.args]],
  ]);
}

const NATIVE = /\[native code\]\s*\}$/;
const fnToString = Function.prototype.toString;

/**
 * A method bound to the object it is a member of (`this.onTick = this.onTick.bind(this)`):
 * a stand-in whose reducer reads it from there on load (`Reflect.get(holder, key)`), when
 * `target` is the value of a property of `thisArg` or of one of its prototypes, else
 * undefined. The method is then the one its class has, the class pickled whole with the
 * instance, rather than a copy of its source alone, which a method using the class's private
 * names or `super` cannot be.
 */
function memberOf(target: unknown, thisArg: unknown): object | undefined {
  if (
    typeof target !== "function" || NATIVE.test(fnToString.call(target)) ||
    thisArg === null || (typeof thisArg !== "object" && typeof thisArg !== "function") ||
    types.isProxy(thisArg)
  ) return undefined;
  for (
    let o: object | null = thisArg;
    o !== null && o !== Object.prototype && o !== Function.prototype && !types.isProxy(o);
    o = Object.getPrototypeOf(o)
  ) {
    for (const key of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (d === undefined) continue;
      const holder = o;
      if (d.value === target) return { [reduce]: () => [Reflect.get, [holder, key]] };
      // An accessor's function: read from its descriptor.
      const part = d.get === target ? "get" : d.set === target ? "set" : undefined;
      if (part !== undefined) {
        const descriptor = { [reduce]: () => [Object.getOwnPropertyDescriptor, [holder, key]] };
        return { [reduce]: () => [Reflect.get, [descriptor, part]] };
      }
    }
  }
  return undefined;
}

/**
 * "name" or "length" when the bound function's own property is not what `bind` gives it
 * (value and attributes), else undefined.
 */
function changedByUser(fn: object, target: unknown, argCount: number): string | undefined {
  const t = target as { name?: unknown; length?: unknown };
  let name: unknown;
  let length = 0;
  try {
    name = t.name;
    if (Object.hasOwn(t as object, "length") && typeof t.length === "number") {
      const l = t.length;
      length = l === Infinity
        ? l
        : l === -Infinity
        ? 0
        : Math.max(0, (Math.trunc(l) || 0) - argCount);
    }
  } catch {
    return undefined; // a throwing getter: binding again decides
  }
  const given = (key: string, value: unknown): boolean => {
    const d = Object.getOwnPropertyDescriptor(fn, key);
    return d !== undefined && Object.is(d.value, value) && d.writable === false &&
      d.enumerable === false && d.configurable === true;
  };
  if (!given("name", `bound ${typeof name === "string" ? name : ""}`)) return "name";
  if (!given("length", length)) return "length";
  return undefined;
}
