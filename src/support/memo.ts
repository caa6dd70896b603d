/**
 * `parse` run once per input object, its result kept for as long as the object lives. For specs
 * and objects read from an informer's cache, which are replaced, never mutated, when they change:
 * every refresh of every ExternalSecret parses its store, and at 10,000 ExternalSecrets the same
 * few store objects were parsed 10,000 times per interval. A failure is not kept: the input throws
 * again, with its own message, each time it is asked for. Results are shared, so read-only.
 */
export function memoPerObject<T>(parse: (raw: unknown) => T): (raw: unknown) => T {
  const memo = new WeakMap<object, T>();
  return (raw) => {
    if (typeof raw !== "object" || raw === null) return parse(raw);
    if (memo.has(raw)) return memo.get(raw) as T;
    const parsed = parse(raw);
    memo.set(raw, parsed);
    return parsed;
  };
}
