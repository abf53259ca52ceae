/**
 * Side-effect module, imported first by run.ts so it is evaluated before
 * msgpackr / cbor-x read their environment switches.
 *
 * cbor-x's optional native string extractor (cbor-extract) is a Node addon
 * that crashes here (Deno: undefined V8 symbol at load; Bun: abort() during
 * decode), so it is disabled unless BENCH_CBOR_NATIVE=1. msgpackr's extractor
 * (msgpackr-extract) is left as the library picks it (run.ts prints whether it
 * is active); set MSGPACKR_NATIVE_ACCELERATION_DISABLED=true to turn it off.
 *
 * @module
 */

import process from "node:process";

if (process.env.BENCH_CBOR_NATIVE !== "1") {
  process.env.CBOR_NATIVE_ACCELERATION_DISABLED = "true";
}
