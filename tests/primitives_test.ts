import { describe } from "node:test";
import { runFixtures } from "./helpers.ts";
import { primitiveFixtures } from "./fixtures/primitives.ts";

describe("primitives round-trip (sync, async, stream)", () => {
  runFixtures(primitiveFixtures);
});
