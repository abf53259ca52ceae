/**
 * The structured form of a disassembled pickle.
 *
 * @module
 */

/** The parsed header of a pickle. */
export interface DisHeader {
  /** Format version byte. */
  version: number;
  /** Flags byte. */
  flags: number;
  /** Readable names of the flags set (`code`, `out-of-band`, `signed`, `modules`). */
  flagNames: string[];
  /** Bytes the header announces after itself (body, then the MAC when signed). */
  announced: number;
  /** Offset of the body. */
  bodyStart: number;
  /** End of the body (where the MAC starts when signed). */
  bodyEnd: number;
  /** Total bytes the header announces, header and MAC included. */
  total: number;
}

/** One entry of the module table (pickles that refer to modules' exports). */
export interface DisModule {
  /** Offset of the entry's string. */
  offset: number;
  /** Index that MODULE and EXPORT tags use. */
  index: number;
  /** The module's portable name (shortened when long). */
  name: string;
}

/** One entry of the code table (pickles made with a code cache). */
export interface DisCodeEntry {
  /** Offset of the entry. */
  offset: number;
  /** Index that FUNCTION_CACHED tags use. */
  index: number;
  /** The definition's SHA-256, in hex. */
  hash: string;
  /** The definition (form, member, source) when the pickle carries it; null: by hash only. */
  definition: string | null;
}

/** One tag of the body. */
export interface DisLine {
  /** Byte offset of the tag from the start of the pickle. */
  offset: number;
  /** Nesting depth: 0 for the pickled value, one more per level of containers. */
  depth: number;
  /**
   * The tag byte; -1 for the lines that open a property list (`PROPS`), a list of private
   * fields (`PRIVATE`), or the values of a scope (`VALUES`), which have no tag byte: their
   * offset is that of their count, or of their first value.
   */
  tag: number;
  /** The tag's name (`SMALL_INT`, `SHORT_STRING`, `ARRAY`, ...). */
  name: string;
  /** What the value is to its container: a key, an index, `scope`, `prototype`... */
  role: string;
  /** The decoded operands, readable (long strings shortened, with their length). */
  operands: string;
  /** The memo id the value takes, that REF tags point back to. */
  memo?: number;
}

/** Where and why a pickle stops making sense. */
export interface DisError {
  /** Byte offset of the problem from the start of the pickle. */
  offset: number;
  /** What is wrong. */
  reason: string;
}

/** A disassembled pickle: what {@linkcode disassemble} returns. */
export interface Disassembly {
  /** Bytes of the input. */
  size: number;
  /** The header, or null when it could not be read. */
  header: DisHeader | null;
  /** The module table (empty without the modules flag). */
  modules: DisModule[];
  /** The code table (empty without the code-cache flag). */
  code: DisCodeEntry[];
  /** One line per tag, in byte order. */
  lines: DisLine[];
  /** The MAC of a signed pickle, in hex (not verified: that needs the key). */
  mac: string | null;
  /** Memo ids given out. */
  memoCount: number;
  /** Object shapes defined. */
  shapeCount: number;
  /** The first problem found, or null for a well-formed pickle. */
  error: DisError | null;
}

/** Options of {@linkcode disassemble} and {@linkcode dis}. */
export interface DisOptions {
  /** Characters of a string or function source shown before it is cut (default 60). */
  maxString?: number;
  /** Longest line of {@linkcode dis}'s text, longer ones are cut with `…` (default 0: none). */
  maxWidth?: number;
}
