// Fixture module imported dynamically, after the library has listed the loaded modules.
export function late(): string {
  return "late";
}
