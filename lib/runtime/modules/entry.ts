/**
 * The program's entry module (Python's `__main__`): its functions and classes are pickled by
 * value, since another process cannot import it without running the program again.
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import { mainModuleHints } from "../../host.ts";

/** The URL of the entry module, read now (Bun's test runner moves it from file to file). */
export function entryModuleURL(): string | undefined {
  const { deno, bun: main, argv } = mainModuleHints();
  if (typeof deno === "string") return deno;
  if (typeof main === "string" && main !== "") return toURL(main);
  return typeof argv === "string" && argv !== "" ? toURL(argv) : undefined;
}

function toURL(pathOrURL: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(pathOrURL) && !/^[a-z]:[\\/]/i.test(pathOrURL)) {
    return pathOrURL;
  }
  try {
    return pathToFileURL(pathOrURL).href;
  } catch {
    return undefined;
  }
}
