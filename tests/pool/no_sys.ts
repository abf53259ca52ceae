// Run by tests/pool_thread_test.ts as `deno run --allow-read --allow-env` (no --allow-sys): what
// a thread pool does without the inspector. Prints JSON.
import { createPool } from "../../pool.ts";
const pool = createPool({ size: 1 });
const out: Record<string, unknown> = {};
out.plain = await pool.submit((a: number, b: number) => a + b, 1, 2);
const k = 5;
try {
  out.closure = await pool.submit((x: number) => x * k, 2);
} catch (e) {
  out.closure = String(e).slice(0, 300);
}
try {
  {
    const f = await pool.submit((s: number) => () => s, 2);
    out.ret = f();
  }
} catch (e) {
  out.ret = String(e).slice(0, 300);
}
await pool.close();
console.log(JSON.stringify(out));
