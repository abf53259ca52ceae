import { describe } from "node:test";
import { runFixtures } from "./helpers.ts";
import { collectionFixtures } from "./fixtures/collections.ts";

describe("arrays, Maps and Sets round-trip (sync, async, stream)", () => {
  runFixtures(collectionFixtures);
});
