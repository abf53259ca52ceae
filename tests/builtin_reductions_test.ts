// Built-ins whose state lives in internal slots but that the runtime makes again from data:
// Headers, the Temporal types, the Intl formatters. They load here and in the other runtime as
// what they were (own properties included), and with allowCode: false when `allow` admits the
// built-in by name.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dumps, loads, PicklingError, UnpicklingError } from "../mod.ts";
import { evalIn } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
// deno-lint-ignore no-explicit-any
const Temporal = (globalThis as any).Temporal;

function values(): Record<string, unknown> {
  const headers = new Headers({ "content-type": "text/plain", "x-a": "1" });
  (headers as unknown as { note: string }).note = "kept";
  const v: Record<string, unknown> = {
    headers,
    nf: new Intl.NumberFormat("de-DE", { style: "currency", currency: "EUR" }),
    dtf: new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", dateStyle: "long" }),
    pr: new Intl.PluralRules("en-US", { type: "ordinal" }),
  };
  if (Temporal !== undefined) {
    v.instant = Temporal.Instant.from("2020-01-02T03:04:05Z");
    v.date = Temporal.PlainDate.from("2021-03-04");
    v.duration = Temporal.Duration.from("PT1H30M");
    v.zoned = Temporal.ZonedDateTime.from("2020-01-01T00:00:00+01:00[Europe/Paris]");
  }
  return v;
}

/** What a copy must show, as source: run here and in the other runtimes alike. */
const OBSERVE = `(x) => JSON.stringify([
  [...x.headers],
  x.headers.note,
  x.headers instanceof Headers,
  x.nf.format(1234.5),
  x.dtf.format(new Date(0)),
  x.pr.select(2),
  ...["instant", "date", "duration", "zoned"].map((k) => x[k] === undefined ? null : String(x[k])),
])`;
const observe = (0, eval)(OBSERVE) as (x: unknown) => string;

describe("built-ins made again from data", () => {
  it("load here and in Deno and Bun as what they were", async () => {
    const v = values();
    const expected = observe(v);
    const bytes = await dumps(v);
    assert.equal(observe(await loads(bytes)), expected);
    const script = `const { loads } = await import(${JSON.stringify(`${root}mod.ts`)});
      const x = await loads(new Uint8Array(Buffer.from(${
      JSON.stringify(Buffer.from(bytes).toString("base64"))
    }, "base64")));
      console.log((${OBSERVE})(x));`;
    for (const runtime of ["deno", "bun-plain"] as const) {
      assert.equal(evalIn(runtime, script), expected, runtime);
    }
  });

  it("with allowCode: false, only when allow admits the built-in", async () => {
    const bytes = await dumps({ h: new Headers({ a: "1" }) });
    await assert.rejects(loads(bytes, { allowCode: false }), UnpicklingError);
    const back = await loads<{ h: Headers }>(bytes, {
      allowCode: false,
      allow: { globals: ["Headers"] },
    });
    assert.deepEqual([...back.h], [["a", "1"]]);
  });

  it("a frozen one, or one with a symbol-keyed property, is refused", async () => {
    const frozen = Object.freeze(new Headers());
    const tagged = Object.assign(new Headers(), { [Symbol("s")]: 1 });
    for (const v of [frozen, tagged]) {
      await assert.rejects(
        dumps(v),
        (e: unknown) => e instanceof PicklingError && /\[reduce\]/.test(e.message),
      );
    }
  });
});
