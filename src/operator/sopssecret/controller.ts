/**
 * The SopsSecret controller's I/O: cluster-held age identities from labelled Secrets of the
 * operator's namespace (kseal's own `identity` entries and Flux's `*.agekey` entries; all are
 * tried), decryption with the MAC verified (src/sops `planSopsSecret`), the Secret write, status
 * and events. On a failure the existing Secret is left exactly as it is.
 */
import type { Registry } from "prom-client";
import { Counter } from "prom-client";
import { KsealError, safeMessage } from "../../errors.ts";
import { SECRETS, isConflict, isNotFound, type KubeHttp, type KubeObject, type ResourceType } from "../../kube/client.ts";
import type { ReconcileRequest } from "../../kube/controller.ts";
import type { EventRecorder } from "../../kube/events.ts";
import { ok, retry, terminal, type Outcome } from "../../kube/outcome.ts";
import {
  AGE_KEY_LABEL,
  AGE_RECIPIENTS_CONFIGMAP,
  identitiesFromSecrets,
  newAgeKeySecret,
  planIsindirSopsSecret,
  planSopsSecret,
  recipientsFromSecrets,
  type Condition,
  type Secret,
  type SopsSecret,
} from "../../sops/sopssecret.ts";

export const SOPS_SECRETS: ResourceType = {
  group: "kseal.dev", version: "v1alpha1", plural: "sopssecrets", kind: "SopsSecret", namespaced: true,
};

/** The age key Secrets of the operator's namespace, re-read at most every `ttlMs`. */
export class AgeKeys {
  readonly #http: KubeHttp;
  readonly #namespace: string;
  readonly #ttlMs: number;
  #secrets: Secret[] = [];
  #loadedAt = -Infinity;

  constructor(http: KubeHttp, namespace: string, ttlMs = 30_000) {
    this.#http = http;
    this.#namespace = namespace;
    this.#ttlMs = ttlMs;
  }

  async load(force = false): Promise<Secret[]> {
    if (!force && Date.now() - this.#loadedAt < this.#ttlMs) return this.#secrets;
    const list = await this.#http.list(SECRETS, { namespace: this.#namespace, labelSelector: AGE_KEY_LABEL });
    this.#secrets = list.items as unknown as Secret[];
    this.#loadedAt = Date.now();
    return this.#secrets;
  }

  async identities(force = false): Promise<string[]> {
    return identitiesFromSecrets(await this.load(force));
  }

  async recipients(): Promise<string[]> {
    return recipientsFromSecrets(await this.load());
  }

  /** First start: creates an X25519 identity when the namespace holds none. */
  async ensureOne(): Promise<void> {
    if ((await this.identities(true)).length > 0) return;
    const secret = await newAgeKeySecret(this.#namespace, "kseal-age-key");
    try {
      await this.#http.create(SECRETS, this.#namespace, secret as unknown as KubeObject);
    } catch (e: unknown) {
      if (!isConflict(e)) throw e;
    }
    await this.load(true);
  }
}

const CONFIGMAPS: ResourceType = { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true };

/**
 * Publishes the public recipients in a ConfigMap of the operator's namespace, so
 * `kseal sops recipients --kubeconfig …` can collect every cluster's recipients into `.sops.yaml`
 * (one file that opens in each cluster) without any access to Secrets.
 */
export async function publishRecipients(http: KubeHttp, namespace: string, keys: AgeKeys): Promise<void> {
  const recipients = await keys.recipients();
  await http.apply(CONFIGMAPS, namespace, AGE_RECIPIENTS_CONFIGMAP, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: AGE_RECIPIENTS_CONFIGMAP, namespace, labels: { "app.kubernetes.io/managed-by": "kseal" } },
    data: { recipients: recipients.map((r) => `${r}\n`).join("") },
  }, { fieldManager: "kseal" });
}

export interface SopsMetrics {
  readonly decrypts: Counter<"result">;
}

export function sopsMetrics(registry: Registry): SopsMetrics {
  return {
    decrypts: new Counter({
      name: "kseal_sopssecret_decrypt_total", help: "SopsSecret decryptions by result (ok, or the failure reason)",
      labelNames: ["result"], registers: [registry],
    }),
  };
}

export interface SopsControllerOptions {
  readonly http: KubeHttp;
  readonly events: EventRecorder;
  readonly keys: AgeKeys;
  readonly metrics: SopsMetrics;
  /**
   * Called after every successful sync with the Secret's data (base64), for rollout restarts. A
   * rejection (e.g. the digest key cannot be read) makes the reconcile retry, so no report is lost.
   */
  readonly onSecretSynced?: (namespace: string, name: string, data: Readonly<Record<string, string>> | undefined) => Promise<void>;
}

type SecretData = Readonly<Record<string, string>> | undefined;

/** Reports each synced Secret to `onSecretSynced`; a failure becomes a retry of the reconcile. */
async function reportSynced(o: SopsControllerOptions, namespace: string, synced: readonly (readonly [string, SecretData])[], outcome: Outcome): Promise<Outcome> {
  if (o.onSecretSynced === undefined) return outcome;
  try {
    for (const [target, data] of synced) await o.onSecretSynced(namespace, target, data);
  } catch (e: unknown) {
    return retry(e instanceof Error ? e : new KsealError("KUBE_REQUEST_FAILED", safeMessage(e)));
  }
  return outcome;
}

export function sopsSecretReconciler(o: SopsControllerOptions): (req: ReconcileRequest<KubeObject>) => Promise<Outcome> {
  return async ({ object }) => {
    if (object === undefined) return ok();
    const ss = object as unknown as SopsSecret;
    const namespace = ss.metadata.namespace ?? "";
    const name = ss.metadata.name ?? "";
    const target = ss.spec.target?.name ?? name;
    const regarding = { apiVersion: "kseal.dev/v1alpha1", kind: "SopsSecret", name, namespace, uid: ss.metadata.uid };
    let existing: Secret | null;
    let identities: string[];
    try {
      existing = (await o.http.get(SECRETS, namespace, target)) as unknown as Secret | null;
      identities = await o.keys.identities();
    } catch (e: unknown) {
      return retry(e instanceof Error ? e : new KsealError("KUBE_REQUEST_FAILED", safeMessage(e)));
    }
    let plan = await planSopsSecret(ss, existing, identities);
    if (plan.kind === "fail" && plan.reason === "NoUsableKey") {
      // A key may have been added for rotation since the last read.
      plan = await planSopsSecret(ss, existing, await o.keys.identities(true));
    }
    let condition: Condition = plan.condition;
    let outcome: Outcome = ok();
    const synced: [string, SecretData][] = [];
    if (plan.kind === "write") {
      try {
        const body = plan.secret as unknown as KubeObject;
        if (existing === null) await o.http.create(SECRETS, namespace, body);
        else await o.http.replace(SECRETS, namespace, target, body);
        o.events.record(regarding, "Normal", "Decrypted", `Secret ${target} written`);
        synced.push([target, plan.secret.data]);
      } catch (e: unknown) {
        const message = `cannot write Secret ${target}: ${safeMessage(e)}`;
        condition = { type: "Ready", status: "False", reason: "WriteFailed", message };
        o.events.record(regarding, "Warning", "WriteFailed", message);
        outcome = retry(new KsealError("SOPS_WRITE_FAILED", message));
      }
    } else if (plan.kind === "unchanged") {
      synced.push([target, existing?.data]);
    } else {
      o.events.record(regarding, "Warning", plan.reason, plan.condition.message);
      outcome = terminal(new KsealError(plan.code, plan.condition.message));
    }
    o.metrics.decrypts.inc({ result: plan.kind === "fail" ? plan.reason : "ok" });
    const current = ss.status?.conditions?.find((c) => c.type === "Ready");
    const changed = current?.status !== condition.status || current.reason !== condition.reason ||
      current.message !== condition.message || ss.status?.observedGeneration !== ss.metadata.generation;
    if (changed) {
      const stamped = { ...condition, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") };
      const status = { observedGeneration: ss.metadata.generation, conditions: [stamped] };
      try {
        await o.http.mergePatch(SOPS_SECRETS, namespace, name, { status }, { subresource: "status" });
      } catch (e: unknown) {
        if (!isNotFound(e)) return retry(e instanceof Error ? e : new KsealError("KUBE_REQUEST_FAILED", safeMessage(e)));
      }
    }
    return reportSynced(o, namespace, synced, outcome);
  };
}

/** isindir's SopsSecret (migration): the whole resource is SOPS-encrypted. */
export const ISINDIR_SOPS_SECRETS: ResourceType = {
  group: "isindir.github.com", version: "v1alpha3", plural: "sopssecrets", kind: "SopsSecret", namespaced: true,
};

/** True when the API server serves isindir's SopsSecret (its CRD is installed). */
export async function isindirServed(http: KubeHttp): Promise<boolean> {
  try {
    // A non-2xx answer throws: served means a 2xx.
    await (await http.request("GET", "/apis/isindir.github.com/v1alpha3")).discard();
    return true;
  } catch {
    return false;
  }
}

/**
 * Reconciles an isindir.github.com/v1alpha3 SopsSecret so teams can move to kseal without
 * re-encrypting: every value is decrypted and authenticated against its path, but the document
 * MAC cannot survive the API server's re-serialization, so the status says it was not verified.
 * A target Secret that exists and is not owned by this object is never touched.
 */
export function isindirReconciler(o: SopsControllerOptions): (req: ReconcileRequest<KubeObject>) => Promise<Outcome> {
  return async ({ object }) => {
    if (object === undefined) return ok();
    const obj = object as unknown as Record<string, unknown> & { metadata: { name?: string; namespace?: string; uid?: string; generation?: number } };
    const namespace = obj.metadata.namespace ?? "";
    const name = obj.metadata.name ?? "";
    const regarding = { apiVersion: "isindir.github.com/v1alpha3", kind: "SopsSecret", name, namespace, uid: obj.metadata.uid };
    let plan: Awaited<ReturnType<typeof planIsindirSopsSecret>>;
    try {
      plan = await planIsindirSopsSecret(obj, await o.keys.identities());
    } catch (e: unknown) {
      return retry(e instanceof Error ? e : new KsealError("KUBE_REQUEST_FAILED", safeMessage(e)));
    }
    let message = plan.condition.message;
    let outcome: Outcome = ok();
    const synced: [string, SecretData][] = [];
    if (plan.kind === "fail") {
      o.events.record(regarding, "Warning", plan.reason, plan.condition.message);
      outcome = terminal(new KsealError(plan.code, plan.condition.message));
    } else {
      for (const secret of plan.secrets) {
        const target = secret.metadata.name ?? "";
        try {
          const existing = (await o.http.get(SECRETS, namespace, target)) as unknown as Secret | null;
          const owned = existing?.metadata.ownerReferences?.some((r) => r.uid === obj.metadata.uid) === true;
          if (existing !== null && !owned) {
            message = `Secret ${target} exists and is not owned by this SopsSecret`;
            o.events.record(regarding, "Warning", "TargetNotOwned", message);
            outcome = terminal(new KsealError("SOPS_TARGET_NOT_OWNED", message));
            continue;
          }
          const body = secret as unknown as KubeObject;
          if (existing === null) await o.http.create(SECRETS, namespace, body);
          else if (JSON.stringify(existing.data ?? {}) !== JSON.stringify(secret.data ?? {}) || existing.type !== secret.type) {
            await o.http.replace(SECRETS, namespace, target, body);
          }
          synced.push([target, secret.data]);
        } catch (e: unknown) {
          message = `cannot write Secret ${target}: ${safeMessage(e)}`;
          outcome = retry(new KsealError("SOPS_WRITE_FAILED", message));
        }
      }
    }
    o.metrics.decrypts.inc({ result: plan.kind === "fail" ? plan.reason : "ok" });
    const current = (obj.status as { message?: string } | undefined)?.message;
    if (current !== message) {
      try {
        await o.http.mergePatch(ISINDIR_SOPS_SECRETS, namespace, name, { status: { message } }, { subresource: "status" });
      } catch (e: unknown) {
        if (!isNotFound(e)) return retry(e instanceof Error ? e : new KsealError("KUBE_REQUEST_FAILED", safeMessage(e)));
      }
    }
    return reportSynced(o, namespace, synced, outcome);
  };
}
