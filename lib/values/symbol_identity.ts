/**
 * Identity of unique symbols across pickles, kept the way class identity is: a symbol carries
 * an id made the first time this process pickles it (or the id it was loaded with), so two
 * pickles of one symbol loaded in one process give one symbol, and a pickle loaded in the
 * process that made the symbol gives the original. A class keyed by a unique symbol
 * (`[tag]() {}`) and the `tag` loaded beside it stay one pair, in the defining process (where
 * the class loads as itself) and in a worker that loads the class twice.
 *
 * Symbols are held weakly on both sides (non-registered symbols may be WeakMap keys and
 * WeakRef targets since ES2023): a symbol no one holds is forgotten with its id.
 *
 * @module
 */

const idOf = new WeakMap<symbol, string>();
const byId = new Map<string, WeakRef<symbol>>();
const forget = new FinalizationRegistry<string>((id) => {
  if (byId.get(id)?.deref() === undefined) byId.delete(id);
});

/** Longest id a pickle may give a symbol (this library writes 36 characters). */
export const SYMBOL_ID_MAX = 64;

function remember(s: symbol, id: string): void {
  idOf.set(s, id);
  byId.set(id, new WeakRef(s));
  forget.register(s, id);
}

/** The id unique symbol `s` travels with (made now if it has none). */
export function symbolId(s: symbol): string {
  let id = idOf.get(s);
  if (id === undefined) {
    id = crypto.randomUUID();
    remember(s, id);
  }
  return id;
}

/** The symbol of `id` in this process: the one known by it, else a new one remembered. */
export function symbolOf(id: string, description: string | undefined): symbol {
  const known = byId.get(id)?.deref();
  if (known !== undefined) return known;
  const s = Symbol(description);
  remember(s, id);
  return s;
}
