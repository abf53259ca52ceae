// Entry of a pool's thread workers. Plain JavaScript that imports the TypeScript worker
// code through a computed specifier, so `deno test` does not type-check the library again
// for every Worker it starts.
const main = "./thread_main.ts";
await import(new URL(main, import.meta.url).href);
