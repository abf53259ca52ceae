// Run by tests/packages_test.ts from the temporary folder: four Workers started with the
// preload at once import esm-lib (so they race to fill a cold transform cache), build a
// closure there and send it pickled; this thread loads and runs them. Prints JSON.
// Arguments: <mod.ts path> <preload.ts path>.
const { loads } = await import(process.argv[2]);
const url = new URL("./pkg_worker.mjs", import.meta.url).href;
const answers = await Promise.all([1, 2, 3, 4].map((i) =>
  new Promise((resolve, reject) => {
    const w = new Worker(url, { preload: [process.argv[3]] });
    w.onmessage = (e) => {
      resolve(e.data);
      w.terminate();
    };
    w.onerror = (e) => reject(new Error(String(e.message ?? e)));
    w.postMessage({ i, mod: process.argv[2] });
  })
));
const out = [];
for (const a of answers) {
  if (a.error !== undefined) out.push(a.error);
  else out.push((await loads(a.bytes))(10));
}
console.log(JSON.stringify(out));
