/**
 * The report as text: the tree of the value (one line per node, with its bytes and why it
 * travels as it does), then the shared scopes, the buffers, the module table and the largest
 * contributors. Made from the plain report alone, so a report parsed back from JSON prints
 * the same.
 *
 * @module
 */

import type { ExplainNode, Explanation } from "./types.ts";

/** `n` bytes with thousands separators, and KiB or MiB from 1024 bytes. */
export function formatBytes(n: number): string {
  const exact = `${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",")} B`;
  if (n < 1024) return exact;
  const [size, unit] = n < 1024 * 1024 ? [n / 1024, "KiB"] : [n / (1024 * 1024), "MiB"];
  return `${exact} (${size.toFixed(1)} ${unit})`;
}

/** One line of the tree for `n` (without its prefix). */
function line(n: ExplainNode): string {
  const size = formatBytes(n.bytes);
  switch (n.kind) {
    case "root":
      return `root: ${n.value}, ${size}` + (n.why === undefined ? "" : `, ${travelText(n)}`);
    case "function":
    case "class": {
      const name = n.name === "" ? `(anonymous ${n.kind})` : `${n.kind} ${n.name}`;
      return `${n.path}: ${name}, ${size}, ${travelText(n)}${scopesText(n)}`;
    }
    case "variable":
      return `${n.name}: ${n.value}, ${size}, captured` +
        (n.scope === undefined ? "" : ` in scope #${n.scope}`) +
        (n.from === undefined ? "" : ` from ${fromText(n.from)}`) +
        (n.why === undefined ? "" : `, ${travelText(n)}`);
    case "item":
      return `${n.name}: ${n.value}, ${size}` + (n.why === undefined ? "" : `, ${travelText(n)}`);
    case "reference":
      return `${n.path}: ${n.value}, ${size}, ${travelText(n)}`;
  }
}

/** A function's scopes and a class's instances, if any. */
function scopesText(n: ExplainNode): string {
  let text = "";
  if (n.scopes !== undefined) text += `; captures scope ${n.scopes.map((s) => `#${s}`).join(", ")}`;
  if (n.instances !== undefined) {
    text += `; ${n.instances} instance${n.instances === 1 ? "" : "s"}`;
  }
  return text;
}

function travelText(n: ExplainNode): string {
  const how = n.travel === "value"
    ? "by value"
    : n.travel === "reference"
    ? "by reference"
    : n.travel === "back-reference"
    ? "back-reference"
    : "as a call";
  return `${how}: ${n.why}`;
}

function fromText(from: NonNullable<ExplainNode["from"]>): string {
  switch (from) {
    case "scope":
      return "its closure's scope";
    case "closure()":
      return "closure() captures";
    case "global":
      return "a global user code defined";
    case "parent class":
      return "its class's parent (extends)";
    case "loaded":
      return "a scope an earlier load rebuilt";
  }
}

/** The tree's lines, depth first, with box-drawing prefixes (no recursion). */
function treeLines(root: ExplainNode): string[] {
  const out: string[] = [];
  // A function pickled alone is the root: one line for both.
  const only = root.children.length === 1 ? root.children[0] : undefined;
  if (only !== undefined && only.path === "root" && root.selfBytes === 0) root = only;
  const stack: { n: ExplainNode; prefix: string; last: boolean; top: boolean }[] = [
    { n: root, prefix: "", last: true, top: true },
  ];
  while (stack.length > 0) {
    const { n, prefix, last, top } = stack.pop()!;
    // A variable or property holding a function (or a reference): one line for both.
    const inside = n.children.length === 1 ? n.children[0] : undefined;
    const merge = inside !== undefined && inside.path === n.path && n.selfBytes === 0 &&
      (n.kind === "variable" || n.kind === "item") && inside.why !== undefined;
    let text = line(n);
    if (merge) text += `; ${travelText(inside)}${scopesText(inside)}`;
    out.push(top ? text : `${prefix}${last ? "└─ " : "├─ "}${text}`);
    const inner = top ? "" : prefix + (last ? "   " : "│  ");
    const children = merge ? inside.children : n.children;
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push({
        n: children[i],
        prefix: inner,
        last: i === children.length - 1,
        top: false,
      });
    }
  }
  return out;
}

/**
 * The report as text: the tree of what travels, each node with its bytes and why it travels
 * as it does, then the shared scopes, the buffers, the module table and the largest
 * contributors.
 *
 * @example Print what a closure takes along
 * ```ts
 * import { explain, formatExplanation } from "@cloudpickle/cloudpickle/explain";
 * import assert from "node:assert/strict";
 *
 * const table = new Array(1000).fill(7);
 * const lookup = (i: number) => table[i];
 * const text = formatExplanation(await explain(lookup));
 * assert.match(text, /function lookup/);
 * assert.match(text, /table: Array\(1000\)/);
 * console.log(text);
 * ```
 */
export function formatExplanation(e: Explanation): string {
  const lines: string[] = [
    `pickle: ${formatBytes(e.bytes)} (${formatBytes(e.overheadBytes)} of header and ` +
    `module table), made on ${e.runtime}`,
    ...treeLines(e.root),
  ];
  const shared = e.scopes.filter((s) => s.shared);
  if (shared.length > 0) {
    lines.push("", "shared scopes (the functions share them after loading too):");
    for (const s of shared) {
      const vars = s.variables.map((v) => v.name).join(", ") || "no variables";
      lines.push(
        `  #${s.id} (${vars}; ${formatBytes(s.bytes)}) shared by ${s.functions.join(", ")}`,
      );
    }
  }
  if (e.buffers.length > 0) {
    lines.push("", "buffers bufferCallback was asked about:");
    for (const b of e.buffers) {
      lines.push(
        `  ${b.path}: ${formatBytes(b.byteLength)}, ` +
          (b.outOfBand ? `out of band #${b.index} (not in the pickle)` : "in band"),
      );
    }
  }
  if (e.modules.length > 0) {
    lines.push("", "module table (imported by the loading side):");
    for (const m of e.modules) {
      const uses = m.uses.map((u) => `${u.export === "" ? "namespace" : u.export} (${u.path})`);
      lines.push(`  ${m.module}: ${uses.join(", ")}`);
    }
  }
  if (e.largest.length > 0) {
    lines.push("", "largest contributors (bytes of their own):");
    for (const c of e.largest) {
      lines.push(`  ${formatBytes(c.selfBytes)}  ${c.path}: ${c.value}`);
    }
  }
  return lines.join("\n");
}
