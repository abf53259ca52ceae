/**
 * Splicing: the insertions the walk's results call for (records at scope starts, wrappers
 * around registered functions, static blocks in classes, the name of an anonymous default
 * export), and applying them to the source text. Insertions never add line breaks, so lines
 * keep their numbers.
 *
 * @module
 */

import {
  privateReaderBlock,
  REGISTER,
  REGISTER_CLASS,
  REGISTER_NAMED,
  REGISTER_OBJECT,
  restoreFieldSource,
} from "./emitted_names.ts";
import { nameRecords, recordDeclaration, recordExpression } from "./records.ts";
import { arrowBodyStart, functionNamePosition } from "./text.ts";
import { type ClassNode, type Insertion, SCOPE_START, type Walk } from "./walk_state.ts";

/** The insertions that make the records and register the sites the walk found. */
export function insertionsOf(w: Walk): { insertions: Insertion[]; records: number; sites: number } {
  const out: Insertion[] = [];
  let sites = 0;
  for (const pc of w.privateClasses) {
    const restorable = pc.restorable;
    out.push({
      pos: pc.body.start! + 1,
      text: privateReaderBlock(pc.fields, pc.statics, restorable),
      opening: true,
      depth: SCOPE_START,
    });
    // The last field, so that instances can be rebuilt with their private fields here too
    // (an instance of this class sent back by a worker, or imported by reference).
    if (restorable) {
      out.push({
        pos: pc.body.end! - 1,
        text: ";" + restoreFieldSource(pc.fields),
        opening: false,
        depth: SCOPE_START,
      });
    }
  }
  const records = nameRecords(w.scopes);
  // Scope starts: records and registrations of hoisted function declarations.
  for (const s of w.scopes) {
    if (!s.recordable || s.at < 0) continue;
    let text = s.record !== "" ? recordDeclaration(s) : "";
    for (const d of s.fnDecls) {
      if (d.free.size === 0) continue;
      const rec = recordExpression(d);
      if (rec === null) continue;
      const reg = `${REGISTER}(${rec},${d.name});`;
      sites++;
      if (s.kind === "Switch") {
        out.push({ pos: d.node.end!, text: ";" + reg, opening: false, depth: SCOPE_START });
      } else {
        text += reg;
      }
    }
    if (text === "") continue;
    if (s.arrow !== null) {
      const arrow = s.arrow;
      const pos = arrowBodyStart(w.src, arrow);
      out.push({ pos, text: `{${text}return (`, opening: true, depth: s.depth });
      out.push({ pos: arrow.end!, text: ")}", opening: false, depth: s.depth });
    } else if (s.synthEnd >= 0) {
      out.push({ pos: s.at, text: `{${text}`, opening: true, depth: s.depth });
      out.push({ pos: s.synthEnd, text: "}", opening: false, depth: s.depth });
    } else {
      out.push({
        pos: s.at,
        text: (s.semi ? ";" : "") + text,
        opening: true,
        depth: SCOPE_START,
      });
    }
  }
  // Functions, classes and object literals.
  for (const site of w.sites) {
    if (site.kind === "fn") {
      if (site.free.size === 0) continue;
      const rec = recordExpression(site);
      if (rec === null) continue;
      sites++;
      const n = site.node;
      let open: string;
      let close: string;
      if (site.name !== undefined) {
        const key = JSON.stringify(site.name);
        const prop = site.name === "__proto__" ? `[${key}]` : key;
        open = `${REGISTER_NAMED}(${rec},{${prop}:`;
        close = `},${key})`;
      } else {
        open = `${REGISTER}(${rec},`;
        close = ")";
      }
      if (site.newCallee) {
        open = "(" + open;
        close += ")";
      }
      out.push({ pos: n.start!, text: open, opening: true, depth: site.depth });
      out.push({ pos: n.end!, text: close, opening: false, depth: site.depth });
    } else if (site.kind === "class") {
      const rec = site.free.size === 0 ? null : recordExpression(site);
      if (rec === null) {
        // Nothing captured, but a member reads the class's own name: registered without a
        // record, so that the pickler knows which class that name is.
        if (site.ownName === true) {
          sites++;
          out.push({
            pos: (site.node as ClassNode).body.start! + 1,
            text: `static{${REGISTER_CLASS}(null,this);}`,
            opening: true,
            depth: SCOPE_START,
          });
        }
        continue;
      }
      sites++;
      const pos = (site.node as ClassNode).body.start! + 1;
      out.push({
        pos,
        text: `static{${REGISTER_CLASS}(${rec},this);}`,
        opening: true,
        depth: SCOPE_START,
      });
    } else if (site.kind === "object") {
      const members = site.members!.filter((m) => m.free.size > 0);
      if (members.length === 0) continue;
      const rec = recordExpression(site);
      if (rec === null) continue;
      sites++;
      const specs = members.map((m) => `"${m.spec![0]}",${JSON.stringify(m.spec!.slice(1))}`)
        .join(",");
      const n = site.node;
      out.push({
        pos: n.start!,
        text: `${REGISTER_OBJECT}(${rec},`,
        opening: true,
        depth: site.depth,
      });
      out.push({ pos: n.end!, text: `,${specs})`, opening: false, depth: site.depth });
    }
  }
  if (w.defaultRename !== undefined) {
    // Named the way Bun names it anyway, so that it has a binding to register it by.
    const { node, name, replace } = w.defaultRename;
    if (replace) {
      const id = node.id!;
      out.push({ pos: id.start!, text: name, opening: true, depth: Infinity, skipTo: id.end! });
    } else {
      const pos = functionNamePosition(w.src, node);
      out.push({ pos, text: ` ${name}`, opening: true, depth: Infinity });
    }
  }
  return { insertions: out, records, sites };
}

/**
 * Applies insertions to `source`: in position order; at one position closings before
 * openings, outer openings first and inner closings first.
 */
export function splice(source: string, insertions: Insertion[]): string {
  insertions.sort((a, b) => {
    if (a.pos !== b.pos) return a.pos - b.pos;
    if (a.opening !== b.opening) return a.opening ? 1 : -1;
    return a.opening ? a.depth - b.depth : b.depth - a.depth;
  });
  let out = "";
  let last = 0;
  for (const ins of insertions) {
    if (ins.pos > last) out += source.slice(last, ins.pos);
    out += ins.text;
    last = Math.max(last, ins.skipTo ?? ins.pos);
  }
  return out + source.slice(last);
}
