/**
 * The disassembler's code tags: functions by value with their scope records and class
 * definition values, class instances, prototypes, and code by reference (modules, exports).
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { FORM_NAMES, MEMBER_NAMES } from "./names.ts";
import { Disassembler, F_DEFINE, F_OBJECT, F_SCOPE, MAX_INLINE } from "./disassembler.ts";

const FORM_CLASS = 3;
/** Longest export path the loader accepts. */
const MAX_EXPORT_PATH = 64;
/** Deepest chain of scopes the loader accepts. */
const MAX_SCOPE_DEPTH = 1000;

/** Reads a code tag (or fails on an unknown tag); returns its effective tag. */
export function codeValue(
  w: Disassembler,
  tag: number,
  at: number,
  depth: number,
  role: string,
): number {
  const r = w.r;
  switch (tag) {
    case T.FUNCTION:
    case T.FUNCTION_CACHED:
      return func(w, at, depth, role, tag);
    case T.SCOPE:
      scopeChain(w, depth, role, at);
      return T.SCOPE;
    case T.MODULE: {
      const index = r.varint();
      const name = moduleName(w, index, at);
      w.memo(w.line(at, depth, tag, role, `modules[${index}] ${name}`));
      return tag;
    }
    case T.EXPORT: {
      const index = r.varint();
      const name = moduleName(w, index, at);
      const n = r.varint();
      if (n === 0 || n > MAX_EXPORT_PATH) r.fail("invalid export path length", at);
      const path: string[] = [];
      for (let i = 0; i < n; i++) path.push(Disassembler.name(r.string()));
      w.memo(w.line(at, depth, tag, role, `modules[${index}] ${name} export ${path.join(".")}`));
      return tag;
    }
    case T.INSTANCE: {
      w.memo(w.line(at, depth, tag, role));
      w.pushPrivate(depth + 1, "");
      w.pushProps(depth + 1);
      const k = w.inlineValue(depth + 1, "prototype");
      if (k !== T.NULL && !isObject(k)) r.fail("an instance's prototype is not an object", at);
      return tag;
    }
    case T.INSTANCE_NEW_SHAPE: {
      const { keys, summary } = r.shapeKeys();
      const n = keys.length;
      const id = w.instanceShapes.length;
      w.memo(w.line(at, depth, tag, role, `instance shape ${id} keys=${n} {${summary}}`));
      // The values are read after the prototype's own contents.
      if (n > 0) w.push(F_OBJECT, n, depth + 1, keys);
      const k = w.inlineValue(depth + 1, "prototype");
      if (!isObject(k)) r.fail("an instance's prototype is not an object", at);
      w.instanceShapes.push({ keys, nullProto: false, summary });
      return tag;
    }
    case T.INSTANCE_SHAPED: {
      const id = r.varint();
      const shape = w.instanceShapes[id];
      if (shape === undefined) r.fail(`unknown instance shape ${id}`, at);
      w.memo(w.line(at, depth, tag, role, `instance shape ${id} {${shape.summary}}`));
      if (shape.keys.length > 0) w.push(F_OBJECT, shape.keys.length, depth + 1, shape.keys);
      return tag;
    }
    case T.PROTOTYPE_OF:
      w.memo(w.line(at, depth, tag, role));
      w.inlineValue(depth + 1, "function");
      return tag;
    case T.SET_PROTO: {
      w.line(at, depth, tag, role);
      const p = w.inlineValue(depth + 1, "prototype");
      if (p !== T.NULL && !isObject(p)) {
        r.fail("SET_PROTO with a prototype that is not an object", at);
      }
      const next = r.peek();
      if (next === T.REF || next === T.REDUCE || next === T.SET_PROTO) {
        r.fail("SET_PROTO on a value that cannot take it", at);
      }
      const k = w.inlineValue(depth + 1, "object");
      if (!isObject(k)) r.fail("SET_PROTO on a value that is not an object", at);
      return k;
    }
    case T.PROTOTYPES: {
      const flags = r.byte();
      if (flags === 0 || flags > (T.PROTOTYPES_OWN | T.PROTOTYPES_OF_PROTOTYPE)) {
        r.fail("invalid PROTOTYPES flags", at);
      }
      const which = [];
      if (flags & T.PROTOTYPES_OWN) which.push("own");
      if (flags & T.PROTOTYPES_OF_PROTOTYPE) which.push("of prototype");
      w.line(at, depth, tag, role, which.join(", "));
      if (flags & T.PROTOTYPES_OWN) w.inlineValue(depth + 1, "[[Prototype]]");
      if (flags & T.PROTOTYPES_OF_PROTOTYPE) w.inlineValue(depth + 1, "prototype's [[Prototype]]");
      if (r.peek() !== T.FUNCTION && r.peek() !== T.FUNCTION_CACHED) {
        r.fail("PROTOTYPES must be followed by a function", at);
      }
      return w.inlineValue(depth + 1, "function");
    }
    default:
      return r.fail(`unknown tag 0x${tag.toString(16).padStart(2, "0")}`, at);
  }
}

/** Whether a value of effective tag `k` is an object or a function (not a primitive). */
function isObject(k: number): boolean {
  return k > T.REF && k !== T.LATIN1 || k === -1;
}

function moduleName(w: Disassembler, index: number, at: number): string {
  const m = w.modules[index];
  if (m === undefined) w.r.fail("module index past the module table", at);
  return m.name;
}

/**
 * FUNCTION: form, member, source, [class id], scope, [class definition values], then its
 * property list, its prototype's, [a class's static private values], then the values of the
 * scopes it opened.
 */
function func(w: Disassembler, at: number, depth: number, role: string, tag: number): number {
  const r = w.r;
  const form = r.byte();
  const member = r.byte();
  if (form >= FORM_NAMES.length || member > 2) r.fail("invalid function form", at);
  let source: string;
  if (tag === T.FUNCTION) source = `source=${r.string().shown}`;
  else {
    const i = r.varint();
    if (i >= w.code.length) r.fail("code table index past the code table", at);
    source = `code[${i}]`;
  }
  let ops = FORM_NAMES[form] + (member > 0 ? ` ${MEMBER_NAMES[member]}` : "");
  if (form === FORM_CLASS) ops += ` id=${Disassembler.name(r.string())}`;
  ops += ` ${source}`;
  const l = w.line(at, depth, tag, role, ops);
  w.memo(l);
  const next = r.peek();
  if (next === T.NULL) {
    w.value(depth + 1, "scope");
  } else if (next === T.SCOPE) {
    r.pos++;
    scopeChain(w, depth + 1, "scope", r.pos - 1);
  } else if (next === T.REF) {
    if (w.value(depth + 1, "scope") !== T.SCOPE) r.fail("expected a scope", at);
  } else {
    r.fail("expected a scope", at);
  }
  if (form === FORM_CLASS) definitions(w, l, at, depth + 1);
  if (form === FORM_CLASS) w.pushPrivate(depth + 1, "static");
  w.pushProps(depth + 1, "prototype");
  w.pushProps(depth + 1, "own");
  return T.FUNCTION;
}

/**
 * What a scope's names are: variables, or paths from globalThis where the values are installed
 * on load (lib/code/global_members.ts).
 */
function scopeNoun(names: readonly string[], n: number): string {
  if (n > 0 && names[0].includes(".")) return n === 1 ? "install" : "installs";
  return n === 1 ? "variable" : "variables";
}

/**
 * A SCOPE tag (already read at `first`) and its parents:
 * names, then the parent scope (SCOPE, REF or NULL); the values of each scope are read later,
 * the innermost scope's first. Read in a loop: a chain costs no call stack.
 */
function scopeChain(w: Disassembler, depth: number, role: string, first: number): void {
  const r = w.r;
  const opened: { names: string[]; depth: number; id: number }[] = [];
  let at = first;
  let d = depth;
  let rl = role;
  for (;;) {
    if (opened.length >= MAX_SCOPE_DEPTH) r.fail("captured scopes nested too deep", at);
    const n = r.length(1);
    const names: string[] = new Array(n);
    let shown = "";
    for (let i = 0; i < n; i++) {
      const raw = r.string();
      // A variable in its temporal dead zone (lib/code/scope_read.ts): named so.
      const head = raw.head;
      names[i] = raw.whole && /^[\p{L}\p{N}_$]+!$/u.test(head)
        ? `${head.slice(0, -1)} (uninitialized)`
        : Disassembler.name(raw);
      if (shown.length < r.max) shown += (i > 0 ? ", " : "") + names[i];
    }
    if (shown.length > r.max) shown = shown.slice(0, r.max) + "…";
    const id = w.memo(
      w.line(at, d, T.SCOPE, rl, `${n} ${scopeNoun(names, n)} [${shown}]`),
    );
    opened.push({ names, depth: d + 1, id });
    const next = r.peek();
    d++;
    rl = "parent";
    if (next === T.SCOPE) {
      at = r.pos++;
      continue;
    }
    if (next === T.NULL) w.value(d, rl);
    else if (next === T.REF) {
      if (w.value(d, rl) !== T.SCOPE) r.fail("expected a scope", at);
    } else r.fail("expected a scope", at);
    break;
  }
  for (let i = opened.length - 1; i >= 0; i--) {
    const s = opened[i];
    if (s.names.length > 0) w.push(F_SCOPE, s.names.length, s.depth, s.names, String(s.id));
  }
}

/**
 * The values a class's definition reads: varint n, n names, n × (mode, value). A value read
 * whole is read with everything it holds before the next; one that only needs to exist has its
 * contents read later, as the loader does.
 */
function definitions(w: Disassembler, l: { operands: string }, at: number, depth: number): void {
  const r = w.r;
  const n = r.length(2);
  if (n === 0) return;
  const names: string[] = new Array(n);
  for (let i = 0; i < n; i++) names[i] = Disassembler.name(r.string());
  l.operands += ` definitions=[${names.join(", ").slice(0, r.max)}]`;
  for (let i = 0; i < n; i++) {
    const mode = r.byte();
    if (mode === T.DEFINITION_WHOLE) {
      // A nested walk takes more of the call stack than an operand: it counts for four.
      if ((w.inline += 4) > MAX_INLINE) r.fail(`operands nested deeper than ${MAX_INLINE} levels`);
      const level = w.frames.length;
      w.push(F_DEFINE, 1, depth, [`definition ${names[i]} (whole)`]);
      w.run(level);
      w.inline -= 4;
    } else if (mode === T.DEFINITION_EXISTS) {
      w.inlineValue(depth, `definition ${names[i]}`);
    } else {
      r.fail("invalid class definition value mode", at);
    }
  }
}
