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
