/**
 * One ExternalSecret reconcile: the thin I/O layer around plan.ts. Reads the target Secret, asks
 * planRefresh whether to fetch, fetches through the store port, renders, writes through the one
 * Secret helper, writes status once, and returns an Outcome.
 *
 * A store error never reaches planWrite: the Secret keeps its last good data and Ready=False says
 * why. No Secret write when nothing changed.
 */
import { isKsealError, KsealError, safeMessage } from "../../errors.ts";
import { GeneratorErrorCode } from "../../generators/index.ts";
import type { Outcome } from "../../kube/outcome.ts";
import { ok, retry, terminal } from "../../kube/outcome.ts";
import { SecretNotFoundError, type SecretsClient } from "../../stores/contract.ts";
import type { Resolved } from "../secretstore/index.ts";
import { SecretWriteError, toObserved, writeSecret, type DesiredSecret, type ObservedSecret, type SecretPort, type SecretWrite } from "../secrets/index.ts";
import type { EsMetrics } from "./metrics.ts";
import { parseExternalSecret } from "./parse.ts";
import {
  assembleData,
  nextDueAfterSync,
  ownsWholeSecret,
  planRefresh,
  planWrite,
  renderTarget,
  resourceVersionOf,
  secretIntact,
  targetName,
  type Fetched,
  type TemplateEngine,
  type TemplateSources,
  type WritePlan,
} from "./plan.ts";
import { canSkipStatusWrite, type RefreshMemory } from "./refreshes.ts";
import { nextStatus, type EsStatusPort, type SyncResult } from "./status.ts";
import type { ExternalSecret, GeneratorRef, RemoteRefSpec, StoreRef } from "./types.ts";
import { desiredDigest, type VerifiedTargets } from "./verified.ts";

/** events.k8s.io/v1 through the runtime's recorder; reasons as ESO (Updated, Created, Deleted, UpdateFailed). */
export interface EventPort {
  record(es: ExternalSecret, type: "Normal" | "Warning", reason: string, note: string): void;
}

export interface EsDeps {
  readonly secrets: SecretPort;
  /** ConfigMap data for templateFrom; undefined when absent. */
  readonly readConfigMap: (namespace: string, name: string) => Promise<Readonly<Record<string, string>> | undefined>;
  readonly resolveStore: (ref: StoreRef, namespace: string) => Promise<Resolved>;
  readonly status: EsStatusPort;
  readonly events: EventPort;
  readonly metrics: EsMetrics;
  /** The HMAC key from the operator's key Secret. */
  readonly hmacKey: () => Promise<Uint8Array>;
  readonly template: TemplateEngine;
  readonly now: () => number;
  /**
   * `dataFrom[].sourceRef.generatorRef`: reads the generator and generates fresh values (src/generators).
   * Absent = generators not wired; such an ExternalSecret fails with ES_GENERATOR_UNSUPPORTED.
   */
  readonly generate?: (ref: GeneratorRef, namespace: string) => Promise<Record<string, Uint8Array>>;
  /**
   * The last refresh per ExternalSecret (uid+generation), shared by every reconcile of the process.
   * Present: a refresh that changes nothing but refreshTime writes no status. Absent: status is
   * written on every sync (refreshTime included), as ESO.
   */
  readonly refreshes?: RefreshMemory;
  /**
   * True when a synced cache of the cluster's Secrets (the operator's metadata informer) holds no
   * Secret namespace/name, so a policy that creates its target can skip reading it: a cold sync of
   * thousands of ExternalSecrets saves a GET (a 404) each. A cache that lags (the Secret exists
   * after all) makes the create fail with a conflict, and the reconcile starts over with a read.
   */
  readonly secretKnownAbsent?: (namespace: string, name: string) => boolean;
  /**
   * The resourceVersion of Secret namespace/name in a synced cache of the cluster's Secrets
   * (undefined when unknown). With {@link verified}, a refresh whose Secret is still at the version
   * kseal last wrote or verified skips reading it (verified.ts).
   */
  readonly secretVersion?: (namespace: string, name: string) => string | undefined;
  /** What each target Secret was last known to hold (verified.ts); absent = every reconcile reads its Secret. */
  readonly verified?: VerifiedTargets;
}

export const EsErrorCode = {
  NoStore: "ES_NO_STORE",
  Generator: "ES_GENERATOR_UNSUPPORTED",
} as const;

function storeRefFor(es: ExternalSecret, item: { readonly sourceRef?: { readonly storeRef?: StoreRef; readonly generatorRef?: unknown } }): StoreRef {
  // ESO ignores (deprecated) data[].sourceRef.generatorRef; kseal says so instead of silently using the store.
  if (item.sourceRef?.generatorRef !== undefined) throw new KsealError(EsErrorCode.Generator, "generatorRef is supported in dataFrom[] only, not in data[]");
  const ref = item.sourceRef?.storeRef ?? es.spec.secretStoreRef;
  if (ref === undefined) throw new KsealError(EsErrorCode.NoStore, "no secretStoreRef and no sourceRef.storeRef");
  return ref;
}

function remote(ref: RemoteRefSpec): { key: string; property?: string; version?: string; metadataPolicy: "None" | "Fetch" } {
  return {
    key: ref.key,
    metadataPolicy: ref.metadataPolicy,
    ...(ref.property === undefined ? {} : { property: ref.property }),
    ...(ref.version === undefined ? {} : { version: ref.version }),
  };
}

/** Runs one store call; a provider that throws synchronously is treated like one that rejects. */
async function orNotFound<T>(call: () => Promise<T>): Promise<Fetched<T>> {
  try {
    return { kind: "found", value: await call() };
  } catch (e: unknown) {
    if (e instanceof SecretNotFoundError) return { kind: "notFound" };
    throw e;
  }
}

async function templateSources(es: ExternalSecret, deps: EsDeps): Promise<TemplateSources> {
  const configMaps: Record<string, Readonly<Record<string, string>>> = {};
  const secrets: Record<string, Readonly<Record<string, string>>> = {};
  for (const tf of es.spec.target.template?.templateFrom ?? []) {
    if (tf.configMap !== undefined && !(tf.configMap.name in configMaps)) {
      configMaps[tf.configMap.name] = (await deps.readConfigMap(es.metadata.namespace, tf.configMap.name)) ?? {};
    }
    if (tf.secret !== undefined && !(tf.secret.name in secrets)) {
      const s = await deps.secrets.read(es.metadata.namespace, tf.secret.name);
      const data = s === undefined ? {} : toObserved(s).data;
      secrets[tf.secret.name] = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, new TextDecoder().decode(v)]));
    }
  }
  return { configMaps, secrets };
}

type SyncOutcome =
  | { readonly kind: "notMine" }
  | {
      readonly kind: "done";
      readonly result: SyncResult;
      readonly write?: WritePlan;
      /** The Secret already holds this (kseal owns it whole) at this resourceVersion: for {@link EsDeps.verified}. */
      readonly holds?: { readonly resourceVersion: string | undefined; readonly desired: DesiredSecret };
    };

/**
 * What the reconcile knows of the target Secret before it syncs: read from the API server (or known
 * absent), or trusted to hold the content of `digest` because the watched resourceVersion has not
 * moved since kseal wrote or verified it (verified.ts).
 */
type Seen = { readonly kind: "observed"; readonly observed: ObservedSecret | undefined } | { readonly kind: "trusted"; readonly digest: string };

/**
 * planWrite against what was seen. A trusted Secret is read only when the desired content differs
 * from what it was verified to hold (or every remote secret is gone: the delete needs its version).
 */
async function planAgainst(
  es: ExternalSecret,
  produced: Parameters<typeof planWrite>[1],
  seen: Seen,
  key: Uint8Array,
  deps: EsDeps,
): Promise<{ readonly write: WritePlan; readonly holds?: { readonly resourceVersion: string | undefined; readonly desired: DesiredSecret } }> {
  let observed: ObservedSecret | undefined;
  if (seen.kind === "trusted") {
    const fresh = planWrite(es, produced, undefined, key);
    if (fresh.kind === "create" && desiredDigest(fresh.secret) === seen.digest) return { write: { kind: "none", reason: "unchanged" } };
    const current = await deps.secrets.read(es.metadata.namespace, targetName(es));
    observed = current === undefined ? undefined : toObserved(current);
  } else observed = seen.observed;
  const write = planWrite(es, produced, observed, key);
  if (!ownsWholeSecret(es) || write.kind !== "none" || write.reason !== "unchanged" || observed === undefined || deps.verified === undefined) return { write };
  // Found holding exactly the desired content: remember at which version (Owner/Orphan only, where
  // the desired Secret does not depend on the observed one, so it is what a create would write).
  const fresh = planWrite(es, produced, undefined, key);
  return fresh.kind === "create" ? { write, holds: { resourceVersion: observed.resourceVersion, desired: fresh.secret } } : { write };
}

/**
 * Fetch → assemble → render → plan → write. Throws on store/template errors (nothing written).
 * `dueAt`: the instant a periodic refresh fell due; store reads from then on serve it (readsSince).
 */
async function sync(es: ExternalSecret, seen: Seen, key: Uint8Array, deps: EsDeps, dueAt: number | undefined): Promise<SyncOutcome> {
  const clients = new Map<string, Promise<Resolved>>();
  const clientFor = async (ref: StoreRef): Promise<SecretsClient | undefined> => {
    const id = `${ref.kind}/${ref.name}`;
    let p = clients.get(id);
    if (p === undefined) {
      p = deps.resolveStore(ref, es.metadata.namespace);
      clients.set(id, p);
    }
    const r = await p;
    if (r.kind !== "client") return undefined;
    return dueAt !== undefined && r.client.readsSince !== undefined ? r.client.readsSince(dueAt) : r.client;
  };
  const storeNames = new Set<string>();
  try {
    const data: Fetched<Uint8Array>[] = [];
    for (const item of es.spec.data) {
      const ref = storeRefFor(es, item);
      storeNames.add(ref.name);
      const c = await clientFor(ref);
      if (c === undefined) return { kind: "notMine" };
      data.push(await orNotFound(() => c.getSecret(remote(item.remoteRef))));
    }
    const dataFrom: Fetched<Record<string, Uint8Array>>[] = [];
    for (const item of es.spec.dataFrom) {
      const gen = item.sourceRef?.generatorRef;
      if (gen !== undefined) {
        if (deps.generate === undefined) throw new KsealError(EsErrorCode.Generator, "generatorRef is not wired in this kseal build");
        // Fresh values on every sync, as ESO (no generator state): refresh policy decides how often.
        dataFrom.push({ kind: "found", value: await deps.generate(gen, es.metadata.namespace) });
        continue;
      }
      const ref = storeRefFor(es, item);
      storeNames.add(ref.name);
      const c = await clientFor(ref);
      if (c === undefined) return { kind: "notMine" };
      const extract = item.extract;
      if (extract !== undefined) dataFrom.push(await orNotFound(() => c.getSecretMap(remote(extract))));
      else if (item.find !== undefined) {
        const f = item.find;
        dataFrom.push(
          await orNotFound(() =>
            c.findSecrets({
              ...(f.path === undefined ? {} : { path: f.path }),
              ...(f.name === undefined ? {} : { name: f.name }),
              ...(f.tags === undefined ? {} : { tags: f.tags }),
            }),
          ),
        );
      }
    }
    const assembled = assembleData(es, { data, dataFrom }, deps.template, [...storeNames].join(","));
    const produced: Parameters<typeof planWrite>[1] =
      assembled.kind === "allGone"
        ? { kind: "allGone" }
        : { kind: "rendered", target: renderTarget(es.spec.target.template, assembled.data, await templateSources(es, deps), deps.template) };
    const { write, holds } = await planAgainst(es, produced, seen, key, deps);
    const gone = assembled.kind === "allGone";
    if (write.kind === "error" && write.reason === "SecretMissing") {
      // ESO: a Merge target that does not exist is not an error to retry; Ready=True, reason
      // SecretMissing, refreshTime set, and the next look is at the next refresh (or a change).
      return {
        kind: "done",
        result: {
          kind: "synced",
          reason: "SecretMissing",
          message: "secret will not be created due to CreationPolicy=Merge",
          syncedResourceVersion: resourceVersionOf(es),
          secretName: targetName(es),
        },
      };
    }
    if (write.kind === "error") return { kind: "done", result: { kind: "failed", reason: write.reason, message: write.error.message }, write };
    return {
      kind: "done",
      write,
      ...(holds === undefined ? {} : { holds }),
      result: {
        kind: "synced",
        reason: gone ? "SecretDeleted" : "SecretSynced",
        message: gone ? "every remote secret is gone; the deletionPolicy was applied" : "secret synced",
        syncedResourceVersion: resourceVersionOf(es),
        secretName: targetName(es),
      },
    };
  } finally {
    for (const p of clients.values()) {
      void p.then((r) => (r.kind === "client" ? r.client.close() : undefined)).catch(() => undefined);
    }
  }
}

function toSecretWrite(es: ExternalSecret, w: WritePlan): SecretWrite | undefined {
  switch (w.kind) {
    case "create":
      return { kind: "create", secret: w.secret };
    case "update":
      return { kind: "update", secret: w.secret, resourceVersion: w.resourceVersion };
    case "delete":
      return { kind: "delete", namespace: es.metadata.namespace, name: w.name, resourceVersion: w.resourceVersion };
    default:
      return undefined;
  }
}

/** Reconciles one ExternalSecret object (as read from the API server). */
export async function reconcileExternalSecret(raw: unknown, deps: EsDeps): Promise<Outcome> {
  const started = deps.now();
  let es: ExternalSecret;
  try {
    es = parseExternalSecret(raw);
  } catch (e: unknown) {
    // The CRD's CEL rules keep invalid objects out; one that slips through waits for an edit.
    return terminal(e instanceof Error ? e : new Error("invalid ExternalSecret"));
  }
  const { namespace, name } = es.metadata;
  if (es.metadata.deletionTimestamp !== undefined) return ok();

  const finish = async (result: SyncResult, requeueAfter: number | undefined, error?: Error, secretWritten = false): Promise<Outcome> => {
    const now = deps.now();
    const status = nextStatus(es, result, now);
    if (deps.refreshes === undefined || !canSkipStatusWrite(es.status, status, secretWritten)) await deps.status.write(namespace, name, status);
    if (result.kind === "synced") deps.refreshes?.record(es, now, result.syncedResourceVersion);
    deps.metrics.syncCall(namespace, name, result.kind === "failed");
    deps.metrics.readyStatus(namespace, name, result.kind === "failed" ? "False" : "True");
    deps.metrics.reconcileDuration(namespace, name, (now - started) / 1000);
    if (error !== undefined) return retry(error);
    return requeueAfter === undefined ? ok() : ok(Math.max(0, requeueAfter - now));
  };

  const target = targetName(es);
  const creates = ownsWholeSecret(es);
  const unread = creates && deps.secretKnownAbsent?.(namespace, target) === true;
  const trusted = creates ? deps.verified?.digestAt(es, target, deps.secretVersion?.(namespace, target)) : undefined;
  try {
    const key = await deps.hmacKey();
    let seen: Seen = { kind: "observed", observed: undefined };
    if (trusted !== undefined) seen = { kind: "trusted", digest: trusted };
    else if (!unread) {
      const current = await deps.secrets.read(namespace, target);
      seen = { kind: "observed", observed: current === undefined ? undefined : toObserved(current) };
    }
    const intact = seen.kind === "trusted" || secretIntact(es, seen.observed, key);
    const decision = planRefresh(es, intact, deps.now(), deps.refreshes?.recall(es));
    if (!decision.sync) {
      deps.metrics.reconcileDuration(namespace, name, (deps.now() - started) / 1000);
      return decision.requeueAfterMs === undefined ? ok() : ok(decision.requeueAfterMs);
    }
    const out = await sync(es, seen, key, deps, decision.dueAt);
    if (out.kind === "notMine") return ok();
    if (out.holds !== undefined) deps.verified?.record(es, target, out.holds.resourceVersion, out.holds.desired);
    if (out.result.kind === "failed") {
      deps.events.record(es, "Warning", "UpdateFailed", out.result.message);
      return await finish(out.result, undefined, new KsealError("ES_SYNC_FAILED", out.result.message));
    }
    const w = out.write === undefined ? undefined : toSecretWrite(es, out.write);
    if (w !== undefined) {
      deps.verified?.forget(es);
      const version = await writeSecret(deps.secrets, w);
      if (creates && w.kind !== "delete") deps.verified?.record(es, target, version, w.secret);
      const reason = w.kind === "create" ? "Created" : w.kind === "delete" ? "Deleted" : "Updated";
      deps.events.record(es, "Normal", reason, `Secret ${target} ${reason.toLowerCase()}`);
    }
    return await finish(out.result, nextDueAfterSync(es, deps.now()), undefined, w !== undefined);
  } catch (e: unknown) {
    // The Secret cache lagged: the target exists after all. Start over, reading it this time.
    if (unread && isKsealError(e, SecretWriteError.Conflict)) return reconcileExternalSecret(raw, { ...deps, secretKnownAbsent: () => false });
    const message = safeMessage(e);
    deps.events.record(es, "Warning", "UpdateFailed", message);
    // A generator kind kseal lacks (or a foreign group) will not start working by retrying: no backoff loop.
    if (isKsealError(e, GeneratorErrorCode.Unsupported)) {
      return await finish({ kind: "failed", reason: "SecretSyncedError", message }, undefined).then(
        () => terminal(e),
        (statusErr: unknown) => retry(statusErr instanceof Error ? statusErr : new Error("status write failed")),
      );
    }
    return await finish({ kind: "failed", reason: "SecretSyncedError", message }, undefined, e instanceof Error ? e : new Error(message)).catch(
      (statusErr: unknown) => retry(statusErr instanceof Error ? statusErr : new Error("status write failed")),
    );
  }
}
