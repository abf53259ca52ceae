/**
 * Payloads of the speed-target table (bench/targets.ts) that the main table (cases.ts) lacks:
 * records with 10 fields, a string mix, class instances with a method, and messages of fresh
 * arrow functions. Deterministic (seeded PRNG) except for the function nonces, which must differ
 * on every message.
 *
 * @module
 */

import { EPOCH, personFields, pick, prng } from "./cases.ts";

const FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"] as const;
const LAST = ["smith", "jones", "garcia", "miller", "davis", "lopez", "wilson"] as const;
const CITIES = ["Paris", "Berlin", "Lagos", "Lima", "Osaka", "Austin", "Oslo", "Pune"] as const;
const TAGS = ["new", "vip", "beta", "eu", "us", "apac", "trial", "pro", "team"] as const;

/**
 * `count` uniform JSON-compatible records of 10 fields: id, name, email, score, active, tags
 * (two strings), created (epoch milliseconds as a number), age, city, balance.
 */
export function records10(count: number): Record<string, unknown>[] {
  const rand = prng(0xbadcafe);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      ...personFields(rand, i, FIRST, LAST, TAGS),
      created: EPOCH - Math.floor(rand() * 3e10),
      age: 18 + Math.floor(rand() * 60),
      city: pick(rand, CITIES),
      balance: Math.round((rand() - 0.3) * 1e7) / 100,
    });
  }
  return out;
}

const ASCII_WORDS = [
  "lorem",
  "ipsum",
  "dolor",
  "serialize",
  "pickle",
  "closure",
  "runtime",
  "buffer",
  "message",
  "worker",
] as const;
// Non-ASCII words: Latin-1 only (é, ß, ü), and beyond Latin-1 (Cyrillic, Greek, CJK, emoji).
const NON_ASCII_WORDS = [
  "café",
  "naïve",
  "straße",
  "Grüße",
  "привет",
  "мир",
  "ελληνικά",
  "日本語",
  "中文字符",
  "한국어",
  "🚀",
  "👍🏽",
] as const;

function text(rand: () => number, length: number, nonAscii: boolean): string {
  let s = "";
  while (s.length < length) {
    // Non-ASCII strings: about one word in three is non-ASCII (at least one per string).
    const w = nonAscii && (s.length === 0 || rand() < 0.35)
      ? pick(rand, NON_ASCII_WORDS)
      : pick(rand, ASCII_WORDS);
    s += s.length === 0 ? w : " " + w;
  }
  return s;
}

/**
 * The string payload: 40 long strings (2,000-20,000 UTF-16 units) then 10,000 short ones (5-40
 * units); in both groups every second string is non-ASCII.
 */
export function stringMix(): string[] {
  const rand = prng(0x57a1e5);
  const out: string[] = [];
  for (let i = 0; i < 40; i++) {
    out.push(text(rand, 2_000 + Math.floor(rand() * 18_000), i % 2 === 1));
  }
  for (let i = 0; i < 10_000; i++) out.push(text(rand, 5 + Math.floor(rand() * 36), i % 2 === 1));
  return out;
}

/** A class with five fields and a method (not exported: pickled by value, with its source). */
class Order {
  id: number;
  customer: string;
  amount: number;
  quantity: number;
  createdAt: number;
  constructor(id: number, customer: string, amount: number, quantity: number, createdAt: number) {
    this.id = id;
    this.customer = customer;
    this.amount = amount;
    this.quantity = quantity;
    this.createdAt = createdAt;
  }
  total(): number {
    return this.amount * this.quantity;
  }
}

/** `count` instances of one class with five fields and a method `total()`. */
export function classInstances(count: number): object[] {
  const rand = prng(0x0bde4);
  const out: Order[] = [];
  for (let i = 0; i < count; i++) {
    const first = pick(rand, FIRST);
    out.push(
      new Order(
        i,
        `${first}-${i}`,
        Math.round(rand() * 1e5) / 100,
        1 + Math.floor(rand() * 9),
        EPOCH - Math.floor(rand() * 3e10),
      ),
    );
  }
  return out;
}

/** Whether `decoded` looks like a copy of `original` from {@link classInstances} with its method. */
export function checkInstances(original: unknown, decoded: unknown): string | null {
  if (!Array.isArray(original) || !Array.isArray(decoded)) return "not an array";
  if (decoded.length !== original.length) return "length differs";
  for (const i of [0, original.length >> 1, original.length - 1]) {
    const d = decoded[i] as { total?: unknown };
    if (typeof d?.total !== "function") return `[${i}]: prototype lost (no method total)`;
    if ((d.total as () => number)() !== (original[i] as Order).total()) {
      return `[${i}].total() differs`;
    }
  }
  if (Object.getPrototypeOf(decoded[0]) !== Object.getPrototypeOf(decoded[1])) {
    return "instances do not share one prototype";
  }
  return null;
}

/** Number of arrow functions per function message. */
export const FUNCTIONS_PER_MESSAGE = 100;

let nonce = 0;

/**
 * A message of {@link FUNCTIONS_PER_MESSAGE} arrow functions without captures, each with source
 * text never seen before in this process: function `j` is `(x) => x * j + N` with `N` a
 * process-wide counter, so no decode can hit the engine's cache of evaluated sources.
 * `check(decoded)` verifies that a decoded message's functions run with the right results.
 */
export function freshFunctions(): {
  value: ((x: number) => number)[];
  check(decoded: unknown): string | null;
} {
  const base = 1_000_000_000 + nonce;
  nonce += FUNCTIONS_PER_MESSAGE;
  const parts: string[] = [];
  for (let j = 0; j < FUNCTIONS_PER_MESSAGE; j++) parts.push(`(x) => x * ${j} + ${base + j}`);
  const value = new Function(`return [${parts.join(", ")}];`)() as ((x: number) => number)[];
  return {
    value,
    check(decoded) {
      if (!Array.isArray(decoded) || decoded.length !== FUNCTIONS_PER_MESSAGE) {
        return "not an array of the functions";
      }
      for (const j of [0, 1, FUNCTIONS_PER_MESSAGE - 1]) {
        const f = decoded[j];
        if (typeof f !== "function") return `[${j}] is not a function`;
        if (f(2) !== 2 * j + base + j) return `[${j}](2) gives a wrong result`;
      }
      return null;
    },
  };
}
