// A long-lived Worker for instance shapes: loads each message with the sync form
// (`loadsSync`), keeps what each session sent, and answers with a check (a pickled function)
// run over everything that session sent so far. It never defines the classes it receives. A
// null message is answered "ready".
import { loadsSync } from "../../mod.ts";

type Check = (held: unknown[]) => unknown;
const sessions = new Map<string, unknown[]>();
const self = globalThis as unknown as {
  onmessage:
    | ((e: MessageEvent<{ session: string; bytes: Uint8Array; check: Uint8Array } | null>) => void)
    | null;
  postMessage(m: unknown): void;
};

self.onmessage = (e) => {
  if (e.data === null) return self.postMessage("ready");
  try {
    let held = sessions.get(e.data.session);
    if (held === undefined) sessions.set(e.data.session, held = []);
    held.push(loadsSync(e.data.bytes));
    const check = loadsSync<Check>(e.data.check);
    self.postMessage({ result: check(held) });
  } catch (err) {
    self.postMessage({ error: String((err as Error)?.stack ?? err) });
  }
};
