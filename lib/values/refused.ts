/**
 * Values that cannot be pickled, refused with a PicklingError that says why and what to do:
 * weak collections and references, generators, live handles and native resources, proxies.
 *
 * @module
 */

import { types } from "node:util";
import type { Encoder } from "../pickle/encoder.ts";
import { REFUSED_REASON } from "./kinds.ts";
import { resourceOf } from "./resources.ts";

// Write side.

/** Refuses an object of a family that is never pickled (see kinds.ts for the reasons). */
export function refuseKind(enc: Encoder, _o: object, _kind: number, proto: object): void {
  enc.fail(REFUSED_REASON.get(proto)!);
}

/** Refuses a Proxy. */
export function refuseProxy(enc: Encoder): never {
  enc.fail(
    "cannot pickle a Proxy: its behaviour lives in its handler, which cannot be read; " +
      "pickle its target, or give the target's class a [reduce]() method",
  );
}

/**
 * Refuses what has a built-in prototype other than its family's (or none) but cannot be read
 * whatever its prototype: a Proxy, a generator.
 */
export function refuseUnreadable(enc: Encoder, o: object): void {
  if (types.isProxy(o)) refuseProxy(enc);
  if (types.isGeneratorObject(o)) {
    enc.fail(
      "cannot pickle a generator object: its suspended state is not reachable; pickle the " +
        "generator function and its arguments instead",
    );
  }
}

/** Refuses an instance of a class that holds a native resource (a file, a socket…). */
export function refuseResource(enc: Encoder, o: object, proto: object): void {
  const resource = resourceOf(o, proto);
  if (resource !== undefined) enc.fail(resource);
}
