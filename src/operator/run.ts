/**
 * Wiring of `kseal-operator`: flags → clients → informers → controllers under leader election,
 * plus the health/metrics server and the public API server. Nothing here decides anything; every
 * decision lives in a controller's pure plan.
 *
 * Informers run on every replica (so a standby is warm and its /v1 API answers); controllers and
 * key creation run only on the leader.
 */
import { randomBytes, type KeyObject } from "node:crypto";
import { KsealError } from "../errors.ts";
import { KubeHttp, SECRETS, type KubeObject } from "../kube/client.ts";
import { isAborted, sleep, systemClock } from "../kube/clock.ts";
import { loadKubeConfig } from "../kube/load-kubeconfig.ts";
import { Controller, specOrMetadataChanged, type ControllerOptions } from "../kube/controller.ts";
import { EventRecorder } from "../kube/events.ts";
import { startHealthServer, operatorReadiness } from "../kube/health.ts";
import { LeaderElector } from "../kube/leader.ts";
import { createLogger } from "../kube/log.ts";
import { createRegistry, queueMetrics, reconcileCounter, setLeader } from "../kube/metrics.ts";
import { startHeapTrimmer } from "../support/heap-trim.ts";
import { objectKey } from "../kube/outcome.ts";
import { OwnWrites } from "../kube/own-writes.ts";
import { Informer, httpSource, type Change } from "../kube/watch.ts";
import type { SealedSecret } from "../sealing/index.ts";
import { Counter, Gauge } from "prom-client";
import { getProvider } from "../stores/registry.ts";
import { ReadCoalescer, storeIdentity } from "../stores/coalesce.ts";
import type { Provider } from "../stores/contract.ts";
import { startApiServer } from "./api-server.ts";
import type { OperatorFlags } from "./flags.ts";
import {
  hmacKeyLoader, kubeCesPorts, kubeEsDeps, promEsMetrics, reconcileClusterExternalSecret, reconcileExternalSecret, reconcileStore, TargetIndex,
  type StoreObjectRef,
} from "./externalsecret/index.ts";
import { ANNOTATION_DATA_HMAC, type ExternalSecret } from "./externalsecret/types.ts";
import { CLUSTER_EXTERNAL_SECRETS, CLUSTER_SECRET_STORES, EXTERNAL_SECRETS, NAMESPACES, SECRET_STORES } from "./externalsecret/resources.ts";
import { RolloutController, rolloutDigestKey, secretDataDigest, type SecretChange } from "./rollout/index.ts";

/** The store an ExternalSecret reads from, as `SecretStore/ns/name` or `ClusterSecretStore/name`. */
function storeRefOf(es: KubeObject): string {
  const spec = (es as { spec?: { secretStoreRef?: { name?: string; kind?: string } } }).spec;
  const kind = spec?.secretStoreRef?.kind ?? "SecretStore";
  const name = spec?.secretStoreRef?.name ?? "";
  return kind === "ClusterSecretStore" ? `ClusterSecretStore/${name}` : `SecretStore/${es.metadata?.namespace ?? ""}/${name}`;
}

/** The status of an object's Ready condition as cached ("True", "False", …), if it has one. */
function readyStatusOf(obj: KubeObject): string | undefined {
  return (obj as { status?: { conditions?: { type?: string; status?: string }[] } }).status?.conditions?.find((x) => x.type === "Ready")?.status;
}

/** Owner keys of a Secret change whose controller owner is of `kind`. */
function ownerKeys(kind: string): (c: Change) => string[] {
  return (c) => (c.object.metadata?.ownerReferences ?? [])
    .filter((r) => r.kind === kind && r.controller === true)
    .map((r) => objectKey(c.object.metadata?.namespace, r.name));
}

/** Longest wait before an ExternalSecret whose sync failed is tried again. */
const ES_RETRY_CAP_MS = 30_000;

export interface RunningOperator {
  stop(): Promise<void>;
  readonly apiPort: number;
  readonly metricsPort: number;
}

export async function runOperator(flags: OperatorFlags): Promise<RunningOperator> {
  const log = createLogger({ level: flags.logLevel, name: "kseal-operator" });
  const http = new KubeHttp(loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context }));
  const registry = createRegistry({ defaultMetrics: true });
  const identity = `${flags.instance}-${randomBytes(4).toString("hex")}`;
  const events = new EventRecorder({ http, instance: identity, controller: "kseal.dev/operator", log });
  const abort = new AbortController();
  const on = (c: string): boolean => flags.controllers.has(c as never);

  // One metadata-only informer of every Secret: owners and names, never data (ESO #729).
  const secretsMeta = new Informer<KubeObject>({
    name: "secrets-metadata",
    source: httpSource(http, SECRETS, { metadataOnly: true, namespace: flags.watchNamespace }),
    log,
  });
  const informers: Informer[] = [secretsMeta];
  // Writers that create Secrets skip the GET of one this synced cache has never seen (a 404 each
  // at a cold start); a lagging cache costs them a 409 and a read, never a wrong write.
  const secretKnownAbsent = (namespace: string, name: string): boolean =>
    secretsMeta.hasSynced() && secretsMeta.get(objectKey(namespace, name)) === undefined;
  const secretVersion = (namespace: string, name: string): string | undefined =>
    secretsMeta.hasSynced() ? secretsMeta.get(objectKey(namespace, name))?.metadata?.resourceVersion : undefined;
  const controllers: Controller<KubeObject>[] = [];
  /** The informers each controller needs synced before it starts (primary + secondary). */
  const needs = new Map<Controller<KubeObject>, readonly Informer[]>();
  const addController = (options: ControllerOptions<KubeObject>): Controller<KubeObject> => {
    const c = new Controller<KubeObject>(options);
    controllers.push(c);
    needs.set(c, [options.informer, ...(options.secondary ?? []).map((x) => x.informer)]);
    return c;
  };
  const leaderTasks: ((signal: AbortSignal) => Promise<void>)[] = [];
  // Run by a new leader before its controllers start: state a standby may hold stale (sealing keys).
  const beforeStart: (() => Promise<void>)[] = [];
  const routes: Record<string, (body: Uint8Array) => Promise<{ status: number; headers: Record<string, string>; body: string }> | { status: number; headers: Record<string, string>; body: string }> = {
    "GET /healthz": () => ({ status: 200, headers: { "content-type": "text/plain" }, body: "ok\n" }),
  };
  const closers: (() => Promise<void>)[] = [];
  const queue = { concurrency: flags.concurrency };

  // The cluster-held HMAC key (a Secret of the operator's namespace, created on first use): the
  // ExternalSecret annotations and, derived from it, the rollout digests of other Secrets.
  const clusterHmacKey = hmacKeyLoader(http, flags.namespace);
  // Rollout restarts: writers report each managed Secret's content digest after every successful
  // sync; workloads record what they run with (src/operator/rollout/decide.ts). Records outlive
  // this process, so the digests must too: keyed with the cluster-held key, never a per-process one.
  const rollout = on("rollout")
    ? new RolloutController({ http, debounceMs: flags.restartDebounceMs, ...(flags.watchNamespace === undefined ? {} : { namespace: flags.watchNamespace }), log, events })
    : undefined;
  if (rollout !== undefined) informers.push(...Object.values(rollout.informers));
  let digestKey: Promise<KeyObject> | undefined;
  const reportSecret = async (namespace: string, name: string, data: Readonly<Record<string, string>> | undefined): Promise<void> => {
    if (rollout === undefined) return;
    digestKey ??= clusterHmacKey().then(rolloutDigestKey).catch((e: unknown) => {
      digestKey = undefined;
      throw e;
    });
    rollout.secretChanged({ namespace, name, hash: secretDataDigest(await digestKey, data) });
  };

  // Each controller's modules load only when it is enabled: sealing and SOPS (node-forge, age and
  // their curves) cost an ExternalSecret-only operator ~3.5 MB resident and ~3.5 MB of heap otherwise.
  if (on("sealedsecret")) {
    const { KeyRegistry, handleCert, handleRotate, handleVerify, RateLimiter, buildSecret } = await import("../sealing/index.ts");
    const { UnsealPool } = await import("../sealing/pool.ts");
    const { SEALED_SECRETS, keySecretPort, sealedSecretMetrics, sealedSecretReconciler } = await import("./sealedsecret/controller.ts");
    const keys = new KeyRegistry({
      port: keySecretPort(http),
      namespace: flags.namespace,
      commonName: flags.keyCommonName,
      onBadKey: (name) => {
        log.warn({ secret: name }, "skipping an unreadable sealing key Secret");
      },
    });
    const pool = new UnsealPool(flags.unsealWorkers === undefined ? {} : { size: flags.unsealWorkers });
    closers.push(() => pool.close());
    const metrics = sealedSecretMetrics(registry);
    const informer = new Informer<KubeObject>({ name: "sealedsecrets", source: httpSource(http, SEALED_SECRETS, { namespace: flags.watchNamespace }), log });
    informers.push(informer);
    const controller = addController({
      name: "sealedsecret",
      informer,
      reconcile: sealedSecretReconciler({
        http, events, keys, pool, metrics, instance: identity, now: () => new Date(), onSecretSynced: reportSecret,
        secretKnownAbsent,
      }),
      secondary: [{ informer: secretsMeta, toKeys: (c) => (c.type === "deleted" ? ownerKeys("SealedSecret")(c) : []) }],
      queue: { ...queue, metrics: queueMetrics(registry, "sealedsecret") },
      log,
      onReconciled: reconcileCounter(registry, "sealedsecret"),
    });
    // Keys: loaded on every replica for the API; created/renewed only by the leader.
    pool.setKeys(await keys.load());
    // A standby loaded the keys when it started, possibly before the leader created or renewed
    // one: without a reload it would fail every SealedSecret once on takeover.
    beforeStart.push(async () => {
      pool.setKeys(await keys.load());
    });
    leaderTasks.push(async (signal) => {
      while (!signal.aborted) {
        const decision = await keys.ensureFresh(new Date(), flags.keyRenewPeriodMs, flags.keyCutoffTime);
        pool.setKeys(keys.ring);
        const newest = keys.ring.latest();
        if (newest !== null) metrics.keyAgeSeconds.set((Date.now() - newest.createdAt.getTime()) / 1000);
        if (decision.generate) {
          log.info({ reason: decision.reason }, "created a new sealing key");
          for (const k of informer.keys()) controller.queue.add(k, "low");
        }
        const wait = decision.nextAt === null ? 3_600_000 : Math.max(1000, Math.min(decision.nextAt.getTime() - Date.now(), 3_600_000));
        await sleep(systemClock, wait, signal).catch(() => undefined);
      }
    });
    const opener = async (ss: SealedSecret) => buildSecret(ss, await pool.open(ss));
    const limiter = new RateLimiter();
    routes["GET /v1/cert.pem"] = async () => {
      if (keys.ring.latest() === null) pool.setKeys(await keys.load());
      return handleCert(keys.ring);
    };
    routes["POST /v1/verify"] = (body) => handleVerify(body, opener, limiter, Date.now());
    routes["POST /v1/rotate"] = (body) => handleRotate(body, opener, keys.ring);
  }

  if (on("sopssecret")) {
    const { AgeKeys, ISINDIR_SOPS_SECRETS, SOPS_SECRETS, isindirReconciler, isindirServed, publishRecipients, sopsMetrics, sopsSecretReconciler } =
      await import("./sopssecret/controller.ts");
    const ageKeys = new AgeKeys(http, flags.namespace);
    const sopsOptions = { http, events, keys: ageKeys, metrics: sopsMetrics(registry), onSecretSynced: reportSecret };
    const informer = new Informer<KubeObject>({ name: "sopssecrets", source: httpSource(http, SOPS_SECRETS, { namespace: flags.watchNamespace }), log });
    informers.push(informer);
    addController({
      name: "sopssecret",
      informer,
      reconcile: sopsSecretReconciler(sopsOptions),
      secondary: [{ informer: secretsMeta, toKeys: (c) => (c.type === "deleted" ? ownerKeys("SopsSecret")(c) : []) }],
      queue: { ...queue, metrics: queueMetrics(registry, "sopssecret") },
      log,
      onReconciled: reconcileCounter(registry, "sopssecret"),
    });
    // Migration from isindir/sops-secrets-operator: only when its CRD is installed.
    if (await isindirServed(http)) {
      const isindir = new Informer<KubeObject>({ name: "isindir-sopssecrets", source: httpSource(http, ISINDIR_SOPS_SECRETS, { namespace: flags.watchNamespace }), log });
      informers.push(isindir);
      addController({
        name: "isindir-sopssecret",
        informer: isindir,
        reconcile: isindirReconciler(sopsOptions),
        secondary: [{ informer: secretsMeta, toKeys: (c) => (c.type === "deleted" ? ownerKeys("SopsSecret")(c) : []) }],
        queue: { ...queue, metrics: queueMetrics(registry, "isindir-sopssecret") },
        log,
        onReconciled: reconcileCounter(registry, "isindir-sopssecret"),
      });
    }
    leaderTasks.push(async (signal) => {
      await ageKeys.ensureOne();
      // Keep the published recipients current as keys are added for rotation.
      while (!signal.aborted) {
        await publishRecipients(http, flags.namespace, ageKeys).catch((e: unknown) => {
          log.warn({ error: e instanceof KsealError ? e.code : "unknown" }, "cannot publish age recipients");
        });
        await sleep(systemClock, 60_000, signal).catch(() => undefined);
      }
    });
    routes["GET /v1/age-recipients"] = async () => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: `${JSON.stringify({ recipients: await ageKeys.recipients() })}\n`,
    });
  }

  if (on("externalsecret")) {
    // Every store read goes through one coalescer: concurrent and recent reads of the same
    // (store, credentials, key, version) share one call, per-store rate limits, backoff on
    // throttling, and ESO's provider-call metric.
    const providerCalls = new Counter({
      name: "externalsecret_provider_api_calls_count", help: "Number of API calls to secret stores",
      labelNames: ["provider", "call", "status"], registers: [registry],
    });
    const coalescer = new ReadCoalescer({
      now: () => Date.now(),
      ...(flags.storeRate === undefined ? {} : { rate: flags.storeRate }),
      onCall: (provider, call, status) => {
        providerCalls.inc({ provider, call, status });
      },
    });
    const sweep = setInterval(() => {
      coalescer.sweep();
    }, 30_000);
    sweep.unref();
    closers.push(() => {
      clearInterval(sweep);
      return Promise.resolve();
    });
    const coalesced = async (key: string): Promise<Provider> => {
      const p = await getProvider(key);
      return {
        key: p.key,
        validateSpec: (spec) => {
          p.validateSpec(spec);
        },
        newClient: async (ctx) => coalescer.wrap(storeIdentity(key, ctx), await p.newClient(ctx)),
      };
    };
    const informer = new Informer<KubeObject>({ name: "externalsecrets", source: httpSource(http, EXTERNAL_SECRETS, { namespace: flags.watchNamespace }), log });
    const stores = new Informer<KubeObject>({ name: "secretstores", source: httpSource(http, SECRET_STORES, { namespace: flags.watchNamespace }), log });
    const clusterStores = new Informer<KubeObject>({ name: "clustersecretstores", source: httpSource(http, CLUSTER_SECRET_STORES), log });
    informers.push(informer, stores, clusterStores);
    // A cluster-wide operator watches Namespaces (ClusterSecretStore conditions, ClusterExternalSecrets).
    const namespaces = flags.watchNamespace === undefined ? new Informer<KubeObject>({ name: "namespaces", source: httpSource(http, NAMESPACES), log }) : undefined;
    if (namespaces !== undefined) informers.push(namespaces);
    // The Secrets this engine wrote: their watch echoes are not drift (src/kube/own-writes.ts).
    const ownSecretWrites = new OwnWrites();
    const esMetrics = promEsMetrics(registry);
    const deps = kubeEsDeps({
      http,
      operatorNamespace: flags.namespace,
      hmacKey: clusterHmacKey,
      providers: coalesced,
      // The store informers are synced before this controller starts: no GET per reconcile.
      lookups: {
        secretStore: (namespace, name) => stores.get(objectKey(namespace, name)),
        clusterSecretStore: (name) => clusterStores.get(objectKey(undefined, name)),
        ...(namespaces === undefined ? {} : { namespace: (name: string) => namespaces.get(objectKey(undefined, name)) }),
      },
      secretKnownAbsent,
      secretVersion,
      ownWrites: ownSecretWrites,
      events: {
        record: (es: ExternalSecret, type, reason, note) => {
          events.record({ apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", name: es.metadata.name, namespace: es.metadata.namespace, uid: es.metadata.uid }, type, reason, note);
        },
      },
      metrics: esMetrics,
    });
    // Secrets without owner reference (Orphan, Merge, CreateOrMerge) find their writers by target name.
    const targets = new TargetIndex();
    informer.onChange((c) => {
      targets.apply(c);
      if (c.type === "deleted") esMetrics.forget(c.object.metadata?.namespace ?? "", c.object.metadata?.name ?? "");
    });
    // A store edit (or its deletion) brings back every ExternalSecret that reads from it. A change of
    // its status alone (the store controller's own Ready writes, every few minutes) only brings back
    // those not Ready: one that synced has nothing to gain, and at start-up re-running all of them
    // while their own status writes are still on the way made every one sync twice.
    const esForStore = (ref: string, c: Change): string[] => {
      const statusOnly = !specOrMetadataChanged(c);
      return informer.list()
        .filter((es) => storeRefOf(es) === ref && !(statusOnly && readyStatusOf(es) === "True"))
        .map((es) => objectKey(es.metadata?.namespace, es.metadata?.name ?? ""));
    };
    const esController = addController({
      name: "externalsecret",
      informer,
      reconcile: async ({ object }) => (object === undefined ? { kind: "ok" } : reconcileExternalSecret(object, deps)),
      secondary: [
        // Drift: a managed Secret edited or deleted brings its ExternalSecret back at once.
        {
          informer: secretsMeta,
          toKeys: (c) => {
            if (c.initial) return [];
            const keys = [...new Set([...ownerKeys("ExternalSecret")(c), ...targets.keysForSecret(c)])];
            if (c.type === "deleted" || keys.length === 0) return keys;
            // The echo of the engine's own write is not drift; a change seen while a write of this
            // Secret is in flight is judged when the write ends.
            ownSecretWrites.observe(c.key, c.object.metadata?.resourceVersion, () => {
              for (const k of keys) esController.queue.add(k, "high");
            });
            return [];
          },
        },
        { informer: stores, toKeys: (c) => (c.initial ? [] : esForStore(`SecretStore/${c.object.metadata?.namespace ?? ""}/${c.object.metadata?.name ?? ""}`, c)) },
        { informer: clusterStores, toKeys: (c) => (c.initial ? [] : esForStore(`ClusterSecretStore/${c.object.metadata?.name ?? ""}`, c)) },
      ],
      // A failed sync is retried at least every 30 s (the runtime's default cap is 5 min): a store
      // that was down for a minute had pushed every ExternalSecret's backoff past a minute, so
      // recovery after its return waited on that backoff, not on the store. The price: an
      // ExternalSecret that keeps failing costs one attempt per 30 s (ESO's cap is 1,000 s).
      queue: { ...queue, backoff: { baseMs: 500, capMs: ES_RETRY_CAP_MS }, metrics: queueMetrics(registry, "externalsecret") },
      // Refreshes come back exactly when due: they already sit on a store's grid instants (ADR 0003),
      // which spread stores over the interval. Jitter only woke them early, to be planned "not due"
      // and requeued for the remainder, again early: ~4 reconciles for each refresh.
      refreshJitter: 0,
      log,
      onReconciled: reconcileCounter(registry, "externalsecret"),
    });
    // ESO's store metrics: the Ready condition of every store, from the watched status.
    for (const [metric, inf] of [["secretstore_status_condition", stores], ["clustersecretstore_status_condition", clusterStores]] as const) {
      const gauge = new Gauge({
        name: metric, help: `The status condition of a ${metric.startsWith("cluster") ? "ClusterSecretStore" : "SecretStore"}`,
        labelNames: ["name", "namespace", "condition", "status"], registers: [registry],
      });
      inf.onChange((c) => {
        const name = c.object.metadata?.name ?? "";
        const namespace = c.object.metadata?.namespace ?? "";
        for (const status of ["True", "False"]) gauge.remove({ name, namespace, condition: "Ready", status });
        if (c.type === "deleted") return;
        const ready = readyStatusOf(c.object);
        if (ready !== undefined) gauge.set({ name, namespace, condition: "Ready", status: ready }, 1);
      });
    }
    // Store status: validated on change and every 5 minutes (ESO's store reasons), with ESO's events
    // on the store; a repeat within the recorder's window adds to the Event's count.
    // The API server takes events about a cluster-scoped object only in `default` (where client-go's
    // recorder writes ESO's); an operator confined to another namespace is granted no events there
    // (the chart's RBAC), so its ClusterSecretStores get their status but no events.
    const clusterStoreEvents = flags.watchNamespace === undefined || flags.watchNamespace === "default";
    const storeDeps = {
      reads: deps.storeReads, status: deps.storeStatus, providers: coalesced, controllerClass: "", now: () => Date.now(), recheckMs: 300_000,
      events: {
        record: (store: StoreObjectRef, type: "Normal" | "Warning", reason: string, note: string) => {
          if (store.kind === "ClusterSecretStore" && !clusterStoreEvents) return;
          events.record({ apiVersion: "external-secrets.io/v1", ...store }, type, reason, note);
        },
      },
    };
    for (const [name, inf] of [["secretstore", stores], ["clustersecretstore", clusterStores]] as const) {
      addController({
        name,
        informer: inf,
        reconcile: async ({ object }) => (object === undefined ? { kind: "ok" } : reconcileStore(object, storeDeps)),
        queue: { ...queue, metrics: queueMetrics(registry, name) },
        log,
        onReconciled: reconcileCounter(registry, name),
      });
    }
    if (namespaces !== undefined) {
      // ClusterExternalSecrets fan out across namespaces, so only a cluster-wide operator runs them.
      const ces = new Informer<KubeObject>({ name: "clusterexternalsecrets", source: httpSource(http, CLUSTER_EXTERNAL_SECRETS), log });
      informers.push(ces);
      // Namespaces from the informer this controller already waits for, not a LIST per reconcile.
      const cesPorts = kubeCesPorts(http, () => namespaces.list());
      addController({
        name: "clusterexternalsecret",
        informer: ces,
        reconcile: async ({ object }) => (object === undefined ? { kind: "ok" } : reconcileClusterExternalSecret(object, cesPorts)),
        secondary: [{ informer: namespaces, toKeys: (c) => (c.initial ? [] : ces.keys()) }],
        queue: { ...queue, metrics: queueMetrics(registry, "clusterexternalsecret") },
        log,
        onReconciled: reconcileCounter(registry, "clusterexternalsecret"),
      });
    }
  }

  // ExternalSecret-managed Secrets carry a keyed HMAC of their data (cluster-held key): its value is
  // their digest, reported from the metadata informer — on every change while the rollout runs,
  // and all at once when it starts (a new leader has not seen the changes made before it led).
  const esDigest = (o: KubeObject): SecretChange | undefined => {
    const hmac = on("externalsecret") ? o.metadata?.annotations?.[ANNOTATION_DATA_HMAC] : undefined;
    return hmac === undefined ? undefined : { namespace: o.metadata?.namespace ?? "", name: o.metadata?.name ?? "", hash: hmac };
  };
  if (rollout !== undefined) {
    secretsMeta.onChange((c) => {
      if (c.type === "deleted") {
        rollout.secretDeleted(c.object.metadata?.namespace ?? "", c.object.metadata?.name ?? "");
        return;
      }
      const change = rollout.started ? esDigest(c.object) : undefined;
      if (change !== undefined) rollout.secretChanged(change);
    });
  }

  const runInformers = informers.map((i) => i.run(abort.signal).catch((e: unknown) => {
    log.error({ informer: i.name, error: e instanceof Error ? e.name : "unknown" }, "informer stopped");
  }));
  let controllersStarted = false;
  let leading = false;
  const startControllersOnce = async (signal: AbortSignal): Promise<void> => {
    for (const prepare of beforeStart) {
      await prepare().catch((e: unknown) => {
        log.warn({ error: e instanceof KsealError ? e.code : e instanceof Error ? e.name : "unknown" }, "could not prepare before starting controllers");
      });
    }
    if (signal.aborted) return;
    for (const t of leaderTasks) {
      t(signal).catch((e: unknown) => {
        log.error({ error: e instanceof KsealError ? e.code : e instanceof Error ? e.name : "unknown" }, "leader task failed");
      });
    }
    // Each controller starts once its own informers have synced, so one kind whose CRD is missing
    // (reported by its informer's retries and by /readyz) does not hold the others back.
    const starting = controllers.map(async (c) => {
      await Promise.all((needs.get(c) ?? []).map((i) => i.waitForSync(signal)));
      if (!signal.aborted) c.start();
    });
    if (rollout !== undefined) {
      starting.push((async () => {
        await Promise.all([...Object.values(rollout.informers), secretsMeta].map((i) => i.waitForSync(signal)));
        if (signal.aborted) return;
        // Reports that came before (a writer that started first) are kept for this start; every
        // ExternalSecret-managed Secret is reported now (changes made before this leader led).
        rollout.start();
        rollout.secretsChanged(secretsMeta.list().flatMap((s) => esDigest(s) ?? []));
      })());
    }
    await Promise.all(starting);
    if (isAborted(signal)) return;
    controllersStarted = true;
    log.info({ controllers: controllers.map((c) => c.name) }, "controllers started");
  };
  // Called without awaiting (a leader callback, or start-up): waiting for an informer's sync
  // rejects when the lead is lost or the operator stops first, and that rejection must end here —
  // unhandled, it would end the process.
  const startControllers = (signal: AbortSignal): void => {
    startControllersOnce(signal).catch((e: unknown) => {
      if (signal.aborted) {
        log.info("stopped leading before the controllers started");
        return;
      }
      log.error({ error: e instanceof KsealError ? e.code : e instanceof Error ? e.name : "unknown" }, "could not start the controllers");
    });
  };
  const stopControllers = async (): Promise<void> => {
    // The rollout stops after the writers: no report of theirs can then reach it before it leads again.
    await Promise.all(controllers.map((c) => c.stop()));
    await rollout?.stop();
    controllersStarted = false;
  };

  const health = await startHealthServer({
    registry,
    port: flags.metricsPort,
    host: flags.bindHost,
    readiness: operatorReadiness({ informers, isLeader: () => leading, controllersStarted: () => controllersStarted }),
  });
  const api = await startApiServer({ port: flags.apiPort, host: flags.bindHost, routes, log });
  const heapTrims = new Counter({
    name: "kseal_heap_trims_total",
    help: "Memory-reducing garbage collections run after resident memory grew past what the last one left",
    registers: [registry],
  });
  const stopHeapTrimmer = startHeapTrimmer({
    workInHand: () => controllers.some((c) => c.queue.depth + c.queue.inFlight > 0),
    onTrim: ({ before, after, ms, reason }) => {
      heapTrims.inc();
      log.debug({ rssMbBefore: Math.round(before / 2 ** 20), rssMbAfter: Math.round(after / 2 ** 20), ms: Math.round(ms), reason }, "trimmed the heap");
    },
  });

  let elector: LeaderElector | undefined;
  let leaderRun: Promise<void> | undefined;
  let leaderAbort: AbortController | undefined;
  if (flags.leaderElect) {
    elector = new LeaderElector({
      http,
      namespace: flags.namespace,
      name: flags.leaseName,
      identity,
      log,
      onStartedLeading: (signal) => {
        leading = true;
        setLeader(registry, flags.leaseName, true);
        startControllers(signal);
      },
      onStoppedLeading: async () => {
        leading = false;
        setLeader(registry, flags.leaseName, false);
        await stopControllers();
      },
    });
    leaderRun = elector.run(abort.signal);
  } else {
    leading = true;
    leaderAbort = new AbortController();
    startControllers(leaderAbort.signal);
  }
  log.info(
    { namespace: flags.namespace, apiPort: api.port, metricsPort: health.port, leaderElection: flags.leaderElect, heapTrimming: stopHeapTrimmer !== undefined },
    "kseal-operator running",
  );

  return {
    apiPort: api.port,
    metricsPort: health.port,
    stop: async () => {
      // Graceful: finish in-flight reconciles, release the Lease, then close everything.
      leaderAbort?.abort();
      abort.abort();
      stopHeapTrimmer?.();
      await leaderRun;
      await stopControllers();
      await Promise.all(runInformers);
      await Promise.all(closers.map((c) => c()));
      await api.close();
      await health.close();
      log.info({}, "kseal-operator stopped");
      log.flush();
    },
  };
}

