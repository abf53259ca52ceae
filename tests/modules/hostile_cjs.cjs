// Fixture CommonJS module whose exports object is a Proxy with throwing traps.
const boom = () => {
  throw new Error("cjs trap");
};
module.exports = new Proxy({}, {
  get: boom,
  ownKeys: boom,
  getPrototypeOf: boom,
  has: boom,
  getOwnPropertyDescriptor: boom,
});
