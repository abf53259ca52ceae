// Signed pickles between processes. `produce KEY`: prints a pickle signed with KEY (hex) as
// base64. `consume KEY,KEY...`: reads a base64 pickle from stdin, loads it with those keys
// (in shared memory, data only) and prints one JSON line: the value, or the error's name and
// message.
import process from "node:process";
import { dumps, loads } from "../../mod.ts";

const hex = (s: string) => new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));
const [mode, keys] = process.argv.slice(2);

if (mode === "produce") {
  const signed = await dumps({ role: "user!", at: new Date(0), tags: new Set(["a"]) }, {
    signingKey: hex(keys),
  });
  console.log(btoa(String.fromCharCode(...signed)));
} else {
  const chunks: Uint8Array[] = [];
  for await (const c of process.stdin) chunks.push(c as Uint8Array);
  const text = new TextDecoder().decode(
    new Uint8Array(chunks.flatMap((c) => Array.from(c))),
  ).trim();
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
  shared.set(bytes);
  try {
    const v = await loads<{ role: string; at: Date; tags: Set<string> }>(shared, {
      signingKey: keys.split(",").map(hex),
      allowCode: false,
    });
    console.log(JSON.stringify({ role: v.role, at: v.at.getTime(), tags: [...v.tags] }));
  } catch (e) {
    console.log(JSON.stringify({ error: (e as Error).name, message: (e as Error).message }));
  }
}
