/**
 * The text form of a disassembly, like Python's `pickletools.dis`.
 *
 * @module
 */

import type { Disassembly, DisOptions } from "./types.ts";
import { disassemble } from "./disassemble.ts";

/** Indentation stops growing at this depth (the depth column still shows it). */
const MAX_INDENT = 32;

/**
 * The text of a disassembly: the header, the module table, one line per tag (offset, depth,
 * indented role and tag name, operands, memo id), the MAC, and the error if any.
 */
export function render(d: Disassembly, options: DisOptions = {}): string {
  const asked = options.maxWidth ?? 0;
  const width = Number.isFinite(asked) ? Math.max(0, Math.floor(asked)) : 0;
  const out: string[] = [];
  const cut = (s: string) => width > 0 && s.length > width ? s.slice(0, width - 1) + "…" : s;
  const w = String(d.size).length;
  const off = (n: number) => String(n).padStart(w);
  const h = d.header;
  if (h !== null) {
    const flags = h.flagNames.length > 0 ? ` (${h.flagNames.join(", ")})` : "";
    out.push(
      cut(
        `${off(0)}: HEADER version ${h.version}, flags 0x${
          h.flags.toString(16).padStart(2, "0")
        }${flags}, body ${h.bodyStart}..${h.bodyEnd}`,
      ),
    );
  }
  for (const m of d.modules) out.push(cut(`${off(m.offset)}: MODULE_TABLE [${m.index}] ${m.name}`));
  for (const c of d.code) {
    out.push(cut(
      `${off(c.offset)}: CODE_TABLE [${c.index}] sha256=${c.hash} ` +
        (c.definition === null ? "cached" : c.definition),
    ));
  }
  // Each line is one concatenation of parts made once (indents, depth columns, paddings).
  const indents: string[] = [];
  for (let i = 0; i <= MAX_INDENT; i++) indents.push(" ".repeat(1 + 2 * i));
  const depths: string[] = [];
  for (let i = 0; i < 100; i++) depths.push(String(i).padStart(2));
  const pads: string[] = [];
  for (let i = 0; i <= w; i++) pads.push(" ".repeat(i));
  for (const l of d.lines) {
    const o = String(l.offset);
    let line = pads[Math.max(0, w - o.length)] + o + ": " +
      (l.depth < 100 ? depths[l.depth] : String(l.depth)) + indents[Math.min(l.depth, MAX_INDENT)];
    if (l.role !== "") line += l.role + ": ";
    line += l.name;
    if (l.operands !== "") line += " " + l.operands;
    if (l.memo !== undefined) line += "  =" + l.memo;
    out.push(width > 0 ? cut(line) : line);
  }
  if (d.mac !== null && h !== null) out.push(cut(`${off(h.bodyEnd)}: MAC hmac-sha256 ${d.mac}`));
  if (d.error !== null) out.push(cut(`${off(d.error.offset)}: ERROR ${d.error.reason}`));
  else if (h !== null) {
    let tags = 0;
    for (const l of d.lines) if (l.tag >= 0) tags++;
    const end = `${off(h.total)}: END ${count(tags, "tag")}, ${count(d.memoCount, "memo id")}, `;
    out.push(cut(end + count(d.shapeCount, "shape")));
  }
  return out.join("\n") + "\n";
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

/** Disassembles and renders `bytes` (see {@linkcode disassemble} and {@linkcode render}). */
export function dis(
  bytes: Uint8Array | ArrayBufferView | ArrayBuffer | SharedArrayBuffer,
  options: DisOptions = {},
): string {
  return render(disassemble(bytes, options), options);
}
