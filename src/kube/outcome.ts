/**
 * How every reconcile ends (controller-runtime / Flux shape). The queue, not the controller, owns
 * backoff: `retry` is backed off per key, `ok` comes back after `requeueAfterMs` (or only on the next
 * change when absent), `terminal` does not come back until the object changes.
 */
export type Outcome =
  | { readonly kind: "ok"; readonly requeueAfterMs?: number }
  | { readonly kind: "retry"; readonly error: Error; readonly requeueAfterMs?: number }
  | { readonly kind: "terminal"; readonly error: Error };

export const ok = (requeueAfterMs?: number): Outcome =>
  requeueAfterMs === undefined ? { kind: "ok" } : { kind: "ok", requeueAfterMs };
export const retry = (error: Error, requeueAfterMs?: number): Outcome =>
  requeueAfterMs === undefined ? { kind: "retry", error } : { kind: "retry", error, requeueAfterMs };
export const terminal = (error: Error): Outcome => ({ kind: "terminal", error });

/** `namespace/name`, or `name` for cluster-scoped objects. */
export type ObjectKey = string;

export function objectKey(namespace: string | undefined, name: string): ObjectKey {
  return namespace === undefined || namespace === "" ? name : `${namespace}/${name}`;
}

export function splitKey(key: ObjectKey): { namespace?: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
