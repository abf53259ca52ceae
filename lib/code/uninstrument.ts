/**
 * A function's source without the load-time instrumentation of the Bun preload (or of the
 * loader: see `loaded_instrument.ts`). `Function.prototype.toString` of instrumented code
 * shows the scope records and registration calls the transform added; a pickle carries the
 * function's own code only, so it is the same whichever runtime made it, and the loading side
 * instruments again where its runtime needs it.
 *
 * @module
 */

import { parseScript } from "meriyah";
import { PRIVATE_READER_NAMES, RESTORE_FIELD } from "../runtime/private_readers.ts";

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

const REGISTER_CALLS = new Set(["$cp$f", "$cp$n", "$cp$o"]);
const RECORD = /^\$cp\$[a-z]$/;

const cache = new Map<string, string>();
const CACHE_MAX = 512;

/** `source` with the instrumentation left out (the source itself when it has none). */
export function withoutInstrumentation(source: string): string {
  if (!source.includes("$cp$")) return source;
  let out = cache.get(source);
  if (out === undefined) {
    out = strip(source) ?? source;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(source, out);
  }
  return out;
}

function isNode(v: unknown): v is Node {
  return v !== null && typeof v === "object" && typeof (v as Node).type === "string";
}

/** Parses `source` the ways a function's text can be written; the root and its offset. */
function parse(source: string): [Node, number] | undefined {
  const privates = [...new Set(source.match(/#[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*/gu))];
  const wrappers: [string, string][] = [
    ["(", ")"],
    ["({", "})"],
    [`(class{${privates.map((p) => `${p};`).join("")}`, "})"],
  ];
  for (const [open, close] of wrappers) {
    try {
      const program = parseScript(open + source + close, { ranges: true, next: true }) as unknown;
      return [program as Node, open.length];
    } catch {
      // the next form
    }
  }
  return undefined;
}

/** What an instrumentation node becomes: null to drop it, or the node kept in its place. */
function replacement(n: Node): Node | null | undefined {
  if (n.type === "CallExpression" && isNode(n.callee) && n.callee.type === "Identifier") {
    const name = n.callee.name as string;
    if (!REGISTER_CALLS.has(name)) return undefined;
    const args = n.arguments as Node[];
    if (name === "$cp$n") {
      const holder = args[1];
      const prop = isNode(holder) ? (holder.properties as Node[])[0] : undefined;
      return isNode(prop?.value) ? prop.value : undefined;
    }
    return isNode(args[1]) ? args[1] : undefined;
  }
  if (n.type === "FunctionDeclaration" && isNode(n.id) && RECORD.test(n.id.name as string)) {
    return null;
  }
  if (n.type === "VariableDeclaration") {
    const decls = n.declarations as Node[];
    if (decls.every(isRecordDeclarator)) return null;
  }
  if (
    n.type === "PropertyDefinition" && isNode(n.key) && n.key.type === "PrivateIdentifier" &&
    n.key.name === RESTORE_FIELD
  ) {
    return null;
  }
  if (n.type === "StaticBlock") {
    const body = n.body as Node[];
    if (body.length === 1 && body[0].type === "ExpressionStatement") {
      const text = JSON.stringify(body[0].expression);
      if (text.includes('"$cp$k"') || PRIVATE_READER_NAMES.some((m) => text.includes(`"${m}"`))) {
        return null;
      }
    }
  }
  return undefined;
}

/** Expressions a call's place takes as they are (their own precedence is a call's or tighter). */
const TIGHT = new Set([
  "Identifier",
  "Literal",
  "ThisExpression",
  "ArrayExpression",
  "TemplateLiteral",
  "TaggedTemplateExpression",
  "MemberExpression",
  "CallExpression",
  "NewExpression",
]);

/**
 * Places where any expression but a sequence stands without parentheses (`key` of `parent`):
 * an initializer, an argument, an element, a property's value, a returned value, the right
 * side of an assignment, a spread, a template's part.
 */
const LOOSE: Record<string, readonly string[]> = {
  VariableDeclarator: ["init"],
  Property: ["value"],
  PropertyDefinition: ["value"],
  ArrayExpression: ["elements"],
  CallExpression: ["arguments"],
  NewExpression: ["arguments"],
  ReturnStatement: ["argument"],
  AssignmentExpression: ["right"],
  AssignmentPattern: ["right"],
  SpreadElement: ["argument"],
  TemplateLiteral: ["expressions"],
};

/** Whether expression `r`, put where `parent`'s `key` held a call, needs parentheses. */
function needsParentheses(parent: Node, key: string, r: Node): boolean {
  if (TIGHT.has(r.type)) return false;
  if (r.type === "SequenceExpression") return true;
  return !(LOOSE[parent.type]?.includes(key) ?? false);
}

function isRecordDeclarator(d: Node): boolean {
  return isNode(d.id) && d.id.type === "Identifier" && RECORD.test(d.id.name as string);
}

/** A declaration of a record together with other variables. */
function mixesRecords(n: Node): boolean {
  const decls = n.declarations as Node[];
  return decls.length > 1 && decls.some(isRecordDeclarator) && !decls.every(isRecordDeclarator);
}

function strip(source: string): string | undefined {
  const parsed = parse(source);
  if (parsed === undefined) return undefined;
  const [root, offset] = parsed;
  const text = source;
  /** The text of [start, end) (positions in the wrapped text) with the edits inside made. */
  const render = (start: number, end: number, node: Node): string => {
    let out = "";
    let pos = start;
    const visit = (n: Node): void => {
      for (const key in n) {
        if (key === "start" || key === "end") continue;
        const v = n[key];
        const children = Array.isArray(v) ? v : [v];
        for (const c of children) {
          // (A shorthand property's key and value may be one node, or two over one range.)
          if (!isNode(c) || c.end <= pos) continue;
          if (c.type === "VariableDeclaration" && mixesRecords(c)) {
            // Bun prints a record and the declarations after it as one (`const $cp$b = …,
            // shrinks = [];`): the declaration without the record.
            out += text.slice(pos - offset, c.start - offset);
            const kept = (c.declarations as Node[]).filter((d) => !isRecordDeclarator(d));
            out += `${c.kind as string} ` + kept.map((d) => render(d.start, d.end, d)).join(", ");
            if (text[c.end - offset - 1] === ";") out += ";";
            pos = c.end;
            continue;
          }
          const r = replacement(c);
          if (r === undefined) {
            visit(c);
            continue;
          }
          out += text.slice(pos - offset, c.start - offset);
          // The `;` put before the appended restore field goes with it.
          if (r === null && c.type === "PropertyDefinition" && out.endsWith(";")) {
            out = out.slice(0, -1);
          }
          // The wrapper call stood where the object literal's parentheses were (an arrow's
          // body, a statement's start): printed without them, the literal would be a block.
          // A function, class or other loose expression in its place needs them where the
          // call bound tighter: Bun inlines a variable used once into its use, so
          // `M(x)` becomes `$cp$n(…, { M: (B) => … }, "M")(x)`, not `(B) => …(x)`.
          if (r !== null && (r.type === "ObjectExpression" || needsParentheses(n, key, r))) {
            out += `(${render(r.start, r.end, r)})`;
          } else if (r !== null) out += render(r.start, r.end, r);
          pos = c.end;
        }
      }
    };
    visit(node);
    return out + text.slice(pos - offset, end - offset);
  };
  return render(offset, offset + source.length, root);
}
