/**
 * What an informer keeps of an object, kept small: at 10,000 ExternalSecrets the caches are most of
 * the operator's heap.
 *
 * - `metadata.managedFields` is dropped, as controller-runtime's caches do: the server-side-apply
 *   bookkeeping is often the largest part of an object's metadata and no controller here reads it.
 *   The metadata object is rebuilt rather than `delete`d from: a delete turns the object into a
 *   hash-table ("dictionary mode") object, ~430 bytes each in a heap snapshot, 8.5 MB for the
 *   20,000 metadata objects of a 10k fleet.
 * - Short string values are shared through one pool ({@link StringPool}): V8's JSON parser
 *   internalizes only values of up to 10 characters, so every object held its own copy of
 *   `external-secrets.io/v1`, `ExternalSecret`, `SecretSynced`, its store's kind, its
 *   syncedResourceVersion and the second its status was written — ~6 MB at 10k.
 */
import type { KubeObject } from "./client.ts";

/** Longest string value shared; longer ones (keys, blobs, messages) are rarely repeated verbatim. */
const MAX_POOLED_LENGTH = 64;

/**
 * A bounded table of string values: {@link intern} returns the first copy seen of an equal string.
 * Unique values (uids, names) pass through it too, so when it is full it starts over; the values
 * that repeat across objects are back in it after a few objects, and the copies from before a
 * restart stay shared among the objects that got them.
 */
export class StringPool {
  readonly #max: number;
  #table = new Map<string, string>();

  constructor(max = 16_384) {
    if (!(max >= 1)) throw new RangeError("max must be >= 1");
    this.#max = max;
  }

  intern(s: string): string {
    if (s.length > MAX_POOLED_LENGTH) return s;
    const have = this.#table.get(s);
    if (have !== undefined) return have;
    if (this.#table.size >= this.#max) this.#table = new Map();
    this.#table.set(s, s);
    return s;
  }

  /** Entries held (for tests). */
  get size(): number {
    return this.#table.size;
  }
}

/** One pool for every cache of the process: `external-secrets.io/v1` is in ExternalSecrets and in their Secrets' owner references. */
const sharedPool = new StringPool();

/** Replaces the string values inside `v` (objects and arrays, in place) with pooled copies. */
function internValues(v: Record<string, unknown> | unknown[], pool: StringPool): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === "string") v[i] = pool.intern(x);
      else if (typeof x === "object" && x !== null) internValues(x as Record<string, unknown> | unknown[], pool);
    }
    return;
  }
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (typeof x === "string") v[k] = pool.intern(x);
    else if (typeof x === "object" && x !== null) internValues(x as Record<string, unknown> | unknown[], pool);
  }
}

/**
 * Makes `obj` (freshly parsed from the API server, owned by the caller) what a cache keeps: no
 * managedFields, string values pooled. Mutates and returns `obj`.
 */
export function compactForCache<T extends KubeObject>(obj: T, pool: StringPool = sharedPool): T {
  const md = obj.metadata;
  if (md?.managedFields !== undefined) {
    const { managedFields: _dropped, ...rest } = md;
    obj.metadata = rest;
  }
  internValues(obj, pool);
  return obj;
}
