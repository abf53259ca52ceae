// Strings of every kind, made the same way in every runtime (tests/unicode_strings_test.ts,
// and tests/cross/strings_hop.ts, which pickles them in one runtime and loads them in another).

/** The kinds of text: by the widest code units they hold. */
export const KINDS = ["ascii", "latin1", "bmp", "cjk", "astral", "mixed", "lone"] as const;
export type Kind = (typeof KINDS)[number];

const CYRILLIC_GREEK = "приветмирαβγδεζηθ";
const CJK = "日本語中文字符한국어";
const ASTRAL = ["\uD83D\uDE80", "\uD83D\uDC4D", "\uD801\uDC37", "\uD83E\uDDEA"];
const LONE = ["\uD800", "\uDBFF", "\uDC00", "\uDFFF"];

/** A deterministic string of exactly `n` code units of `kind`. */
export function textOf(kind: Kind, n: number, seed: number): string {
  let s = "";
  let x = seed * 2654435761 + 12345;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x;
  };
  while (s.length < n) {
    const r = next();
    let u: string;
    switch (kind) {
      case "ascii":
        u = String.fromCharCode(32 + (r % 95));
        break;
      case "latin1":
        u = String.fromCharCode(r % 3 === 0 ? 32 + (r % 95) : 0x80 + (r % 128));
        break;
      case "bmp":
        u = r % 4 === 0 ? " " : CYRILLIC_GREEK[r % CYRILLIC_GREEK.length];
        break;
      case "cjk":
        u = CJK[r % CJK.length];
        break;
      case "astral":
        u = n - s.length >= 2 ? ASTRAL[r % ASTRAL.length] : "a";
        break;
      case "mixed":
        u = r % 29 === 0
          ? CJK[r % CJK.length]
          : r % 31 === 0 && n - s.length >= 2
          ? ASTRAL[r % ASTRAL.length]
          : r % 7 === 0
          ? "é"
          : String.fromCharCode(97 + (r % 26));
        break;
      case "lone":
        u = r % 13 === 0 ? LONE[r % LONE.length] : r % 3 === 0 ? CJK[r % CJK.length] : "z";
        break;
    }
    s += u;
  }
  return s;
}

/** Strings of every kind and many lengths (short, around the limits, long). */
export function stringsOfAllKinds(): string[] {
  const out: string[] = [];
  const lengths = [0, 1, 2, 3, 21, 31, 32, 33, 42, 63, 64, 65, 100, 255, 256, 300, 1025, 9000];
  for (const kind of KINDS) {
    for (const n of lengths) {
      for (let seed = 0; seed < 12; seed++) out.push(textOf(kind, n, seed * 31 + n));
    }
  }
  return out;
}
