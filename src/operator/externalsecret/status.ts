/**
 * ExternalSecret status as ESO writes it — the Ready condition (SecretSynced / SecretSyncedError /
 * SecretDeleted / SecretMissing), refreshTime, syncedResourceVersion, binding — computed purely and
 * written once per reconcile through {@link EsStatusPort}. Messages come from names and codes only.
 */
import type { Condition, ExternalSecret, ExternalSecretStatus } from "./types.ts";
import { canonicalJson } from "../../support/canonical-json.ts";

/** metav1.Time's wire form: RFC 3339 in whole seconds, UTC. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

export interface EsStatusPort {
  /** Replaces `.status` of namespace/name (status subresource). */
  write(namespace: string, name: string, status: ExternalSecretStatus): Promise<void>;
}

export type SyncResult =
  | {
      readonly kind: "synced";
      /** SecretMissing: creationPolicy Merge and no target Secret (ESO reports it Ready=True and waits). */
      readonly reason: "SecretSynced" | "SecretDeleted" | "SecretMissing";
      readonly message: string;
      readonly syncedResourceVersion: string;
      readonly secretName: string;
    }
  | { readonly kind: "failed"; readonly reason: "SecretSyncedError" | "SecretMissing"; readonly message: string };

function ready(prev: readonly Condition[] | undefined, status: "True" | "False", reason: string, message: string, now: number): Condition {
  const p = prev?.find((c) => c.type === "Ready");
  const keep = p?.status === status && p.lastTransitionTime !== undefined;
  return { type: "Ready", status, reason, message, lastTransitionTime: keep ? (p.lastTransitionTime ?? "") : rfc3339(now) };
}

/** Pure: the status after a sync attempt at `now`. A failure keeps the last good refreshTime and version. */
export function nextStatus(es: ExternalSecret, result: SyncResult, now: number): ExternalSecretStatus {
  const prev = es.status;
  const others = (prev.conditions ?? []).filter((c) => c.type !== "Ready");
  if (result.kind === "failed") {
    return { ...prev, conditions: [...others, ready(prev.conditions, "False", result.reason, result.message, now)] };
  }
  return {
    refreshTime: rfc3339(now),
    syncedResourceVersion: result.syncedResourceVersion,
    binding: { name: result.reason === "SecretDeleted" ? "" : result.secretName },
    conditions: [...others, ready(prev.conditions, "True", result.reason, result.message, now)],
  };
}

/** Pure: true when `a` and `b` differ at most in refreshTime (key order ignored, condition order not). */
export function statusUnchanged(a: ExternalSecretStatus, b: ExternalSecretStatus): boolean {
  const strip = (s: ExternalSecretStatus): unknown => ({ ...s, refreshTime: undefined });
  return canonicalJson(strip(a)) === canonicalJson(strip(b));
}
