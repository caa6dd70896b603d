/**
 * The SealedSecret controller's decisions, as pure functions for the operator runtime to wire:
 * given the SealedSecret, the Secret that exists (or null) and the result of unsealing, what to
 * write, which event to record, what status to set, and how the reconcile ends. No I/O, no
 * clock of its own. Rules are the Bitnami controller's:
 *
 * - an existing Secret is touched only if controlled by this SealedSecret, or annotated
 *   `sealedsecrets.bitnami.com/managed: "true"` (taken over: data, labels, annotations and owner
 *   references replaced) or `sealedsecrets.bitnami.com/patch: "true"` (merged: data, labels and
 *   annotations laid over, owner references only when also managed);
 * - a missing (or deleted) Secret is created;
 * - nothing is written when nothing changed;
 * - status: one `Synced` condition (True, or False with the error message) and
 *   `observedGeneration`, written only when the condition flips, its message changes (messages are
 *   deterministic) or the generation moved.
 */
import { isDeepStrictEqual } from "node:util";
import { KsealError, safeMessage } from "../errors.ts";
import { ANNOTATION_MANAGED, ANNOTATION_PATCH } from "./sealedsecret.ts";
import type { SealedSecret, SealedSecretCondition, Secret } from "./types.ts";

export const EVENT_UNSEALED = "Unsealed";
export const EVENT_UNSEAL_FAILED = "ErrUnsealFailed";
export const EVENT_UPDATE_FAILED = "ErrUpdateFailed";

export type UnsealResult = { readonly ok: true; readonly secret: Secret } | { readonly ok: false; readonly error: unknown };

export interface SealedSecretPlan {
  /** The Secret write to perform, or null (nothing to write, or not allowed to). */
  readonly write: { readonly kind: "create" | "update"; readonly secret: Secret } | null;
  /**
   * Status to write (whole `status`), or null when it is already right. When `write` fails, call
   * {@link planWriteFailure} for the status and event instead.
   */
  readonly status: SealedSecret["status"] | null;
  readonly event: { readonly type: "Normal" | "Warning"; readonly reason: string; readonly message: string };
  /** ok: done; retry: back off and try again (keys or the Secret may change); terminal: wait for a change. */
  readonly outcome: "ok" | "retry" | "terminal";
  readonly error?: KsealError;
}

/** True when `secret` has a controller owner reference to `ss` (same uid). */
export function isControlledBy(secret: Secret, ss: SealedSecret): boolean {
  const uid = ss.metadata.uid;
  return (secret.metadata.ownerReferences ?? []).some((r) => r.controller === true && uid !== undefined && r.uid === uid);
}

/** Decides the reconcile of one SealedSecret. `now` stamps condition times. */
export function planSealedSecret(ss: SealedSecret, existing: Secret | null, unsealed: UnsealResult, now: Date): SealedSecretPlan {
  if (!unsealed.ok) {
    const error =
      unsealed.error instanceof KsealError ? unsealed.error : new KsealError("SEALING_UNSEAL_FAILED", safeMessage(unsealed.error), { cause: unsealed.error });
    return {
      write: null,
      status: nextStatus(ss, error.message, now),
      event: { type: "Warning", reason: EVENT_UNSEAL_FAILED, message: `Failed to unseal: ${error.message}` },
      outcome: error.code === "SEALING_DECRYPT_FAILED" ? "retry" : "terminal",
      error,
    };
  }
  const desired = unsealed.secret;
  const ok = (write: SealedSecretPlan["write"]): SealedSecretPlan => ({
    write,
    status: nextStatus(ss, null, now),
    event: { type: "Normal", reason: EVENT_UNSEALED, message: "SealedSecret unsealed successfully" },
    outcome: "ok",
  });
  if (existing === null) return ok({ kind: "create", secret: desired });

  const managed = existing.metadata.annotations?.[ANNOTATION_MANAGED] === "true";
  const patch = existing.metadata.annotations?.[ANNOTATION_PATCH] === "true";
  if (!isControlledBy(existing, ss) && !managed && !patch) {
    const message = `Resource "${existing.metadata.name ?? ""}" already exists and is not managed by SealedSecret`;
    const error = new KsealError("SEALING_SECRET_NOT_OWNED", message);
    return {
      write: null,
      status: nextStatus(ss, `failed update: ${message}`, now),
      event: { type: "Warning", reason: EVENT_UPDATE_FAILED, message },
      outcome: "terminal",
      error,
    };
  }
  const next: Secret = structuredClone(existing);
  if (patch) {
    next.data = { ...(next.data ?? {}), ...(desired.data ?? {}) };
    next.metadata.labels = { ...(next.metadata.labels ?? {}), ...(desired.metadata.labels ?? {}) };
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), ...(desired.metadata.annotations ?? {}) };
    if (managed) setOrDelete(next, "ownerReferences", desired.metadata.ownerReferences);
  } else {
    next.data = desired.data ?? {};
    setOrDelete(next, "annotations", desired.metadata.annotations);
    setOrDelete(next, "labels", desired.metadata.labels);
    setOrDelete(next, "ownerReferences", desired.metadata.ownerReferences);
  }
  if (desired.type !== undefined) next.type = desired.type;
  return ok(isDeepStrictEqual(normalize(existing), normalize(next)) ? null : { kind: "update", secret: next });
}

/** Status and event when the planned Secret write failed (API error); the reconcile retries. */
export function planWriteFailure(ss: SealedSecret, error: unknown, now: Date): Pick<SealedSecretPlan, "status" | "event" | "outcome"> {
  const message = safeMessage(error);
  return {
    status: nextStatus(ss, message, now),
    event: { type: "Warning", reason: EVENT_UPDATE_FAILED, message },
    outcome: "retry",
  };
}

function setOrDelete(s: Secret, field: "annotations" | "labels" | "ownerReferences", value: unknown): void {
  if (value === undefined) {
    const { [field]: _dropped, ...rest } = s.metadata;
    s.metadata = rest;
  } else {
    (s.metadata as Record<string, unknown>)[field] = value;
  }
}

/** Semantic equality: absent and empty maps are the same. */
function normalize(s: Secret): unknown {
  const m = s.metadata;
  return {
    data: s.data ?? {},
    type: s.type ?? "Opaque",
    labels: m.labels ?? {},
    annotations: m.annotations ?? {},
    ownerReferences: m.ownerReferences ?? [],
  };
}

/**
 * The status after this reconcile, or null when writing it would change nothing (Bitnami writes
 * when the Synced condition flips or observedGeneration moved; kseal also when the message changes).
 */
export function nextStatus(ss: SealedSecret, errorMessage: string | null, now: Date): SealedSecret["status"] | null {
  const current = ss.status ?? {};
  const conditions = [...(current.conditions ?? [])];
  const at = conditions.findIndex((c) => c.type === "Synced");
  const previous = at === -1 ? undefined : conditions[at];
  const status: SealedSecretCondition["status"] = errorMessage === null ? "True" : "False";
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, "Z");
  const flipped = previous?.status !== status;
  const cond: SealedSecretCondition = {
    type: "Synced",
    status,
    lastUpdateTime: stamp,
    lastTransitionTime: flipped ? stamp : (previous.lastTransitionTime ?? stamp),
  };
  if (errorMessage !== null) cond.message = errorMessage;
  const generation = ss.metadata.generation ?? 0;
  const messageChanged = (previous?.message ?? null) !== errorMessage;
  if (!flipped && !messageChanged && current.observedGeneration === generation) return null;
  if (at === -1) conditions.push(cond);
  else conditions[at] = cond;
  return { observedGeneration: generation, conditions };
}
