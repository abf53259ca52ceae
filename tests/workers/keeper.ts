// A long-lived Worker: keeps every value it is sent, and answers each message by running a
// check (a pickled function) over everything its session sent so far. Never defines the classes it receives. A null
// message is answered "ready" once the Worker runs.
import { dumps, loads } from "../../mod.ts";

type Check = (held: unknown[]) => unknown;
/** What each session (a test) sent, in order. */
const sessions = new Map<string, unknown[]>();
const self = globalThis as unknown as {
  onmessage:
    | ((e: MessageEvent<{ session: string; bytes: Uint8Array; check: Uint8Array } | null>) => void)
    | null;
  postMessage(m: unknown): void;
};

self.onmessage = async (e) => {
  if (e.data === null) return self.postMessage("ready");
  try {
    let held = sessions.get(e.data.session);
    if (held === undefined) sessions.set(e.data.session, held = []);
    held.push(await loads(e.data.bytes));
    const check = await loads<Check>(e.data.check);
    const result = check(held);
    self.postMessage({ result, again: await dumps(held.at(-1)) });
  } catch (err) {
    self.postMessage({ error: String((err as Error)?.stack ?? err) });
  }
};
