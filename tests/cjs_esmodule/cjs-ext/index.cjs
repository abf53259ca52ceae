"use strict";
// A `.cjs` file (its package's main): a closure over the module's variable and an argument.
let made = 0;
exports.counter = (n) => {
  made++;
  return () => (n += 1) * 100 + made;
};
