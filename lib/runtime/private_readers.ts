/**
 * Readers of private fields, registered by the classes themselves: only code inside a class
 * body can read its private fields, so instrumented classes (Bun's preload) and classes
 * loaded from a pickle carry a static block that registers a reader here, through the shared
 * slot (shared_slot.ts). Importing this module installs nothing: the registry is installed
 * when the first such static block is generated ({@linkcode privateReaderBlock}) or by the
 * preload, and a copy of the library that finds one installed uses it.
 *
 * @module
 */

import type { PrivateFields } from "./adapter.ts";
import { peekSharedSlot, SHARED_SLOT_EXPR, sharedSlot } from "./shared_slot.ts";

/**
 * Names that mark the static block of {@linkcode privateReaderBlock} (as an identifier or a
 * string in it): the slot field it calls, and the global key earlier versions called.
 */
export const PRIVATE_READER_NAMES: readonly string[] = [
  "registerPrivateReader",
  "cloudpickle.privateReader",
];

interface Reader {
  readonly fields: readonly string[];
  readonly read: ((o: object) => unknown[] | undefined) | null;
  readonly statics: readonly string[];
  readonly readStatics: (() => unknown[]) | null;
}

const readers = new WeakMap<object, Reader>();

/**
 * The static block a class body gets so that it registers readers of its private fields:
 * instance fields (checked with `#f in o`) and static ones.
 */
export function privateReaderBlock(
  fields: readonly string[],
  statics: readonly string[],
  restorable = false,
): string {
  installPrivateReaders();
  const instance = fields.length === 0
    ? "null"
    : `(o)=>#${fields[0]} in o?[${fields.map((f) => `o.#${f}`).join(",")}]:undefined`;
  const stat = statics.length === 0
    ? "null"
    : `()=>[${statics.map((f) => `this.#${f}`).join(",")}]`;
  // (One expression: the block is told apart, and taken out, by its one statement.)
  const also = restorable ? `,${SHARED_SLOT_EXPR}?.registerRestorable?.(this)` : "";
  return `static{${SHARED_SLOT_EXPR}?.registerPrivateReader?.(this,` +
    `${JSON.stringify(fields)},${instance},${JSON.stringify(statics)},${stat})${also};}`;
}

/** A setter of private fields `fields`, as source for inside the class body: `(n, v) => …`. */
export function privateSetterSource(fields: readonly string[]): string {
  let cases = "";
  for (const f of fields) cases += `case ${JSON.stringify(f)}: this.#${f} = v; break; `;
  return `(n, v) => { switch (n) { ${cases}} }`;
}

/** The name of the private field whose initializer lets a class's instances be rebuilt. */
export const RESTORE_FIELD = "$cp$restore";

/**
 * The field appended to a class body (the last one, so every other field exists when it runs)
 * whose initializer hands the library a setter of the class's private fields while an instance
 * is being rebuilt (see lib/code/private_state.ts), and does nothing otherwise.
 */
export function restoreFieldSource(fields: readonly string[]): string {
  // The setter is made only while an instance is rebuilt: constructions pay one lookup.
  return `#${RESTORE_FIELD} = ${SHARED_SLOT_EXPR}?.restoring === true ? ` +
    `${SHARED_SLOT_EXPR}.privateRestore(this, ${privateSetterSource(fields)}) : undefined;`;
}

const restorable = new WeakSet<object>();

/**
 * Whether class `cls` was instrumented (Bun's preload) with {@linkcode restoreFieldSource}, so
 * that its instances can be rebuilt with their private fields where it is defined.
 */
export function isRestorable(cls: object): boolean {
  return restorableFields(cls) !== undefined;
}

/** The private fields of class `cls` if it is restorable ({@linkcode isRestorable}). */
export function restorableFields(cls: object): readonly string[] | undefined {
  const fields = peekSharedSlot()?.restorableFields;
  return typeof fields === "function" ? fields(cls) : undefined;
}

function register(
  cls: object,
  fields: readonly string[],
  read: ((o: object) => unknown[] | undefined) | null,
  statics: readonly string[],
  readStatics: (() => unknown[]) | null,
): void {
  readers.set(cls, { fields, read, statics, readStatics });
}

/** The private fields of `o` (an instance, or a class for its static ones) that readers show. */
function readPrivate(o: object): PrivateFields | undefined {
  const own = readers.get(o);
  if (typeof o === "function" && own !== undefined && own.readStatics !== null) {
    return { names: own.statics, values: own.readStatics() };
  }
  // Base class first, the order the fields were added in (and V8's inspector shows them in),
  // so that every runtime pickles them alike.
  const found: Reader[] = [];
  const read: unknown[][] = [];
  for (let p = Object.getPrototypeOf(o); p !== null; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, "constructor");
    const r = d !== undefined && "value" in d ? readers.get(d.value) : undefined;
    if (r === undefined || r.read === null) continue;
    const v = r.read(o);
    if (v === undefined) continue;
    found.push(r);
    read.push(v);
  }
  if (found.length === 0) return undefined;
  const names: string[] = [];
  const values: unknown[] = [];
  for (let i = found.length - 1; i >= 0; i--) {
    names.push(...found[i].fields);
    values.push(...read[i]);
  }
  return { names, values };
}

/**
 * Installs the registry in the shared slot, unless a copy of the library installed one
 * already (then classes register with that one, and every copy reads through it).
 */
export function installPrivateReaders(): void {
  const slot = sharedSlot();
  if (slot.registerPrivateReader !== undefined) return;
  slot.registerPrivateReader = register;
  slot.privateReader = readPrivate;
  slot.registerRestorable = (cls: object) => void restorable.add(cls);
  slot.restorableFields = (cls: object) =>
    restorable.has(cls) ? readers.get(cls)?.fields ?? [] : undefined;
}

/** The reader of the registry installed in this process, if any; installs nothing. */
export function privateReaderOfSlot(): ((o: object) => PrivateFields | undefined) | undefined {
  const r = peekSharedSlot()?.privateReader;
  return typeof r === "function" ? r : undefined;
}
