// Classes decorated the way TypeScript's compilers emit legacy decorators
// (experimentalDecorators): calls after the class, in the module's code. swc's helper (Deno)
// and Bun's suffixed one; what they register lives in this module's table, keyed by the class.
export const registry = new Map();

function _ts_decorate(decorators, target, key) {
  for (const d of decorators) d(target, key);
}
function __legacyDecorateClassTS_k3x9q2(decorators, target) {
  let t = target;
  for (const d of decorators) t = d(t) ?? t;
  return t;
}
function Field(target, key) {
  registry.set(target.constructor, key);
}
function Entity(cls) {
  registry.set(cls, "entity");
}

class User {
  constructor() {
    this.name = "x";
  }
}
_ts_decorate([Field], User.prototype, "name", void 0);

class Post {}
// deno-lint-ignore no-class-assign
Post = __legacyDecorateClassTS_k3x9q2([Entity], Post);

class Photo {
  url() {
    return "p.png";
  }
}

/** The classes, not exported themselves (so they would go by value). */
export function classes() {
  return { User, Post, Photo };
}
