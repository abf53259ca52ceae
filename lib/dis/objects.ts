/**
 * The disassembler's reading of built-in objects with operands of their own: errors, buffers,
 * views, blobs and files.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { isNumber } from "./kinds.ts";
import { Disassembler, K_NONE } from "./disassembler.ts";

export function error(w: Disassembler, at: number, depth: number, role: string): number {
  const r = w.r;
  const byte = r.byte();
  const type = byte & ~T.ERROR_HOST;
  const name = T.ERROR_TYPES[type];
  if (name === undefined) r.fail(`unknown error type ${type}`, at);
  let ops = name;
  if (type === T.ERROR_DOM_EXCEPTION) {
    if (byte !== type) r.fail("invalid error type", at);
    ops += ` message=${r.string().shown} name=${r.string().shown}`;
  } else if (byte !== type) {
    ops += ` host=${Disassembler.name(r.string())}`;
  }
  w.memo(w.line(at, depth, T.ERROR, role, ops));
  w.pushProps(depth + 1);
  return T.ERROR;
}

export function buffer(
  w: Disassembler,
  tag: number,
  at: number,
  depth: number,
  role: string,
): number {
  const r = w.r;
  const shared = tag === T.SHARED_ARRAY_BUFFER;
  const flags = r.byte();
  if (flags > (shared ? 1 : 3)) r.fail("invalid buffer flags", at);
  const max = flags & T.BUFFER_RESIZABLE ? r.varint() : -1;
  const len = r.length(1);
  if (max >= 0 && max < len) r.fail("buffer longer than its maximum length", at);
  if (flags & T.BUFFER_DETACHED && len !== 0) r.fail("detached buffer with bytes", at);
  const start = r.skip(len);
  let ops = `length=${len}`;
  if (max >= 0) ops += ` max=${max} ${shared ? "growable" : "resizable"}`;
  if (flags & T.BUFFER_DETACHED) ops += " detached";
  if (len > 0) ops += ` ${r.hex(start, len)}`;
  w.memo(w.line(at, depth, tag, role, ops));
  return tag;
}

export function view(w: Disassembler, at: number, depth: number, role: string): number {
  const r = w.r;
  const kind = r.byte();
  const flags = r.byte();
  if (flags > 1) r.fail("invalid view flags", at);
  const name = T.VIEW_TYPES[kind];
  if (name === undefined) r.fail(`unknown view type ${kind}`, at);
  const l = w.line(at, depth, T.VIEW, role, name);
  w.memo(l);
  const k = w.inlineValue(depth + 1, "buffer");
  if (k !== T.ARRAY_BUFFER && k !== T.SHARED_ARRAY_BUFFER && k !== T.OOB_BUFFER) {
    r.fail("view over something that is not a buffer", at);
  }
  const offset = r.varint();
  l.operands += ` byteOffset=${offset}`;
  if (flags & T.VIEW_LENGTH_TRACKING) l.operands += " length-tracking";
  else l.operands += ` length=${r.varint()}`;
  return T.VIEW;
}

export function blob(
  w: Disassembler,
  tag: number,
  at: number,
  depth: number,
  role: string,
): number {
  const r = w.r;
  const isFile = tag === T.FILE;
  let ops = isFile ? `name=${r.string().shown} ` : "";
  ops += `type=${r.string().shown}`;
  const l = w.line(at, depth, tag, role, ops);
  if (isFile) {
    const k = w.inlineValue(depth + 1, "lastModified");
    if (k !== K_NONE && !isNumber(k)) r.fail("invalid File lastModified", at);
  }
  const n = r.length(1);
  const start = r.skip(n);
  l.operands += ` size=${n}${n > 0 ? " " + r.hex(start, n) : ""}`;
  w.memo(l);
  return tag;
}
