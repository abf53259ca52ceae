/**
 * Line alignment: for code a compiler produced (Bun.Transpiler strips TypeScript), where each
 * produced line came from in the original ({@linkcode mapLines}), and the insertions that move
 * lines back there ({@linkcode alignLines}), so stack traces keep their line numbers.
 *
 * @module
 */

import type { Insertion } from "./walk_state.ts";

/**
 * Moves lines towards `lines[i]` (the wanted 1-based line of line i, 0 = unknown): adds blank
 * lines before a line that sits too high, and joins a line that sits too low to the previous
 * one, where that cannot change the program: not inside a multi-line literal, not after a line
 * comment, and only after a line that cannot end a statement without `;` (compiler output
 * ends every statement with `;`, so a line break there is never significant), or when the
 * line is blank.
 */
export function alignLines(
  src: string,
  lines: readonly number[],
  multiline: readonly [number, number][],
  out: Insertion[],
): void {
  const starts = [0];
  for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) starts.push(i + 1);
  const ranges = [...multiline].sort((a, b) => a[0] - b[0]);
  let r = 0;
  let shift = 0;
  let lastWanted = lines[0] ?? 0;
  let lastKnown = 0;
  if (lines.length > 0 && lines[0] > 1) {
    out.push({ pos: 0, text: "\n".repeat(lines[0] - 1), opening: true, depth: -Infinity });
    shift = lines[0] - 1;
  }
  for (let i = 1; i < starts.length; i++) {
    const nl = starts[i] - 1; // the line break before line i
    while (r < ranges.length && ranges[r][1] <= nl) r++;
    let inside = false;
    for (let j = r; j < ranges.length && ranges[j][0] <= nl; j++) {
      if (nl < ranges[j][1]) {
        inside = true;
        break;
      }
    }
    if (inside) continue;
    const known = i < lines.length ? lines[i] : 0;
    if (known > 0) {
      lastWanted = known;
      lastKnown = i;
    }
    // A line of unknown origin is taken to follow the last known one.
    const want = known > 0 ? known : lastWanted > 0 ? lastWanted + i - lastKnown : 0;
    const at = i + 1 + shift;
    if (known > at) {
      out.push({ pos: starts[i], text: "\n".repeat(known - at), opening: true, depth: -Infinity });
      shift += known - at;
    } else if (want > 0 && want < at) {
      const end = i + 1 < starts.length ? starts[i + 1] - 1 : src.length;
      const text = src.slice(starts[i], end);
      const first = text.search(/\S/);
      const prevStart = starts[i - 1];
      const prev = src.slice(prevStart, nl).replace(/\r$/, "").trimEnd();
      const blank = first < 0;
      if (!blank && (prev.includes("//") || !/(?:[;{},([):?=&|*%<>!]|\belse)$/.test(prev))) {
        continue;
      }
      const from = src[nl - 1] === "\r" ? nl - 1 : nl;
      out.push({
        pos: from,
        text: " ",
        opening: true,
        depth: -Infinity,
        skipTo: blank ? end : starts[i] + first,
      });
      shift--;
    }
  }
}

interface Token {
  readonly text: string;
  readonly line: number;
}

const ID_START = /[\p{ID_Start}$_0-9]/u;
const ID_PART = /[\p{ID_Continue}$\u200c\u200d]/u;

function isIdStart(c: number, ch: string): boolean {
  if (c < 128) {
    return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 36 ||
      c === 95;
  }
  return ID_START.test(ch);
}

function isIdPart(c: number, ch: string): boolean {
  return c < 128 ? isIdStart(c, ch) : ID_PART.test(ch);
}

/** Identifier, number and string tokens of JavaScript or TypeScript text, with their lines. */
function tokens(src: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 10) {
      line++;
      i++;
    } else if (c === 47 /* / */ && src.charCodeAt(i + 1) === 47) {
      while (i < n && src.charCodeAt(i) !== 10) i++;
    } else if (c === 47 && src.charCodeAt(i + 1) === 42 /* * */) {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      for (; i < stop; i++) if (src.charCodeAt(i) === 10) line++;
    } else if (c === 34 || c === 39 || c === 96 /* " ' ` */) {
      const start = i;
      const startLine = line;
      i++;
      while (i < n && src.charCodeAt(i) !== c) {
        const d = src.charCodeAt(i);
        if (d === 92 /* \\ */) i++;
        else if (d === 10) {
          line++;
          if (c !== 96) break;
        }
        i++;
      }
      i++;
      out.push({ text: `"${src.slice(start + 1, i - 1)}`, line: startLine });
    } else if (
      c === 33 /* ! */ && (src[i + 1] === "0" || src[i + 1] === "1") &&
      !isIdPart(src.charCodeAt(i + 2), src[i + 2] ?? "") && src[i + 2] !== "."
    ) {
      // Compilers print `true`/`false` as `!0`/`!1`.
      out.push({ text: src[i + 1] === "0" ? "true" : "false", line });
      i += 2;
    } else if (isIdStart(c, src[i])) {
      const start = i;
      const numeric = c >= 48 && c <= 57;
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (!(isIdPart(d, src[i]) || (numeric && d === 46 /* . */))) break;
        i++;
      }
      let text = src.slice(start, i);
      if (numeric && /^[0-9][0-9_]*(?:\.[0-9_]*)?(?:e[0-9]+)?$/i.test(text)) {
        text = String(Number(text.replaceAll("_", ""))); // 50_000 and 5e4 alike
      }
      const last = out[out.length - 1];
      if (text === "0" && last?.text === "void" && last.line === line) {
        out[out.length - 1] = { text: "undefined", line }; // `void 0` for `undefined`
      } else {
        out.push({ text, line });
      }
    } else {
      i++;
    }
  }
  return out;
}

/**
 * For text a compiler produced from `original` (Bun.Transpiler strips TypeScript and reprints
 * the code), the original line of each produced line (index 0 = line 1; 0 = unknown), by
 * matching the identifiers, numbers and strings each produced line starts with against the
 * original's, in order. A heuristic: its only use is to keep stack traces close to the
 * original lines ({@linkcode InstrumentOptions.lines}).
 */
export function mapLines(original: string, produced: string): number[] {
  const from = tokens(original);
  const byLine = new Map<number, string[]>();
  for (const t of tokens(produced)) {
    let list = byLine.get(t.line);
    if (list === undefined) byLine.set(t.line, list = []);
    if (list.length < 5) list.push(t.text);
  }
  const lineCount = produced.split("\n").length;
  const result = new Array<number>(lineCount).fill(0);
  let cursor = 0;
  for (let line = 1; line <= lineCount; line++) {
    const want = byLine.get(line);
    if (want === undefined) continue;
    const needed = Math.min(want.length, 3);
    const fromLine = cursor < from.length ? from[cursor].line : Infinity;
    for (let k = cursor; k < from.length && k < cursor + 4000; k++) {
      if (from[k].text !== want[0]) continue;
      let matched = 1;
      let at = k;
      for (let j = 1; j < want.length; j++) {
        for (let m = at + 1; m < from.length && m <= at + 8; m++) {
          if (from[m].text === want[j]) {
            matched++;
            at = m;
            break;
          }
        }
      }
      if (matched < needed) continue;
      // A weak match (few tokens) far ahead is more likely another line that looks alike.
      const distance = from[k].line - fromLine;
      if (distance > (matched >= 4 ? Infinity : matched === 3 ? 60 : 12)) break;
      result[line - 1] = from[k].line;
      cursor = at + 1;
      break;
    }
  }
  return result;
}
