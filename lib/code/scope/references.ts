/**
 * The references of one function's source, in the {@linkcode LexicalScope} model: every name
 * it uses with the scope it is used in, and what else its evaluation needs from outside
 * (`this`, `arguments`, `super`, `import.meta`, private names, `with`). Free variables are the
 * references no scope of the function declares ({@linkcode freeVariables}).
 *
 * @module
 */

import type { ESTree } from "meriyah";
import {
  declarePattern,
  type DeclaringPattern,
  hoistBody,
  hoistLexicalDeclarations,
} from "./declare.ts";
import {
  type AnyNode,
  declare,
  forEachChild,
  isNode,
  LexicalScope,
  type NameReference,
} from "./model.ts";
import { declaringScope } from "./resolve.ts";

/**
 * A static member read on a name (`X.p`, `X?.p`, `X["p"]`, and `X.prototype.p`): the name,
 * the scope it is used in, and the keys (`[p]` or `["prototype", p]`).
 */
export interface MemberRead extends NameReference {
  readonly keys: readonly string[];
}

/** A call of a method by name (see {@linkcode ReferenceCollector.methodCalls}). */
export interface MethodCall {
  /** The method's name. */
  readonly name: string;
  /** The receiver's name when it is a name (`x` of `x.p()`), else "". */
  readonly receiver: string;
  /** The scope of the call. */
  readonly scope: LexicalScope;
}

/** A use of a name found by {@linkcode ReferenceCollector}. */
export interface CollectedReference extends NameReference {
  /** Used only as `typeof name`, or inside a `with` body: absent is allowed. */
  readonly typeofOnly: boolean;
}

/** Walks a function's AST: declares its scopes' names and collects its references. */
export class ReferenceCollector {
  /** Every use of a name, in source order. */
  readonly refs: CollectedReference[] = [];
  /** `this` (or `super`) used outside any non-arrow function of the source. */
  topThis = false;
  /** Where those `this` are (offsets in the parsed text; not `super`). */
  readonly topThisAt: number[] = [];
  /** `arguments` used outside any non-arrow function of the source. */
  topArguments = false;
  /**
   * The fewest non-arrow functions `super` is used inside of (Infinity: not used). The top
   * function's own `super` needs its home object; one inside a method or class the source
   * defines has that method's or class's, made again when the source is evaluated.
   */
  superDepth = Infinity;
  /** Private names used or declared (`#x`). */
  readonly privateNames: Set<string> = new Set();
  /** A `with` statement is used (sloppy-mode code). */
  usesWith = false;
  /** `import.meta` is used. */
  usesImportMeta = false;
  /** `eval(…)` is called directly: its code may read any variable in scope. */
  usesDirectEval = false;
  /** Static member reads on names (see {@linkcode MemberRead}), in source order. */
  readonly memberReads: MemberRead[] = [];
  /**
   * Calls of methods by name: `x.p()`, `x?.p()`, `x["p"]()`, and `p` in `x.p.call()`; with the
   * receiver's name when it is a name (`x`), and the scope of the call.
   */
  readonly methodCalls: MethodCall[] = [];
  /** Depth of `with` statement bodies entered: names there may be the object's properties. */
  private withDepth = 0;
  /** Depth of non-arrow functions entered (0 = the top function's own level for arrows). */
  private fnDepth = 0;

  /** Visits `node` (and what it contains) as code running in `scope`. */
  visit(node: ESTree.Node, scope: LexicalScope): void {
    switch (node.type) {
      case "Identifier":
        this.ref(node.name, scope, false);
        return;
      case "ThisExpression":
        if (this.fnDepth === 0) {
          this.topThis = true;
          this.topThisAt.push((node as { start?: number }).start ?? -1);
        }
        return;
      case "Super":
        if (this.fnDepth < this.superDepth) this.superDepth = this.fnDepth;
        if (this.fnDepth === 0) this.topThis = true;
        return;
      case "MetaProperty":
        if (node.meta.name === "import") this.usesImportMeta = true;
        return;
      case "PrivateIdentifier":
        this.privateNames.add(node.name);
        return;
      case "WithStatement":
        this.usesWith = true;
        this.visit(node.object, scope);
        this.withDepth++;
        this.visit(node.body, scope);
        this.withDepth--;
        return;
      case "UnaryExpression":
        if (node.operator === "typeof" && node.argument.type === "Identifier") {
          this.ref(node.argument.name, scope, true);
          return;
        }
        break;
      case "MemberExpression": {
        const key = staticKey(node);
        if (key !== undefined) this.memberRead(node.object, key, scope);
        this.visit(node.object, scope);
        if (node.computed || node.property.type === "PrivateIdentifier") {
          this.visit(node.property, scope);
        }
        return;
      }
      case "CallExpression":
        if (node.callee.type === "MemberExpression") this.methodCall(node.callee, scope);
        else if (
          node.callee.type === "Identifier" && node.callee.name === "eval" &&
          declaringScope("eval", scope) === null
        ) {
          this.usesDirectEval = true;
        }
        break;
      case "Property":
        if (node.computed) this.visit(node.key, scope);
        this.visit(node.value, scope);
        return;
      case "MethodDefinition":
      case "PropertyDefinition":
      case "AccessorProperty":
        if (isNode(node.key) && (node.computed || node.key.type === "PrivateIdentifier")) {
          this.visit(node.key, scope);
        }
        if (isNode(node.value)) {
          if (node.type === "MethodDefinition") this.visit(node.value, scope);
          else this.fieldInitializer(node.value, scope);
        }
        return;
      case "StaticBlock": {
        const s = new LexicalScope("Static", scope);
        this.fnDepth++;
        hoistBody(node.body, s);
        for (const st of node.body) this.visit(st, s);
        this.fnDepth--;
        return;
      }
      case "LabeledStatement":
        this.visit(node.body, scope);
        return;
      case "BreakStatement":
      case "ContinueStatement":
        return;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        this.func(node, scope);
        return;
      case "ClassDeclaration":
      case "ClassExpression":
        this.klass(node, scope);
        return;
      case "BlockStatement": {
        const s = new LexicalScope("Block", scope);
        hoistLexicalDeclarations(node.body, s);
        for (const st of node.body) this.visit(st, s);
        return;
      }
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement": {
        const s = new LexicalScope("Loop", scope);
        const head = node.type === "ForStatement" ? node.init : node.left;
        if (isNode(head) && head.type === "VariableDeclaration" && head.kind !== "var") {
          for (const d of head.declarations) declarePattern(d.id, s);
        }
        forEachChild(node, visitIn, this, s);
        return;
      }
      case "SwitchStatement": {
        this.visit(node.discriminant, scope);
        const s = new LexicalScope("Switch", scope);
        for (const c of node.cases) hoistLexicalDeclarations(c.consequent, s);
        for (const c of node.cases) {
          if (isNode(c.test)) this.visit(c.test, s);
          for (const st of c.consequent) this.visit(st, s);
        }
        return;
      }
      case "CatchClause": {
        const s = new LexicalScope("Catch", scope);
        if (isNode(node.param)) {
          declarePattern(node.param, s);
          this.patternDefaults(node.param, s);
        }
        this.visit(node.body, s);
        return;
      }
      case "VariableDeclaration":
        for (const d of node.declarations) {
          this.patternDefaults(d.id, scope);
          if (isNode(d.init)) this.visit(d.init, scope);
        }
        return;
    }
    forEachChild(node, visitIn, this, scope);
  }

  /** Records a use of `name` in `scope`. */
  private ref(name: string, scope: LexicalScope, typeofOnly: boolean): void {
    if (name === "arguments") {
      if (this.fnDepth === 0) this.topArguments = true;
      if (this.fnDepth > 0 || declaringScope("arguments", scope) !== null) return;
    }
    this.refs.push({ name, scope, typeofOnly: typeofOnly || this.withDepth > 0 });
  }

  /** Records `X.key` and `X.prototype.key` (X a name). */
  private memberRead(object: ESTree.Node, key: string, scope: LexicalScope): void {
    if (object.type === "Identifier") {
      this.memberReads.push({ name: object.name, scope, keys: [key] });
    } else if (
      object.type === "MemberExpression" && object.object.type === "Identifier" &&
      staticKey(object) === "prototype"
    ) {
      this.memberReads.push({ name: object.object.name, scope, keys: ["prototype", key] });
    }
  }

  /** Records the method name of a call `x.p()` (and `p` of `x.p.call()`). */
  private methodCall(callee: ESTree.MemberExpression, scope: LexicalScope): void {
    const key = staticKey(callee);
    if (key === undefined) return;
    const o = callee.object;
    this.methodCalls.push({ name: key, receiver: o.type === "Identifier" ? o.name : "", scope });
    if ((key === "call" || key === "apply" || key === "bind") && o.type === "MemberExpression") {
      const inner = staticKey(o);
      const r = o.object.type === "Identifier" ? o.object.name : "";
      if (inner !== undefined) this.methodCalls.push({ name: inner, receiver: r, scope });
    }
  }

  /** Visits a class field initializer, which runs as a method of the instance. */
  private fieldInitializer(value: ESTree.Node, scope: LexicalScope): void {
    // A field initializer runs as a method: its `this` is the instance.
    const s = new LexicalScope("Function", scope);
    this.fnDepth++;
    this.visit(value, s);
    this.fnDepth--;
  }

  /** Visits a function: its parameters scope, then its body scope. */
  private func(
    node: ESTree.FunctionDeclaration | ESTree.FunctionExpression | ESTree.ArrowFunctionExpression,
    scope: LexicalScope,
  ): void {
    const arrow = node.type === "ArrowFunctionExpression";
    // Parameters (and the name of a named function expression, and `arguments`) in a scope
    // of their own: default values do not see the body's declarations.
    const params = new LexicalScope("Params", scope);
    if (node.type === "FunctionExpression" && isNode(node.id)) declare(params, node.id.name);
    if (!arrow) declare(params, "arguments");
    for (const p of node.params) declarePattern(p, params);
    if (!arrow) this.fnDepth++;
    for (const p of node.params) this.patternDefaults(p, params);
    const body = node.body;
    const s = new LexicalScope("Function", params);
    if (isNode(body) && body.type === "BlockStatement") {
      hoistBody(body.body, s);
      for (const st of body.body) this.visit(st, s);
    } else if (isNode(body)) {
      this.visit(body, s);
    }
    if (!arrow) this.fnDepth--;
  }

  /** Visits a class: its class scope (its own name) holds heritage and body. */
  private klass(node: ESTree.ClassDeclaration | ESTree.ClassExpression, scope: LexicalScope): void {
    // The class's own name is visible in its heritage and its body (a class scope).
    const s = new LexicalScope("Class", scope);
    if (isNode(node.id)) declare(s, node.id.name);
    if (isNode(node.superClass)) this.visit(node.superClass, s);
    for (const m of node.body.body) this.visit(m, s);
  }

  /** Visits what a binding pattern evaluates: defaults and computed keys. */
  patternDefaults(p: DeclaringPattern, scope: LexicalScope): void {
    switch (p.type) {
      case "ObjectPattern":
        for (const prop of p.properties) {
          if (prop.type === "RestElement") {
            this.patternDefaults(prop.argument, scope);
          } else {
            if (prop.computed) this.visit(prop.key, scope);
            this.patternDefaults(prop.value as DeclaringPattern, scope);
          }
        }
        return;
      case "ArrayPattern":
        for (const el of p.elements) if (el) this.patternDefaults(el, scope);
        return;
      case "AssignmentPattern":
        this.patternDefaults(p.left, scope);
        if (isNode(p.right)) this.visit(p.right, scope);
        return;
      case "RestElement":
        this.patternDefaults(p.argument, scope);
        return;
    }
  }
}

/** The key of `x.p` or `x["p"]`; undefined for computed keys and private names. */
function staticKey(node: ESTree.MemberExpression): string | undefined {
  const p = node.property;
  if (!node.computed) return p.type === "Identifier" ? p.name : undefined;
  return p.type === "Literal" && typeof p.value === "string" ? p.value : undefined;
}

function visitIn(c: ReferenceCollector, node: AnyNode, scope: LexicalScope): void {
  c.visit(node, scope);
}

/** What {@linkcode freeVariables} found. */
export interface FreeVariables {
  /** Free variables in order of first use. */
  readonly free: string[];
  /** Those used only as `typeof x` or inside a `with` body. */
  readonly optional: Set<string>;
}

/** The references no scope declares, in order of first use. */
export function freeVariables(refs: readonly CollectedReference[]): FreeVariables {
  const free: string[] = [];
  const optional = new Set<string>();
  const required = new Set<string>();
  for (const ref of refs) {
    if (declaringScope(ref.name, ref.scope) !== null) continue;
    if (!required.has(ref.name) && !optional.has(ref.name)) free.push(ref.name);
    if (ref.typeofOnly) {
      if (!required.has(ref.name)) optional.add(ref.name);
    } else {
      required.add(ref.name);
      optional.delete(ref.name);
    }
  }
  return { free, optional };
}
