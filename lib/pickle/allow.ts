/**
 * The allow-list of data-only loads ({@linkcode LoadOptions.allow}): which references to code
 * by name (module exports, namespaces, built-ins) a pickle loaded with `allowCode: false` may
 * make. Code by value is never admitted by it.
 *
 * @module
 */

import { UnpicklingError } from "../errors.ts";
import type { LoadOptions, Reference } from "./options.ts";
import { shown } from "../values/inspect.ts";

/** The compiled form of {@linkcode LoadOptions.allow}. */
export type AllowPolicy = (kind: Reference["kind"], module: string, path: string) => boolean;

/** Whether `options` allow code: by default yes, unless an allow-list is given. */
export function allowsCode(options: LoadOptions | undefined): boolean {
  return options?.allowCode ?? options?.allow === undefined;
}

/**
 * `options` with the lists of an allow-list read once, as arrays (an async load consults them
 * before importing and again while building; an iterable may be read only once).
 */
export function withListsRead(options: LoadOptions | undefined): LoadOptions | undefined {
  const allow = options?.allow;
  if (allow === undefined || allow === null || typeof allow !== "object") return options;
  return {
    ...options,
    allow: {
      modules: namesOf(allow.modules, "modules"),
      globals: namesOf(allow.globals, "globals"),
    },
  };
}

/** The policy of `allow`, or undefined when none is given. */
export function allowPolicy(allow: LoadOptions["allow"]): AllowPolicy | undefined {
  if (allow === undefined) return undefined;
  if (typeof allow === "function") {
    return (kind, module, path) => allow({ kind, module, path }) === true;
  }
  if (allow === null || typeof allow !== "object") {
    throw new TypeError(
      `cannot load with LoadOptions.allow = ${shown(allow)}: it is neither an allow-list nor ` +
        "a function; give { modules, globals } (lists of names) or a function of a reference",
    );
  }
  const modules = new Set(namesOf(allow.modules, "modules"));
  const globals = new Set(namesOf(allow.globals, "globals"));
  return (kind, module, path) => kind === "global" ? globals.has(path) : modules.has(module);
}

function namesOf(names: Iterable<string> | undefined, field: string): string[] {
  if (names === undefined) return [];
  const out = typeof names === "string" ? [names] : Array.from(names);
  for (const n of out) {
    if (typeof n !== "string") {
      throw new TypeError(
        `cannot load with LoadOptions.allow.${field}: it holds a ${typeof n}, not a name; ` +
          "list names as strings",
      );
    }
  }
  return out;
}

/** Asks `policy` about one reference; a policy that throws refuses, the error as the cause. */
export function admits(
  policy: AllowPolicy,
  kind: Reference["kind"],
  module: string,
  path: string,
  at: number,
): boolean {
  try {
    return policy(kind, module, path);
  } catch (e) {
    throw new UnpicklingError(
      `cannot load ${describe(kind, module, path)}: LoadOptions.allow threw on it (the error ` +
        "is this error's cause); make the function return true or false",
      at,
      { cause: e },
    );
  }
}

/** The reference in words, for messages. */
export function describe(kind: Reference["kind"], module: string, path: string): string {
  switch (kind) {
    case "global":
      return `built-in '${path}'`;
    case "export":
      return `export '${path}' of module '${module}'`;
    case "namespace":
      return `the namespace of module '${module}'`;
    default:
      return `module '${module}'`;
  }
}

/** The error of a reference the allow-list refuses, naming what would admit it. */
export function refused(kind: Reference["kind"], module: string, path: string): string {
  const where = kind === "global" ? `allow.globals ('${path}')` : `allow.modules ('${module}')`;
  return `cannot load ${describe(kind, module, path)}: it is not allowed (allowCode: false); ` +
    `admit it with LoadOptions.${where}, or load with allowCode: true`;
}

/**
 * Refuses, before anything is imported, a module of the pickle's module table that `policy`
 * does not admit.
 */
export function checkImports(
  policy: AllowPolicy,
  specs: readonly string[],
  offsets: readonly number[],
): void {
  for (let i = 0; i < specs.length; i++) {
    if (!admits(policy, "import", specs[i], "", offsets[i])) {
      throw new UnpicklingError(refused("import", specs[i], ""), offsets[i]);
    }
  }
}
