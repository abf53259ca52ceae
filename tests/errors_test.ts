import { describe } from "node:test";
import { runFixtures } from "./helpers.ts";
import { errorFixtures } from "./fixtures/errors.ts";

describe("Error values round-trip (sync, async, stream)", () => {
  runFixtures(errorFixtures);
});
