/**
 * The report of {@linkcode explain}: plain data (JSON.stringify gives all of it, and
 * {@linkcode formatExplanation} prints the same from a parsed copy).
 *
 * @module
 */

import type { DumpOptions } from "../pickle/options.ts";

/** Options of {@linkcode explain}: those of `dumps`, and how many largest contributors to list. */
export interface ExplainOptions extends DumpOptions {
  /** How many parts of the value to list as the largest contributors (default 10). */
  top?: number;
}

/**
 * How a function, class or object travels: `"value"` (its source and captured variables
 * are in the pickle), `"reference"` (the loading side finds it again by name),
 * `"back-reference"` (the same value as one written earlier in the pickle), or `"call"`
 * (rebuilt by calling a function: a bound function, or a `reducerOverride`).
 */
export type Travel = "value" | "reference" | "back-reference" | "call";

/**
 * Why a function, class or object travels as it does. By reference: `"builtin"` (a built-in
 * of the runtime, by its path from globalThis), `"node-builtin"` (an export of a Node
 * built-in module), `"npm"` (an export of an npm package), `"module"` (an export of another
 * module, named relative to the module root or by URL). By value: `"entry-module"`,
 * `"registered"` (registerPickleByValue covers its module), `"by-value-option"`
 * (`DumpOptions.byValue` covers it), `"no-module-name"` (its module has no name to import it
 * by), `"closure-helper"` (exported by no module, captures given with closure()),
 * `"global"` (a global that user code defined, as in a REPL), `"loaded"` (loaded from a
 * pickle), `"not-exported"` (exported by no loaded module: a closure or a local function;
 * where V8's inspector shows it, `why` names the module that defines it).
 * Otherwise `"bound"`, `"reducer"`, or `"seen"` (a back-reference).
 */
export type Reason =
  | "builtin"
  | "node-builtin"
  | "npm"
  | "module"
  | "entry-module"
  | "registered"
  | "by-value-option"
  | "no-module-name"
  | "closure-helper"
  | "global"
  | "loaded"
  | "not-exported"
  | "bound"
  | "reducer"
  | "seen";

/**
 * Where a captured variable's value was taken from: `"scope"` (the closure's scope, read by
 * the runtime), `"closure()"` (the captures given with closure()), `"global"` (a global that
 * user code defined), `"parent class"` (the class's `extends` parent), `"loaded"` (a scope
 * rebuilt by an earlier load).
 */
export type CaptureSource = "scope" | "closure()" | "global" | "parent class" | "loaded";

/**
 * What a node of the tree stands for: the value pickled (`"root"`), a function or a class,
 * a captured variable, a direct child of the root value (`"item"`: a property, an element,
 * a Map entry…), or an object written by reference (`"reference"`: a module namespace, a
 * built-in module's exports, a global object such as `Math`).
 */
export type NodeKind = "root" | "function" | "class" | "variable" | "item" | "reference";

/** One node of the tree: a part of the value, what it takes in the pickle, and why. */
export interface ExplainNode {
  /** What the node stands for. */
  kind: NodeKind;
  /** Its name: the function's or class's, the variable's, the property's path segment. */
  name: string;
  /** Its path in the value, as errors name it: `root.handler<captured big>`. */
  path: string;
  /** What the value is: `Array(1000)`, `number`, `Map(3)`, `class Point`. */
  value: string;
  /** Bytes the pickle spends on it, its children included. */
  bytes: number;
  /** Bytes it takes without its children in the tree (its own share). */
  selfBytes: number;
  /** Functions, classes and references: how it travels. */
  travel?: Travel;
  /** Functions, classes and references: why it travels so. */
  reason?: Reason;
  /** The reason as a sentence. */
  why?: string;
  /** By reference: the module as the pickle names it (`npm:lodash-es@4.18.1/lodash.js`). */
  module?: string;
  /** By reference: the export's path in the module, or the built-in's path (`Math.max`). */
  export?: string;
  /** Functions and classes by value: the scopes of their captured variables, innermost first. */
  scopes?: number[];
  /** Variables: the scope that holds them. */
  scope?: number;
  /** Variables: where the value was taken from. */
  from?: CaptureSource;
  /** Classes: how many instances in the pickle have their prototype as theirs. */
  instances?: number;
  /** The parts inside it that the tree shows. */
  children: ExplainNode[];
}

/** A function or class of the pickle (the flat list of the tree's function and class nodes). */
export interface ExplainedFunction {
  /** Its path in the value. */
  path: string;
  /** Its name ("" for an anonymous function). */
  name: string;
  /** `"function"` or `"class"`. */
  kind: "function" | "class";
  /** How it travels. */
  travel: Travel;
  /** Why. */
  reason: Reason;
  /** Bytes, with its captured variables. */
  bytes: number;
  /** By reference: the module. */
  module?: string;
  /** By reference: the export or built-in path. */
  export?: string;
}

/** A captured scope: the variables one scope holds, and the functions that close over it. */
export interface ExplainedScope {
  /** Its number in the report (`scope #1`). */
  id: number;
  /** Its variables in the pickle, with the bytes each takes. */
  variables: { name: string; bytes: number; from: CaptureSource }[];
  /** The paths of the functions and classes that close over it. */
  functions: string[];
  /** True when several functions close over it (they share it after loading too). */
  shared: boolean;
  /** The enclosing scope in the pickle, if any. */
  parent?: number;
  /** Bytes its variables take. */
  bytes: number;
}

/** An ArrayBuffer that `bufferCallback` was asked about. */
export interface ExplainedBuffer {
  /** True when it goes out of band (not in the pickle: pass it to `loads` in `buffers`). */
  outOfBand: boolean;
  /** Its index among the out-of-band buffers; -1 in band. */
  index: number;
  /** Its length in bytes. */
  byteLength: number;
  /** Where it is in the value. */
  path: string;
}

/** An entry of the pickle's module table: a module the loading side imports. */
export interface ExplainedModule {
  /** The module as the pickle names it. */
  module: string;
  /** What the pickle takes from it: export paths (`""` for its namespace), with where. */
  uses: { export: string; path: string }[];
}

/** A part of the value that takes many bytes of its own. */
export interface Contributor {
  /** Its path in the value. */
  path: string;
  /** What kind of node it is. */
  kind: NodeKind;
  /** Its name. */
  name: string;
  /** What the value is. */
  value: string;
  /** The bytes of its own (without the parts listed separately). */
  selfBytes: number;
  /** Its bytes with everything inside it. */
  bytes: number;
}

/** What {@linkcode explain} reports: what travels in the pickle of a value, and why. */
export interface Explanation {
  /** The runtime that made the report (`Deno 2.9.6`, `Bun 1.4.5`). */
  runtime: string;
  /** Length of the pickle `dumps` makes of the value with these options. */
  bytes: number;
  /** Bytes of the pickle's header and module table (the rest is the tree's). */
  overheadBytes: number;
  /** The tree of the value. */
  root: ExplainNode;
  /** Every function and class, in the order the pickle meets them. */
  functions: ExplainedFunction[];
  /** Captured scopes. */
  scopes: ExplainedScope[];
  /** Buffers `bufferCallback` was asked about. */
  buffers: ExplainedBuffer[];
  /** The module table. */
  modules: ExplainedModule[];
  /** The parts with the most bytes of their own, largest first. */
  largest: Contributor[];
}
