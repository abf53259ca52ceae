/**
 * Benchmark case data builders.
 *
 * Every builder is deterministic (seeded PRNG, fixed epoch) so that sizes and
 * timings are comparable between runs and between runtimes.
 *
 * @module
 */

/** Value features a peer may or may not be able to represent. */
export type Feature =
  | "date"
  | "map"
  | "set"
  | "cycle"
  | "shared"
  | "bigint"
  | "typedarray"
  | "undefined";

/** One benchmark case: a value plus a description of what it contains. */
export interface BenchCase {
  /** Short id used on the command line (`--case=rpc`). */
  readonly id: string;
  /** Label printed in the table. */
  readonly label: string;
  /** One-line description printed in the case legend. */
  readonly description: string;
  /** Which non-JSON features the value uses. Empty means JSON-compatible. */
  readonly features: ReadonlySet<Feature>;
  /**
   * Build the value to serialize. Called once per case right before it is
   * measured (and the value dropped afterwards) so that earlier cases do not
   * inflate the live heap, and GC cost, of later ones.
   */
  build(): unknown;
  /** Whether the value is a Float64Array to compare against a plain copy. */
  readonly copyBaseline?: boolean;
}

/** Small deterministic PRNG (mulberry32). Returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The instant record dates are spread back from. */
export const EPOCH = Date.UTC(2024, 0, 15, 12, 0, 0);

/** One of `items`, chosen by `rand`. */
export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

// ---------------------------------------------------------------------------
// (1) small RPC message

function rpcMessage(withDate: boolean): Record<string, unknown> {
  return {
    jsonrpc: "2.0",
    id: 42017,
    method: "user.updateProfile",
    params: {
      userId: "u_8f3a2c91",
      displayName: "Ada Lovelace",
      age: 36,
      score: 98.25,
      verified: true,
      roles: ["admin", "editor"],
      prefs: { theme: "dark", notifications: false, langs: ["en", "fr"] },
      matrix: [[1, 2], [3, 4]],
    },
    meta: {
      traceId: "3f9c0d1e-77aa-4b2c-9e41-0c5d2f6a8b10",
      sentAt: withDate ? new Date(EPOCH) : EPOCH,
      retries: 0,
    },
    auth: null,
  };
}

// ---------------------------------------------------------------------------
// (2) 10k uniform records

const FIRST = [
  "alice",
  "bob",
  "carol",
  "dave",
  "erin",
  "frank",
  "grace",
  "heidi",
  "ivan",
  "judy",
] as const;
const LAST = [
  "smith",
  "jones",
  "garcia",
  "miller",
  "davis",
  "lopez",
  "wilson",
  "moore",
] as const;
const TAGS = [
  "new",
  "vip",
  "beta",
  "eu",
  "us",
  "apac",
  "trial",
  "pro",
  "team",
] as const;

/**
 * The six fields every record payload starts with (id, name, email, score, active, tags),
 * drawn from `rand` in a fixed order so that payloads stay the same from run to run.
 */
export function personFields(
  rand: () => number,
  i: number,
  firstNames: readonly string[],
  lastNames: readonly string[],
  tags: readonly string[],
): Record<string, unknown> {
  const first = pick(rand, firstNames);
  const last = pick(rand, lastNames);
  return {
    id: i + 1,
    name: `${first[0].toUpperCase()}${first.slice(1)} ${last[0].toUpperCase()}${last.slice(1)}`,
    email: `${first}.${last}${i}@example.com`,
    score: Math.round(rand() * 1e6) / 1e4,
    active: rand() < 0.7,
    tags: [pick(rand, tags), pick(rand, tags)],
  };
}

function records(count: number, withDate: boolean): Record<string, unknown>[] {
  const rand = prng(0xc0ffee);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const rec = personFields(rand, i, FIRST, LAST, TAGS);
    if (withDate) {
      rec.created = new Date(EPOCH - Math.floor(rand() * 3e10));
    }
    out.push(rec);
  }
  return out;
}

// ---------------------------------------------------------------------------
// (3) string-heavy payload

const WORDS = [
  "lorem",
  "ipsum",
  "dolor",
  "sit",
  "amet",
  "serialize",
  "pickle",
  "closure",
  "runtime",
  "buffer",
  "message",
  "payload",
] as const;
const NON_ASCII = [
  "café",
  "naïve",
  "straße",
  "Grüße",
  "привет",
  "мир",
  "日本語",
  "中文字符",
  "한국어",
  "ελληνικά",
  "עברית",
  "العربية",
] as const;
const EMOJI = ["😀", "🚀", "👍🏽", "🧪", "🐍", "🦕", "👨‍👩‍👧", "🇯🇵"] as const;

function strings(count: number): string[] {
  const rand = prng(0x5eed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const target = 50 + Math.floor(rand() * 451); // 50..500 UTF-16 units
    // ~70% plain ASCII, ~20% with non-ASCII letters, ~10% with emoji too.
    const kind = rand();
    let s = "";
    while (s.length < target) {
      const r = rand();
      let w: string;
      if (kind >= 0.7 && r < 0.25) w = pick(rand, NON_ASCII);
      else if (kind >= 0.9 && r < 0.4) w = pick(rand, EMOJI);
      else w = pick(rand, WORDS);
      s += s.length === 0 ? w : " " + w;
    }
    out.push(s);
  }
  return out;
}

// ---------------------------------------------------------------------------
// (4) large Float64Array

function floats(length: number): Float64Array {
  const rand = prng(0xf10a7);
  const arr = new Float64Array(length);
  for (let i = 0; i < length; i++) arr[i] = (rand() - 0.5) * 1e6;
  return arr;
}

// ---------------------------------------------------------------------------
// (5) Map / Set / Date / cycle graph

interface GraphNode {
  id: number;
  label: string;
  created: Date;
  tags: Set<string>;
  parent: GraphNode | null;
  children: GraphNode[];
  links: GraphNode[];
}

interface Graph {
  name: string;
  root: GraphNode;
  nodes: GraphNode[];
  meta: Map<GraphNode, { weight: number; seen: Date; peers: Set<GraphNode> }>;
  byLabel: Map<string, GraphNode>;
  self?: Graph;
}

function graph(count: number): Graph {
  const rand = prng(0x9a9b);
  const nodes: GraphNode[] = [];
  for (let i = 0; i < count; i++) {
    const node: GraphNode = {
      id: i,
      label: `node-${i}`,
      created: new Date(EPOCH + i * 60_000),
      tags: new Set([pick(rand, TAGS), pick(rand, TAGS)]),
      parent: null,
      children: [],
      links: [],
    };
    if (i > 0) {
      const parent = nodes[Math.floor(rand() * i)];
      node.parent = parent; // back-reference -> cycle
      parent.children.push(node);
    }
    nodes.push(node);
  }
  for (const node of nodes) {
    // cross links (may point forward or backward, shared references)
    node.links.push(nodes[Math.floor(rand() * count)]);
  }
  const meta = new Map<
    GraphNode,
    { weight: number; seen: Date; peers: Set<GraphNode> }
  >();
  for (const node of nodes) {
    meta.set(node, {
      weight: Math.round(rand() * 1e4) / 100,
      seen: new Date(EPOCH + Math.floor(rand() * 1e9)),
      peers: new Set([
        nodes[Math.floor(rand() * count)],
        nodes[Math.floor(rand() * count)],
      ]),
    });
  }
  const g: Graph = {
    name: "graph",
    root: nodes[0],
    nodes,
    meta,
    byLabel: new Map(nodes.map((n) => [n.label, n])),
  };
  g.self = g;
  return g;
}

// ---------------------------------------------------------------------------

/** Build all benchmark cases. */
export function buildCases(): BenchCase[] {
  return [
    {
      id: "rpc",
      label: "1 rpc",
      description: "small RPC message (~10 fields, nested params), JSON-compatible",
      features: new Set<Feature>(),
      build: () => rpcMessage(false),
    },
    {
      id: "rpc-date",
      label: "1d rpc+Date",
      description: "same RPC message with meta.sentAt as a Date",
      features: new Set<Feature>(["date"]),
      build: () => rpcMessage(true),
    },
    {
      id: "records",
      label: "2 10k records",
      description: "10k objects {id,name,email,score,active,tags[2]}, JSON-compatible",
      features: new Set<Feature>(),
      build: () => records(10_000, false),
    },
    {
      id: "records-date",
      label: "2d 10k rec+Date",
      description: "same 10k records plus a `created` Date each",
      features: new Set<Feature>(["date"]),
      build: () => records(10_000, true),
    },
    {
      id: "strings",
      label: "3 2k strings",
      description: "2k strings of 50-500 chars, ~30% non-ASCII, ~10% with emoji",
      features: new Set<Feature>(),
      build: () => strings(2_000),
    },
    {
      id: "f64",
      label: "4 Float64Array 1M",
      description: "one Float64Array of 1,000,000 elements (8 MB)",
      features: new Set<Feature>(["typedarray"]),
      build: () => floats(1_000_000),
      copyBaseline: true,
    },
    {
      id: "numbers",
      label: "4n 1M numbers",
      description: "a plain Array of 1,000,000 numbers (half integers, half fractions)",
      features: new Set<Feature>(),
      build: () => Array.from(floats(1_000_000), (x, i) => (i % 2 === 0 ? Math.round(x) : x)),
    },
    {
      id: "graph",
      label: "5 graph 1k",
      description: "1k nodes: Map with object keys, Sets, Dates, parent back-refs, cycles",
      features: new Set<Feature>(["date", "map", "set", "cycle", "shared"]),
      build: () => graph(1_000),
    },
  ];
}
