// Run by Bun with the preload (`bun --preload ./preload.ts tests/instrumented/produce.ts`):
// pickles closures captured automatically, and a factory whose source carries the
// instrumentation, and writes the pickle to stdout as base64.
import { dumps } from "../../mod.ts";
import { loopClosures, makeCounter, threeLevels, usesModule } from "./closures.ts";

const counter = makeCounter(10);
counter.inc();
const value = {
  counter,
  makeCounter,
  loop: loopClosures(),
  deep: threeLevels(1)(2),
  usesModule,
};
// The fixture modules by value: the consumer runs their instrumented source.
console.log((await dumps(value, { byValue: [new URL("./", import.meta.url)] })).toBase64());
