// The cloudpickle battery: code by value in the spirit of Python cloudpickle's
// tests/cloudpickle_test.py (closures, recursion, classes, methods, generators, bound
// functions, symbols, private members, built-in subclasses, identity between code and data).
// Each `make()` builds its functions afresh, so every call gives new closures over new scopes;
// each `probe()` runs the code and returns what it computed, which must be the same for the
// original and for the copies loaded after 1, 2 and 3 hops (this process, the other runtime,
// and back).

import type { Case } from "./case.ts";
import { CORE_CASES } from "./code_core.ts";
import { MORE_CASES } from "./code_more.ts";

/** Every code case of the battery. */
export const CODE_CASES: Case[] = [...CORE_CASES, ...MORE_CASES];
