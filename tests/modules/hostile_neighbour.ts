// Fixture module imported together with hostile.ts: it must still be indexed.
export function neighbour(): string {
  return "neighbour";
}
