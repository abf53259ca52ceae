// The far side of a battery in a Worker: answers one message {which, cases} with the answers
// of far.ts.

import { answer } from "./far.ts";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(v: unknown): void;
};
scope.onmessage = async (e: MessageEvent) => {
  const { which, cases } = e.data as { which: string; cases: { name: string; pickle: string }[] };
  scope.postMessage(await answer(which, cases));
};
