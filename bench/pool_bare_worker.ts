// The bare pipeline's Worker for bench/pool.ts: one task per message, a fixed function.
// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
scope.onmessage = (e: MessageEvent<{ i: number; x: number }>) => {
  const { i, x } = e.data;
  scope.postMessage({ i, r: x * 2 + 1 });
};
scope.postMessage("ready");
