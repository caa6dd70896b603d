/**
 * Sets `key → value` as the most recent entry of `map` (a Map iterates in insertion order) and
 * drops the oldest entries beyond `max`: the bounded memories of the operator (own writes,
 * refresh instants, recorded events) forget what was touched longest ago first.
 */
export function setMostRecent<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done === true) break;
    map.delete(oldest.value);
  }
}

/**
 * A Map that keeps at most `max` entries: {@link set} makes an entry the most recent and drops the
 * oldest beyond the bound ({@link setMostRecent}). For the operator's per-object memories, whose
 * objects may be deleted without the memory being told.
 */
export class RecentMap<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();

  /** @param max entries kept; the least recently set is dropped beyond it. */
  constructor(max: number) {
    if (!(max >= 1)) throw new RangeError("max must be >= 1");
    this.#max = max;
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V): void {
    setMostRecent(this.#map, key, value, this.#max);
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  get size(): number {
    return this.#map.size;
  }
}
