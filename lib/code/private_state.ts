/**
 * Private state of instances (`#x` fields), on the loading side. Private fields can only be
 * added to an object by its class's own construction, and only written by code inside the
 * class body. So a class with private members is evaluated on load with one more private
 * field appended to its body, whose initializer calls a hook: normally the hook does
 * nothing; while an instance is being rebuilt, it keeps a setter for the class's private
 * fields and aborts the construction, so no constructor body runs. A base class's rebuild
 * construction makes the instance (with the right prototype); a derived class is run over the
 * existing instance by making its parent constructor, for that one call, return it.
 *
 * @module
 */

import { analyze } from "./analyze.ts";
import {
  isRestorable,
  privateReaderBlock,
  privateSetterSource,
  restorableFields,
} from "../runtime/private_readers.ts";
import { SHARED_SLOT_EXPR, sharedSlot } from "../runtime/shared_slot.ts";

/** Thrown from the appended field's initializer to stop a rebuild construction. */
const STOP: unique symbol = Symbol("stop");

type Setter = (name: string, value: unknown) => void;

/** Classes evaluated with the appended field, with their private field names and source. */
const injected = new WeakMap<object, { fields: readonly string[]; source: string }>();
/** The setters the rebuild constructions handed over: object → class → setter. */
const setters = new WeakMap<object, Map<object, Setter>>();

let capturing: { cls: object; target: object | undefined } | undefined;

function hook(self: object, setter: Setter): undefined {
  if (capturing === undefined) return undefined;
  let byClass = setters.get(self);
  if (byClass === undefined) setters.set(self, byClass = new Map());
  byClass.set(capturing.cls, setter);
  capturing.target = self;
  throw STOP;
}

/** Puts the hooks the appended fields call into the shared slot (at the first class loaded). */
function installHooks(): void {
  const slot = sharedSlot();
  slot.privateRestore = hook;
  slot.staticRestore = staticHook;
}

/**
 * The class source with the rebuild field appended to its body, and, when it has static
 * private fields, a static field that hands over a setter for those.
 */
export function withRestorer(
  source: string,
  fields: readonly string[],
  staticFields: readonly string[],
): string {
  installHooks();
  const end = source.lastIndexOf("}");
  // Also a reader, so a loaded instance can be pickled again in any runtime.
  let added = privateReaderBlock(fields, staticFields) + "\n";
  added += `#$cp$restore = ${SHARED_SLOT_EXPR}.privateRestore(this, ` +
    `${privateSetterSource(fields)});`;
  if (staticFields.length > 0) {
    added += `\nstatic #$cp$static = ${SHARED_SLOT_EXPR}.staticRestore(this, ` +
      `${privateSetterSource(staticFields)});`;
  }
  return `${source.slice(0, end)}\n${added}\n}`;
}

/** Remembers a class evaluated from {@linkcode withRestorer}. */
export function rememberRestorer(cls: object, source: string, fields: readonly string[]): void {
  injected.set(cls, { fields, source });
}

/** Setters of the static private fields of classes evaluated with a restorer. */
const staticSetters = new WeakMap<object, Setter>();

function staticHook(cls: object, setter: Setter): undefined {
  staticSetters.set(cls, setter);
  return undefined;
}

/** Writes static private field `name` of a class evaluated with a restorer. */
export function setStaticPrivate(cls: object, name: string, value: unknown): void {
  const set = staticSetters.get(cls);
  if (set === undefined) throw new Error("the class has no static private fields to restore");
  set(name, value);
}

/** The source a class was loaded from, without the appended field. */
export function originalSource(cls: object): string | undefined {
  return injected.get(cls)?.source;
}

function hasPrivate(cls: object): boolean {
  let src: string;
  try {
    src = Function.prototype.toString.call(cls);
  } catch {
    return false;
  }
  // Only private state of instances (fields, the brand of private methods) needs rebuilding.
  return src.startsWith("class") && src.includes("#") && analyze(src).instancePrivate;
}

function parentOf(cls: object): unknown {
  return Object.getPrototypeOf(cls);
}

/**
 * A new instance of the class whose prototype is `proto`, carrying the private members of
 * every class of its chain that was loaded with a restorer. Undefined when none was.
 */
export function rebuildInstance(proto: object): object | undefined {
  const chain: object[] = [];
  for (let p: object | null = proto; p !== null && p !== Object.prototype;) {
    const d = Object.getOwnPropertyDescriptor(p, "constructor");
    const c = d !== undefined && "value" in d ? d.value : undefined;
    if (typeof c === "function" && c.prototype === p) chain.push(c);
    p = Object.getPrototypeOf(p);
  }
  let any = false;
  for (const c of chain) {
    if (injected.has(c) || isRestorable(c)) {
      any = true;
    } else if (hasPrivate(c)) {
      throw new Error(
        `the class ${(c as { name?: string }).name || "(anonymous)"} was defined in this ` +
          "process, where private fields cannot be added to a new object without running its " +
          "constructor: load instances with private fields in another process or Worker, or " +
          "give the class a [reduce]() method that returns its constructor and arguments " +
          "(then its instances load anywhere, also back where the class was defined)",
      );
    }
  }
  if (!any) return undefined;
  installHooks();
  const newTarget = chain[0] as new () => object;
  let o: object | undefined;
  for (let i = chain.length - 1; i >= 0; i--) {
    const cls = chain[i] as new () => object;
    if (!injected.has(cls) && !isRestorable(cls)) continue;
    const base = parentOf(cls) === Function.prototype;
    if (!base && o === undefined) o = Object.create(proto) as object;
    const saved = parentOf(cls);
    if (!base) {
      const instance = o!;
      Object.setPrototypeOf(cls, function returnsInstance() {
        return instance;
      });
    }
    capturing = { cls, target: undefined };
    const slot = sharedSlot();
    slot.restoring = true;
    try {
      Reflect.construct(cls, [], newTarget);
      throw new Error(`rebuilding ${cls.name || "a class"} did not reach its private fields`);
    } catch (e) {
      if (e !== STOP) throw e;
      o ??= capturing.target;
    } finally {
      capturing = undefined;
      slot.restoring = false;
      if (!base) Object.setPrototypeOf(cls, saved as object);
    }
  }
  return o;
}

/** Writes private field `name` of `o`, declared by one of the classes of its chain. */
export function setPrivate(o: object, name: string, value: unknown): void {
  const byClass = setters.get(o);
  if (byClass !== undefined) {
    for (const [cls, set] of byClass) {
      if ((injected.get(cls)?.fields ?? restorableFields(cls) ?? []).includes(name)) {
        set(name, value);
        return;
      }
    }
  }
  throw new Error(`no class of the object declares the private field #${name}`);
}
