// A CommonJS module with a .js name: the preload has Bun's own loader load it.
const prefix = "js:";
module.exports = function label(name) {
  return function () {
    return prefix + name;
  };
};
module.exports.kind = "commonjs";
