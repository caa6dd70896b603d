/**
 * The SealedSecret controller's I/O: keys from the operator namespace's key Secrets (Bitnami's
 * layout, so an existing installation's keys are picked up as they are), unsealing on worker
 * threads, the Secret write, status and events. Every decision is src/sealing's pure
 * `planSealedSecret`; this file only carries it out.
 */
import type { Registry } from "prom-client";
import { Counter, Gauge } from "prom-client";
import { KsealError, safeMessage } from "../../errors.ts";
import type { KubeHttp, KubeObject, ResourceType } from "../../kube/client.ts";
import { SECRETS, isNotFound, isConflict } from "../../kube/client.ts";
import type { EventRecorder } from "../../kube/events.ts";
import { ok, retry, terminal, type Outcome } from "../../kube/outcome.ts";
import type { ReconcileRequest } from "../../kube/controller.ts";
import {
  KEY_LABEL,
  KeyRegistry,
  buildSecret,
  planSealedSecret,
  planWriteFailure,
  type KeySecretPort,
  type SealedSecret,
  type Secret,
  type UnsealResult,
} from "../../sealing/index.ts";
import type { UnsealPool } from "../../sealing/pool.ts";

export const SEALED_SECRETS: ResourceType = {
  group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets", kind: "SealedSecret", namespaced: true,
};

/** Key Secrets through the API server: the labelled Secrets of the operator's namespace. */
export function keySecretPort(http: KubeHttp): KeySecretPort {
  return {
    async listKeySecrets(namespace) {
      const list = await http.list(SECRETS, { namespace, labelSelector: KEY_LABEL });
      return list.items as unknown as Secret[];
    },
    async createKeySecret(namespace, secret) {
      return (await http.create(SECRETS, namespace, secret as unknown as KubeObject)) as unknown as Secret;
    },
  };
}

/** Bitnami's metric names, so existing dashboards and alerts keep working. */
export interface SealedSecretMetrics {
  readonly unseal: Counter;
  readonly unsealErrors: Counter<"reason" | "namespace">;
  readonly conditionInfo: Gauge<"namespace" | "name" | "condition" | "instance">;
  readonly keyAgeSeconds: Gauge;
}

export function sealedSecretMetrics(registry: Registry): SealedSecretMetrics {
  return {
    unseal: new Counter({ name: "sealed_secrets_controller_unseal_requests_total", help: "Total number of sealed secret unseal requests", registers: [registry] }),
    unsealErrors: new Counter({
      name: "sealed_secrets_controller_unseal_errors_total", help: "Total number of sealed secret unseal errors by reason",
      labelNames: ["reason", "namespace"], registers: [registry],
    }),
    conditionInfo: new Gauge({
      name: "sealed_secrets_controller_condition_info", help: "Current SealedSecret condition status. Values are -1 (false), 0 (unknown or absent), 1 (true)",
      labelNames: ["namespace", "name", "condition", "instance"], registers: [registry],
    }),
    keyAgeSeconds: new Gauge({ name: "kseal_sealing_key_age_seconds", help: "Age of the newest sealing key", registers: [registry] }),
  };
}

export interface SealedSecretControllerOptions {
  readonly http: KubeHttp;
  readonly events: EventRecorder;
  readonly keys: KeyRegistry;
  readonly pool: UnsealPool;
  readonly metrics: SealedSecretMetrics;
  readonly instance: string;
  readonly now: () => Date;
  /**
   * True when a synced cache (the operator's metadata-only Secret informer) has no Secret of that
   * name. The reconcile then skips its GET and creates the Secret directly; should the cache be
   * behind (create answers 409 AlreadyExists), it reads the Secret and plans again, so the outcome
   * is the same as with the GET. Without it, every reconcile GETs. (The ExternalSecret engine takes
   * the same function, EsDeps.secretKnownAbsent.)
   */
  readonly secretKnownAbsent?: (namespace: string, name: string) => boolean;
  /**
   * Called after every successful sync with the Secret's data (base64), for rollout restarts. A
   * rejection (e.g. the digest key cannot be read) makes the reconcile retry, so no report is lost.
   */
  readonly onSecretSynced?: (namespace: string, name: string, data: Readonly<Record<string, string>> | undefined) => Promise<void>;
}

type Unsealed = UnsealResult;

/** Reconciles one SealedSecret; the queue owns timing and backoff. */
export function sealedSecretReconciler(o: SealedSecretControllerOptions): (req: ReconcileRequest<KubeObject>) => Promise<Outcome> {
  let lastKeyReload = 0;
  const unseal = async (ss: SealedSecret): Promise<Unsealed> => {
    o.metrics.unseal.inc();
    try {
      const opened = await o.pool.open(ss);
      return { ok: true, secret: buildSecret(ss, opened) };
    } catch (e: unknown) {
      return { ok: false, error: e };
    }
  };
  return async ({ object }) => {
    if (object === undefined) return ok(); // deleted: the garbage collector removes owned Secrets
    const ss = object as unknown as SealedSecret;
    const namespace = ss.metadata.namespace ?? "";
    const name = ss.metadata.name ?? "";
    // A cold start unseals thousands of SealedSecrets whose Secrets do not exist yet: one GET
    // each (a quorum read answered 404) is a quarter of the API traffic, so trust the cache for
    // "absent" and let the create's 409 send us back to the GET.
    const read = async (): Promise<Secret | null> => (await o.http.get(SECRETS, namespace, name)) as unknown as Secret | null;
    let existing: Secret | null = null;
    const readFromApi = o.secretKnownAbsent?.(namespace, name) !== true;
    if (readFromApi) {
      try {
        existing = await read();
      } catch (e: unknown) {
        return retry(asError(e));
      }
    }
    let unsealed = await unseal(ss);
    if (!unsealed.ok && isDecryptFailure(unsealed.error) && Date.now() - lastKeyReload > 30_000) {
      // A key may have been added since (restored backup, another replica's renewal): reload once.
      lastKeyReload = Date.now();
      o.pool.setKeys(await o.keys.load());
      unsealed = await unseal(ss);
    }
    const now = o.now();
    let plan = planSealedSecret(ss, existing, unsealed, now);
    const regarding = { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", name, namespace, uid: ss.metadata.uid };
    const write = async (): Promise<unknown> => {
      if (plan.write === null) return undefined;
      try {
        await writeSecret(o.http, namespace, plan.write.kind, plan.write.secret);
        return undefined;
      } catch (e: unknown) {
        return e ?? new KsealError("KUBE_REQUEST_FAILED", "the Secret write failed");
      }
    };
    let writeError = await write();
    if (writeError !== undefined && !readFromApi && isConflict(writeError)) {
      // The cache said "absent" but the Secret exists: plan again from the real one.
      try {
        existing = await read();
      } catch (e: unknown) {
        return retry(asError(e));
      }
      plan = planSealedSecret(ss, existing, unsealed, now);
      writeError = await write();
    }
    let status = plan.status;
    let event = plan.event;
    let outcome = plan.outcome;
    if (writeError !== undefined) {
      const failure = planWriteFailure(ss, writeError, now);
      status = failure.status;
      event = failure.event;
      outcome = isConflict(writeError) ? "retry" : failure.outcome;
    }
    if (plan.error !== undefined) o.metrics.unsealErrors.inc({ reason: plan.error.code === "SEALING_DECRYPT_FAILED" ? "unseal" : "unmanaged", namespace });
    // Events only when something happened: a write, or a failure (Bitnami records on every sync).
    if (plan.write !== null || outcome !== "ok") o.events.record(regarding, event.type, event.reason, event.message);
    if (status !== null) {
      try {
        await o.http.mergePatch(SEALED_SECRETS, namespace, name, { status }, { subresource: "status" });
      } catch (e: unknown) {
        if (!isNotFound(e)) return retry(asError(e));
      }
    }
    o.metrics.conditionInfo.set({ namespace, name, condition: "Synced", instance: o.instance }, outcome === "ok" ? 1 : -1);
    if (outcome === "ok" && unsealed.ok && o.onSecretSynced !== undefined) {
      try {
        await o.onSecretSynced(namespace, name, plan.write?.secret.data ?? existing?.data);
      } catch (e: unknown) {
        return retry(asError(e));
      }
    }
    if (outcome === "ok") return ok();
    const error = plan.error ?? new KsealError("SEALING_UPDATE_FAILED", event.message);
    return outcome === "retry" ? retry(error) : terminal(error);
  };
}

function isDecryptFailure(e: unknown): boolean {
  return e instanceof KsealError && e.code === "SEALING_DECRYPT_FAILED";
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new KsealError("KUBE_REQUEST_FAILED", safeMessage(e));
}

async function writeSecret(http: KubeHttp, namespace: string, kind: "create" | "update", secret: Secret): Promise<void> {
  const body = { apiVersion: "v1", kind: "Secret", ...secret } as unknown as KubeObject;
  if (kind === "create") await http.create(SECRETS, namespace, body);
  else await http.replace(SECRETS, namespace, secret.metadata.name ?? "", body);
}
