// A CommonJS package shaped like lodash and dayjs: its export is a function whose members
// close over module state that cannot be pickled (a WeakMap), and a factory that shares the
// prototype of a class the package does not export.
(function () {
  const meta = new WeakMap();
  function setData(key, value) {
    meta.set(key, value);
    return key;
  }
  function wrap(value) {
    return setData(Object(value), true);
  }
  function lib(value) {
    return wrap(value);
  }
  lib.chunk = function chunk(array, size) {
    meta.get(array);
    const out = [];
    for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));
    return out;
  };
  lib.sum = function sum(array) {
    meta.get(array);
    return array.reduce(function (a, b) {
      return a + b;
    }, 0);
  };

  const Moment = (function () {
    function Moment(iso) {
      this.iso = iso;
      meta.set(this, iso);
    }
    Moment.prototype.format = function format(sep) {
      meta.get(this);
      return this.iso.split("-").join(sep);
    };
    return Moment;
  })();
  function moment(iso) {
    return new Moment(iso);
  }
  moment.prototype = Moment.prototype;
  lib.moment = moment;

  module.exports = lib;
})();
