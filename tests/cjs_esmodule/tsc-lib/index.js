"use strict";
// As tsc compiles `export { default as Err, plainFn, makeCounter } from "./inner.js"` to CommonJS.
Object.defineProperty(exports, "__esModule", { value: true });
exports.makeCounter = exports.plainFn = exports.Err = void 0;
const inner_1 = require("./inner.js");
Object.defineProperty(exports, "Err", {
  enumerable: true,
  get: function () {
    return inner_1.default;
  },
});
Object.defineProperty(exports, "plainFn", {
  enumerable: true,
  get: function () {
    return inner_1.plainFn;
  },
});
Object.defineProperty(exports, "makeCounter", {
  enumerable: true,
  get: function () {
    return inner_1.makeCounter;
  },
});
