// Prints a base64 pickle of a closure that imports "./helper.ts" relative to its module.
import { dumps } from "../../mod.ts";
import { makeTask } from "../modules/relative/tasks.ts";

console.log((await dumps(makeTask(7))).toBase64());
