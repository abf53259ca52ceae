/**
 * Groups failures by cause: a signature from the kind and the error with its numbers and
 * quoted parts blanked, so that a thousand cases of one bug print as one line.
 *
 * @module
 */

import type { Failure } from "./runner.ts";

/** The signature of a failure: kind and normalized detail. */
export function signature(f: Failure): string {
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
