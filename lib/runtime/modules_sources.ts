/**
 * Chooses the runtime's module source once, when the library loads, by what works:
 * `require.cache` where it lists ES modules (Bun), else the inspector's module reports (V8
 * with sys access). Choosing starts nothing: each source lists at its first use. Without either,
 * the module table holds what `loads` imported and what {@linkcode registerModule} was given.
 *
 * @module
 */

import { setModuleSource } from "./modules.ts";
import { inspectorModuleSource } from "./modules_inspector.ts";
import { requireCacheModuleSource } from "./modules_require_cache.ts";

const source = requireCacheModuleSource() ?? inspectorModuleSource();
if (source !== undefined) setModuleSource(source);
