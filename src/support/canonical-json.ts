/**
 * JSON with object keys sorted and undefined members dropped, so two values that differ only in
 * key order (or in keys set to undefined) give the same string: identities, cache keys, and
 * "did anything but X change" comparisons.
 *
 * Written as loops over one growing string because it runs several times per ExternalSecret
 * refresh: the map/filter/sort/join form allocated four arrays per object and was a third of
 * everything a 10,000-ExternalSecret steady state allocated. Keys are sorted only when they are
 * not in order already (objects built by kseal usually are).
 */
export function canonicalJson(v: unknown): string {
  if (typeof v !== "object" || v === null) return JSON.stringify(v ?? null);
  if (Array.isArray(v)) {
    let out = "[";
    for (let i = 0; i < v.length; i++) out += (i === 0 ? "" : ",") + canonicalJson(v[i]);
    return `${out}]`;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (!inOrder(keys)) keys.sort();
  let out = "{";
  let first = true;
  for (const k of keys) {
    const member = o[k];
    if (member === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(k)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}

function inOrder(keys: readonly string[]): boolean {
  let previous = "";
  for (const k of keys) {
    if (previous > k) return false;
    previous = k;
  }
  return true;
}
