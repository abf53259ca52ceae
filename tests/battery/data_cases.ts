// The structured-clone battery: data values in the spirit of the Web Platform Tests'
// structured-clone-battery-of-tests.js and its neighbours, each built fresh by `make()` (so a
// case can be built again in another process and compared) and, where it needs more than the
// graph comparison, `probe()`: JSON-able observations (methods run, views resized) that must be
// equal for the original and every loaded copy. Every value structuredClone accepts
// must pickle too, and come back at least as faithfully.

import type { Case } from "./case.ts";
import { SCALAR_CASES } from "./data_scalars.ts";
import { GRAPH_CASES } from "./data_graphs.ts";

export type { Case } from "./case.ts";

/** Every data case of the battery. */
export const DATA_CASES: Case[] = [...SCALAR_CASES, ...GRAPH_CASES];
