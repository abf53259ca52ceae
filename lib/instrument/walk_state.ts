/**
 * The state of one transform run: the scopes of the module (the shared
 * {@linkcode LexicalScope} model, with what the transform adds to each: where its record goes,
 * which captured variables it exposes), the sites that register closures, the references to
 * resolve, and what else the walk learns about the module.
 *
 * @module
 */

import type { ESTree } from "meriyah";
import type { Binding, LexicalScopeKind } from "../code/scope/model.ts";
import { isNode as isAnyNode, LexicalScope } from "../code/scope/model.ts";
import type { InstrumentOptions } from "./options.ts";

/** A node of meriyah's ESTree output (parsed with `ranges: true`: `start`/`end` are set). */
export type N = ESTree.Node;

/** A function: declaration, expression or arrow. */
export type FunctionNode =
  | ESTree.FunctionDeclaration
  | ESTree.FunctionExpression
  | ESTree.ArrowFunctionExpression;

/** A class: declaration or expression. */
export type ClassNode = ESTree.ClassDeclaration | ESTree.ClassExpression;

/** True for a node (not null, not a missing child). */
export const isNode = isAnyNode as (v: unknown) => v is N;

/** A lexical scope as the transform sees it: the shared model plus its record's placement. */
export class InstrumentScope extends LexicalScope {
  declare readonly parent: InstrumentScope | null;
  /** Captured variables this scope's record exposes. */
  readonly hosted: Map<string, Binding> = new Map();
  /** Function declarations hoisted here, registered when the scope starts. */
  readonly fnDecls: Site[] = [];
  /** Leaving this scope outward leaves a function or class. */
  boundary = false;
  /** The site whose free variables grow when a reference leaves through this boundary. */
  site: Site | null = null;
  /** Binding name of this scope's record ("" when it has none). */
  record = "";
  /** Where the record goes; -1: nowhere possible. */
  at = -1;
  /** Put ";" before the record (it follows a directive). */
  semi = false;
  /** A single-statement loop body: wrap it in braces, closing at this position. */
  synthEnd = -1;
  /** An arrow function with an expression body: turned into a block body if needed. */
  arrow: ESTree.ArrowFunctionExpression | null = null;
  /** AST depth of the node that owns the scope (orders insertions). */
  depth = 0;

  constructor(
    kind: LexicalScopeKind,
    parent: InstrumentScope | null,
    readonly strict: boolean,
    /** A statement can run at the start of every instance of the scope. */
    readonly recordable: boolean,
  ) {
    super(kind, parent);
  }
}

/** What a site registers: a function expression, a hoisted declaration, a class, an object. */
export type SiteKind = "fn" | "decl" | "class" | "object" | "member" | "none";

/** A place that creates a function, class or object literal with methods. */
export interface Site {
  kind: SiteKind;
  node: N;
  /** Scope the function/class/object is created in. */
  scope: InstrumentScope;
  /** Free variables declared in this module → the scope that declares them. */
  free: Map<string, InstrumentScope>;
  /** The name to give an anonymous function (name inference from its binding). */
  name?: string;
  /** Callee of `new`: needs parentheses around the wrapper. */
  newCallee?: boolean;
  /** Object literal: its registered members. */
  members?: Site[];
  /** Member of an object literal: its spec ("m"/"g"/"s" + key). */
  spec?: string;
  /** Owner of a member (object literal) or of a method (class). */
  owner?: Site;
  /** Class: a function in its body reads the name the class binds inside it. */
  ownName?: boolean;
  /** AST depth. */
  depth: number;
}

/** A use of a name. */
export interface Ref {
  readonly name: string;
  readonly scope: InstrumentScope;
  /** An assignment to the variable. */
  readonly write: boolean;
}

/** Text to insert into the source (see `splice.ts`). */
export interface Insertion {
  readonly pos: number;
  readonly text: string;
  readonly opening: boolean;
  readonly depth: number;
  /** Replace the source up to here (renaming an identifier). */
  readonly skipTo?: number;
}

/** Depth of insertions at scope starts: before any wrapper opening at the same place. */
export const SCOPE_START = -Number.MAX_VALUE;

/** Everything one walk of a module collects. */
export class Walk {
  readonly refs: Ref[] = [];
  readonly scopes: InstrumentScope[] = [];
  readonly sites: Site[] = [];
  /** Classes declaring private fields: a static block registers a reader for them. */
  readonly privateClasses: {
    body: ESTree.ClassBody;
    fields: string[];
    statics: string[];
    /** Gets the restore field (see restoreFieldSource). */
    restorable: boolean;
  }[] = [];
  /** ES module syntax seen: import/export, `import.meta`, top-level `await`. */
  moduleSyntax = false;
  /** `module`, `exports` or `require` used as globals (set by `resolveCaptures`). */
  usesCommonJs = false;
  /** Sources of `import("literal")` expressions. */
  readonly dynamicImports: string[] = [];
  /** Depth of functions being walked (0: top level). */
  fnDepth = 0;
  /** Ranges inside which a line break must not be added (multi-line literals). */
  readonly multiline: [number, number][] = [];
  /** AST depth of the node being walked. */
  depth = 0;
  /** An anonymous `export default function` to name (see InstrumentOptions.path). */
  defaultRename: { node: ESTree.FunctionDeclaration; name: string; replace: boolean } | undefined;
  /** `import()` calls, with their depth. */
  readonly imports: [ESTree.ImportExpression, number][] = [];

  constructor(readonly src: string, readonly options: InstrumentOptions) {}
}

/** Opens a scope of the module. */
export function openScope(
  w: Walk,
  kind: LexicalScopeKind,
  parent: InstrumentScope | null,
  strict: boolean,
  recordable: boolean,
): InstrumentScope {
  const s = new InstrumentScope(kind, parent, strict, recordable);
  s.depth = w.depth;
  w.scopes.push(s);
  return s;
}

/** Adds a site (sites of kind "none" are walked but never registered). */
export function addSite(w: Walk, kind: SiteKind, node: N, scope: InstrumentScope): Site {
  const s: Site = { kind, node, scope, free: new Map(), depth: w.depth };
  if (kind !== "none") w.sites.push(s);
  return s;
}
