// A CommonJS module (.cjs): Bun loads it itself; the preload leaves it alone.
const prefix = "cjs:";
function label(name) {
  switch (name.length) {
    case 0:
      return function () {
        return prefix + "empty";
      };
    default: {
      const upper = name.toUpperCase();
      return function () {
        return prefix + upper;
      };
    }
  }
}
module.exports = { label: label };
