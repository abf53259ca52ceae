// Schema objects holding closures, zod-like.
const fail = (path, what) => ({ ok: false, error: `${path || "value"}: expected ${what}` });

export const string = () => ({
  kind: "string",
  check: (v, path) => (typeof v === "string" ? { ok: true, value: v } : fail(path, "string")),
});

export function number({ min = -Infinity } = {}) {
  return {
    kind: "number",
    check(v, path) {
      if (typeof v !== "number") return fail(path, "number");
      return v < min ? fail(path, `>= ${min}`) : { ok: true, value: v };
    },
  };
}

export function object(shape) {
  const keys = Object.keys(shape);
  return {
    kind: "object",
    shape,
    check(v, path) {
      if (typeof v !== "object" || v === null) return fail(path, "object");
      const out = {};
      for (const k of keys) {
        const r = shape[k].check(v[k], path ? `${path}.${k}` : k);
        if (!r.ok) return r;
        out[k] = r.value;
      }
      return { ok: true, value: out };
    },
  };
}
