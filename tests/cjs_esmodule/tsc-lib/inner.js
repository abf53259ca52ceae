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
// A closure over the module's own variable and its argument: made by CommonJS code.
let made = 0;
exports.makeCounter = (n) => {
  made++;
  return () => (n += 1) * 10 + made;
};
function plainFn(x) {
  return helper.up(x) + "!";
}
