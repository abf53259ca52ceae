/**
 * Groups failures by cause: a signature from the kind and the error with its numbers and
 * quoted parts blanked, so that a thousand cases of one bug print as one line.
 *
 * @module
 */

import type { Failure } from "./runner.ts";

/** The signature of a failure: kind and normalized detail. */
export function signature(f: Failure): string {
  const body = bodyStart(f.hex);
  if (f.kind === "error" && f.form !== "sync" && body === 0x87) {
    // the value of the pickle is a promise: `await loads()` adopts it and throws its reason
    return `error: async load adopts a pickled promise and throws its reason`;
  }
  const detail = f.detail
    .replace(/^(data-only load: )\S+ (has|inherits)/, "$1… $2")
    .replace(/^(non-Error thrown: \w+).*$/, "$1")
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, "'…'")
    .replace(/0x[0-9a-f]+|\d+/gi, "N")
    .replace(/#<[^>]*>/g, "#<…>")
    .slice(0, 160);
  // slowness and memory are a matter of the input's shape: name it
  const shape = /^(slow|hang|memory|crash)$/.test(f.kind) && f.origin?.startsWith("attack:")
    ? ` [${f.origin}]`
    : /^(slow|hang|memory|crash)$/.test(f.kind) && f.origin?.endsWith("+length claim")
    ? " [+length claim]"
    : "";
  const shared = f.form?.endsWith("(shared)") ? " [shared]" : "";
  return `${f.kind}: ${detail}${f.allowCode ? " [allowCode]" : ""}${shared}${shape}`;
}

/** One group of failures sharing a signature; `first` is the shortest reproducer. */
export interface Group {
  signature: string;
  count: number;
  first: Failure;
}

/** Groups failures by signature, each with its shortest reproducer. */
export function group(failures: readonly Failure[]): Group[] {
  const groups = new Map<string, Group>();
  for (const f of failures) {
    const sig = signature(f);
    const g = groups.get(sig);
    if (!g) groups.set(sig, { signature: sig, count: 1, first: f });
    else {
      g.count++;
      if ((f.hex?.length ?? Infinity) < (g.first.hex?.length ?? Infinity)) g.first = f;
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** The first body byte of a pickle given as hex (after magic, version, flags, length). */
function bodyStart(hex: string | undefined): number | undefined {
  if (!hex || hex.length < 14) return undefined;
  let at = 6;
  while (at < 14 && (parseInt(hex.slice(2 * at, 2 * at + 2), 16) & 0x80) !== 0) at++;
  at++;
  const flags = parseInt(hex.slice(10, 12), 16);
  if (flags & 8) return undefined; // module table first
  return parseInt(hex.slice(2 * at, 2 * at + 2), 16);
}
