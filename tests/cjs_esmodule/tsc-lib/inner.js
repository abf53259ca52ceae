"use strict";
// As tsc compiles `export default class Err …; export function plainFn …` to CommonJS.
Object.defineProperty(exports, "__esModule", { value: true });
exports.plainFn = plainFn;
const helper = require("./helper.js");
class Err extends Error {
  constructor(m) {
    super(helper.up(m));
  }
}
exports.default = Err;
function plainFn(x) {
  return helper.up(x) + "!";
}
