/**
 * Structural equality used to check each peer's round trip once before
 * timing it. Handles cycles and shared references (identity structure must be
 * preserved), Map/Set (insertion order), Date, typed arrays, BigInt.
 *
 * @module
 */

type Obj = Record<PropertyKey, unknown>;

function tag(v: object): string {
  return Object.prototype.toString.call(v);
}

function ctorName(v: object): string {
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === null) return "null";
  const ctor: unknown = (proto as { constructor?: unknown }).constructor;
  return typeof ctor === "function" ? ctor.name : "?";
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return `${ctorName(v)} ${tag(v)}`;
  if (typeof v === "string") {
    return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  }
  if (typeof v === "bigint") return `${v}n`;
  return `${typeof v} ${String(v)}`;
}

class Comparer {
  /** original object -> decoded object */
  private readonly fwd = new Map<object, object>();
  /** decoded object -> original object */
  private readonly back = new Map<object, object>();

  compare(a: unknown, b: unknown, path: string): string | null {
    if (Object.is(a, b)) return null;
    if (typeof a !== typeof b || a === null || b === null) {
      return `${path}: expected ${describe(a)}, got ${describe(b)}`;
    }
    if (typeof a !== "object" || typeof b !== "object") {
      return `${path}: expected ${describe(a)}, got ${describe(b)}`;
    }
    const seenB = this.fwd.get(a);
    if (seenB !== undefined) {
      return seenB === b
        ? null
        : `${path}: reference identity not preserved (shared/cyclic ref duplicated)`;
    }
    const seenA = this.back.get(b);
    if (seenA !== undefined && seenA !== a) {
      return `${path}: two distinct objects decoded to the same object`;
    }
    this.fwd.set(a, b);
    this.back.set(b, a);

    if (tag(a) !== tag(b) || ctorName(a) !== ctorName(b)) {
      return `${path}: expected ${describe(a)}, got ${describe(b)}`;
    }
    if (a instanceof Date) {
      const ta = a.getTime();
      const tb = (b as Date).getTime();
      return Object.is(ta, tb) ? null : `${path}: Date ${ta} decoded as ${tb}`;
    }
    if (ArrayBuffer.isView(a)) {
      const va = a;
      const vb = b as ArrayBufferView;
      if (va.byteLength !== vb.byteLength) {
        return `${path}: byteLength ${va.byteLength} vs ${vb.byteLength}`;
      }
      const ba = new Uint8Array(va.buffer, va.byteOffset, va.byteLength);
      const bb = new Uint8Array(vb.buffer, vb.byteOffset, vb.byteLength);
      for (let i = 0; i < ba.length; i++) {
        if (ba[i] !== bb[i]) return `${path}: byte ${i} differs`;
      }
      return null;
    }
    if (a instanceof ArrayBuffer) {
      return this.compare(
        new Uint8Array(a),
        new Uint8Array(b as ArrayBuffer),
        path,
      );
    }
    if (a instanceof RegExp) {
      return String(a) === String(b) ? null : `${path}: RegExp differs`;
    }
    if (a instanceof Map) {
      const mb = b as Map<unknown, unknown>;
      if (a.size !== mb.size) {
        return `${path}: Map size ${a.size} vs ${mb.size}`;
      }
      const ea = [...a.entries()];
      const eb = [...mb.entries()];
      for (let i = 0; i < ea.length; i++) {
        const dk = this.compare(ea[i][0], eb[i][0], `${path}<key ${i}>`);
        if (dk) return dk;
        const dv = this.compare(ea[i][1], eb[i][1], `${path}<value ${i}>`);
        if (dv) return dv;
      }
      return null;
    }
    if (a instanceof Set) {
      const sb = b as Set<unknown>;
      if (a.size !== sb.size) {
        return `${path}: Set size ${a.size} vs ${sb.size}`;
      }
      const xa = [...a];
      const xb = [...sb];
      for (let i = 0; i < xa.length; i++) {
        const d = this.compare(xa[i], xb[i], `${path}<item ${i}>`);
        if (d) return d;
      }
      return null;
    }
    if (Array.isArray(a)) {
      const ab = b as unknown[];
      if (a.length !== ab.length) {
        return `${path}: length ${a.length} vs ${ab.length}`;
      }
      for (let i = 0; i < a.length; i++) {
        if ((i in a) !== (i in ab)) return `${path}[${i}]: hole mismatch`;
        const d = this.compare(a[i], ab[i], `${path}[${i}]`);
        if (d) return d;
      }
      return null;
    }
    const oa = a as Obj;
    const ob = b as Obj;
    const ka = Object.keys(oa);
    const kb = Object.keys(ob);
    if (ka.length !== kb.length) {
      return `${path}: keys [${ka.join(",")}] vs [${kb.join(",")}]`;
    }
    for (const k of ka) {
      if (!Object.prototype.hasOwnProperty.call(ob, k)) {
        return `${path}: missing key ${JSON.stringify(k)}`;
      }
      const d = this.compare(oa[k], ob[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
}

/**
 * Compare an original value with its decoded copy.
 * Returns `null` when equal, otherwise a description of the first difference.
 */
export function diff(original: unknown, decoded: unknown): string | null {
  return new Comparer().compare(original, decoded, "$");
}
