// What a test can compare of an error across runtimes: its class, the properties it shows
// (own or through its prototype), its text and its cause.
const KEYS = [
  "name",
  "message",
  "stack",
  "code",
  "errno",
  "syscall",
  "path",
  "specifier",
  "referrer",
  "importKind",
  "level",
  "line",
  "column",
  "extra",
];

/** The nearest standard error class of `e` (Error, TypeError, …, or DOMException). */
export function standardBase(e: object): string {
  const g = globalThis as unknown as Record<string, { prototype: object } | undefined>;
  const names = [
    "DOMException",
    "TypeError",
    "RangeError",
    "SyntaxError",
    "ReferenceError",
    "EvalError",
    "URIError",
    "AggregateError",
    "Error",
  ];
  for (let p = Object.getPrototypeOf(e); p !== null; p = Object.getPrototypeOf(p)) {
    for (const n of names) if (g[n]?.prototype === p) return n;
  }
  return "none";
}

export type Described = Record<string, unknown>;

export function describeError(e: unknown, depth = 0): Described {
  if (e === null || typeof e !== "object") return { value: String(e) };
  const x = e as Record<string, unknown>;
  const d: Described = {
    ctor: (x.constructor as { name?: string } | undefined)?.name,
    base: standardBase(x),
    isError: e instanceof Error,
    isDOMException: e instanceof DOMException,
  };
  for (const k of KEYS) {
    let v: unknown;
    try {
      v = x[k];
    } catch {
      v = "<throws>";
    }
    if (v !== undefined) d[k] = v;
  }
  try {
    d.string = String(e);
  } catch (err) {
    d.string = `<String() throws ${err}>`;
  }
  if (x.cause !== undefined && depth < 3) d.cause = describeError(x.cause, depth + 1);
  return d;
}
