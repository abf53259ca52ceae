// The first process of a factory chain: pickles factories (a counter factory, a curried adder,
// a class whose method returns closures). The processes after it call them and send on what
// they made. Captured automatically: Deno with --allow-sys, Bun with the preload.
import { dumps } from "../../mod.ts";

const base = 100;

function makeCounter(start: number) {
  let n = start;
  return { inc: () => ++n + base, get: () => n };
}

const add = (a: number) => (b: number) => (c: number) => a + b + c + base;

class Multiplier {
  constructor(readonly k: number) {}
  times() {
    const k = this.k;
    return (x: number) => x * k;
  }
}

console.log((await dumps({ makeCounter, add, Multiplier, made: [] })).toBase64());
