/** A Storage (the Web Storage interface) kept in memory, for unit tests: Node has no localStorage (the
 * browser's own is used by the e2e tests). */
export class MemoryStorage implements Storage {
  #m = new Map<string, string>();
  get length() { return this.#m.size; }
  clear() { this.#m.clear(); }
  getItem(k: string) { return this.#m.get(k) ?? null; }
  key(i: number) { return [...this.#m.keys()][i] ?? null; }
  removeItem(k: string) { this.#m.delete(k); }
  setItem(k: string, v: string) { this.#m.set(k, String(v)); }
}
