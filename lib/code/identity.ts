/**
 * The class tracker (cloudpickle's): a class pickled by value carries an id derived from
 * its definition, so that two pickles of one class loaded in one process give one class,
 * and a class loaded in the process that defined it is the original class itself. Ids are
 * deterministic: a hash of the class source, numbered in the order distinct class objects
 * with that source are first pickled (classes made by one factory share their source).
 *
 * Except for classes that code loaded from a pickle created when it ran (a factory shipped
 * to a worker and called there): the worker numbers its classes from 0 as the sender did, so
 * such a class would get the id of the sender's own class of that source, and load there as
 * that class, with the sender's captured values. Their ids carry a tag drawn once per
 * process, which no other process has.
 *
 * @module
 */

const idOf = new WeakMap<object, string>();
const byId = new Map<string, WeakRef<object>>();
const counts = new Map<string, number>();
/** Classes this process created by loading them (the others were defined here). */
const loaded = new WeakSet<object>();

function hash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 2246822519) ^ (b >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

let tag: string | undefined;

/** This process's tag (see the module documentation): 64 random bits, drawn when first asked. */
export function processTag(): string {
  if (tag === undefined) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    tag = "";
    for (const b of bytes) tag += b.toString(16).padStart(2, "0");
  }
  return tag;
}

/**
 * The tracker id of `cls`, assigned on first use (`madeByLoadedCode`: see the module
 * documentation); with `namespace` (a client's, see
 * DumpOptions.classNamespace), that id inside the namespace, so that classes of two clients
 * with one source stay apart where both are loaded. A class loaded here keeps the id it
 * came with (it travels on under its own namespace).
 */
export function classId(
  cls: object,
  source: string,
  namespace: string | undefined,
  madeByLoadedCode: boolean,
): string {
  let id = idOf.get(cls);
  if (id === undefined) {
    const h = madeByLoadedCode ? `${hash(source)}.${processTag()}` : hash(source);
    let n = counts.get(h) ?? 0;
    // Past the ids of classes with this source that this process loaded.
    while (knownClass(`${h}.${n}`) !== undefined) n++;
    counts.set(h, n + 1);
    id = `${h}.${n}`;
    idOf.set(cls, id);
    byId.set(id, new WeakRef(cls));
  }
  if (namespace === undefined || namespace === "" || loaded.has(cls)) return id;
  // Known here under the namespaced id too: it comes back as this class.
  const spaced = `${namespace}/${id}`;
  if (byId.get(spaced)?.deref() !== cls) byId.set(spaced, new WeakRef(cls));
  return spaced;
}

/** The class this process knows under `id` (defined here, or loaded before), if alive. */
export function knownClass(id: string): object | undefined {
  const cls = byId.get(id)?.deref();
  if (cls === undefined) byId.delete(id);
  return cls;
}

/** True for a class this process created by loading it. */
export function wasLoaded(cls: object): boolean {
  return loaded.has(cls);
}

/** Remembers a class loaded under `id`. */
export function rememberClass(id: string, cls: object): void {
  loaded.add(cls);
  idOf.set(cls, id);
  byId.set(id, new WeakRef(cls));
}
