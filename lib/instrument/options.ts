/**
 * Options and result of the Bun load-time transform ({@linkcode instrument} in
 * `instrument.ts`).
 *
 * @module
 */

/** Options of {@linkcode instrument}. */
export interface InstrumentOptions {
  /**
   * "module": an ES module (strict). "script": a script or CommonJS module (sloppy unless it
   * says "use strict"; top-level `return` allowed). Default: parse as a module, else as a
   * script.
   */
  sourceType?: "module" | "script";
  /** Parse JSX. */
  jsx?: boolean;
  /**
   * The module's file path. Used to name an anonymous `export default function` the way Bun
   * does (`<file base name>_default`), which gives it a binding to register it by.
   */
  path?: string;
  /**
   * A name a previous compiler gave an anonymous `export default function` (Bun.Transpiler
   * names it "input_default"); it is renamed like an anonymous one.
   */
  defaultName?: string;
  /**
   * For source produced by a compiler: the line (1-based, 0 = unknown) of the original file
   * each line of `source` came from (see {@linkcode mapLines}). Blank lines are added where
   * that is safe so that lines sit at least that far down, as they did in the original.
   */
  lines?: readonly number[];
}

/** What {@linkcode instrument} produced. */
export interface InstrumentResult {
  /** The instrumented source (the input itself when nothing needed instrumenting). */
  readonly code: string;
  /** How the source was parsed. */
  readonly sourceType: "module" | "script";
  /** Number of scopes that got a record. */
  readonly records: number;
  /** Number of places that register functions, classes or objects. */
  readonly sites: number;
  /**
   * The module is CommonJS as Bun sees it: no ES module syntax (import/export, `import.meta`,
   * top-level `await`) and it uses `module`, `exports` or `require`.
   */
  readonly commonjs: boolean;
  /**
   * The specifiers this module imports statically (`import`, `export … from`) and by
   * `import("literal")`, in order of appearance, without duplicates.
   */
  readonly imports: readonly string[];
}
