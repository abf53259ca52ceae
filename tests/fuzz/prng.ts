/**
 * A small deterministic PRNG for the fuzz suite (no Math.random): every case draws from its
 * own stream, derived from the run's seed and the case number, so one case replays alone.
 *
 * @module
 */

/** 32-bit mix (murmur3 finalizer). */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** sfc32 generator with helpers; seeded from (seed, stream). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = mix32(seed ^ 0x9e3779b9);
    this.b = mix32((stream + 0x632be5ab) ^ Math.imul(seed, 0x27d4eb2f));
    this.c = mix32(stream ^ 0x5bd1e995);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 0x100000000) * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** A byte. */
  byte(): number {
    return this.u32() & 0xff;
  }

  /** A small integer, mostly tiny, sometimes larger (log-uniform up to 2^bits). */
  small(bits = 12): number {
    return this.int(2 ** this.int(bits + 1));
  }
}
