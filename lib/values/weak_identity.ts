/**
 * Weak collections keep their identity across processes, as classes do: each one pickled gets
 * an id (this process's random tag and a count), and a pickle that comes back to a process
 * that knows the id loads as that very collection, its travelled entries added to it. So a
 * class that keeps its instances' private data in a WeakMap (`store.set(this, x)`) and comes
 * home as itself (the class tracker returns the class a process defined) finds the data of
 * instances that come home with it. A process that loads an id it does not know remembers
 * the collection it made under it, so the id travels on unchanged. Data-only loads neither
 * find nor remember collections (no pickle without code reaches a live one).
 *
 * @module
 */

import { processTag } from "../code/identity.ts";

const idOf = new WeakMap<object, string>();
const byId = new Map<string, WeakRef<object>>();
const forget = new FinalizationRegistry<string>((id) => {
  if (byId.get(id)?.deref() === undefined) byId.delete(id);
});
let count = 0;

/** The id of weak collection `c`, assigned when first pickled. */
export function weakIdOf(c: object): string {
  let id = idOf.get(c);
  if (id === undefined) {
    id = `${processTag()}.${count++}`;
    remember(id, c);
  }
  return id;
}

/** The weak collection this process knows under `id`, if it is still alive. */
export function knownWeak(id: string): object | undefined {
  return byId.get(id)?.deref();
}

/** Remembers `c`, a weak collection a load made, under the id it came with. */
export function rememberWeak(id: string, c: object): void {
  if (!idOf.has(c)) remember(id, c);
}

function remember(id: string, c: object): void {
  idOf.set(c, id);
  byId.set(id, new WeakRef(c));
  forget.register(c, id);
}
