// Prints what pickling a closure of a module still evaluating (top-level await) gave.
import { results } from "./tla_module.ts";

console.log(JSON.stringify({ results }));
