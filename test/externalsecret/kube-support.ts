// Integration helpers: the ExternalSecret engine wired to the real API server exactly as main.ts
// will wire it (kubeEsDeps), with the fake and kubernetes providers, an injectable clock and a
// recording event port; plus small CRUD helpers for the external-secrets.io kinds.
import type { Provider } from "../../src/stores/contract.ts";
import { provider as fakeProvider } from "../../src/stores/fake/index.ts";
import { provider as kubernetesProvider } from "../../src/stores/kubernetes/index.ts";
import { reconcileExternalSecret } from "../../src/operator/externalsecret/act.ts";
import { kubeEsDeps } from "../../src/operator/externalsecret/kube.ts";
import { reconcileStore } from "../../src/operator/secretstore/index.ts";
import type { Outcome } from "../../src/kube/outcome.ts";
import { KubeHttp, SECRETS, type KubeObject, type ResourceType } from "../../src/kube/client.ts";
import { objectKey } from "../../src/kube/outcome.ts";
import { Informer, httpSource } from "../../src/kube/watch.ts";
import type { TestKube } from "../support/kube.ts";
import { createNamespace } from "../support/kube.ts";
import { installEsoCrds } from "../crd/apply-crds.ts";

const G = { group: "external-secrets.io", version: "v1" } as const;

export const providers = (key: string): Promise<Provider> => {
  if (key === "fake") return Promise.resolve(fakeProvider);
  if (key === "kubernetes") return Promise.resolve(kubernetesProvider);
  return Promise.reject(new Error(`provider ${key} not wired in this test`));
};

export interface Harness {
  readonly ns: string;
  readonly events: { type: string; reason: string; note: string }[];
  /** Events reconcileStore recorded on stores. */
  readonly storeEvents: { kind: string; name: string; type: string; reason: string; note: string }[];
  /** The injected clock (ms). */
  now: number;
  /** What the engine is told of its target Secrets' absence (EsDeps.secretKnownAbsent); default false. */
  assumeSecretsAbsent: boolean;
  reconcile(name: string, namespace?: string): Promise<Outcome>;
  reconcileStore(name: string, kind?: "SecretStore" | "ClusterSecretStore"): Promise<Outcome>;
  createEs(name: string, spec: Record<string, unknown>, metadata?: Record<string, unknown>, namespace?: string): Promise<void>;
  patchEs(name: string, patch: Record<string, unknown>, namespace?: string): Promise<void>;
  getEs(name: string, namespace?: string): Promise<EsObject>;
  createStore(name: string, spec: Record<string, unknown>, namespace?: string): Promise<void>;
  createClusterStore(name: string, spec: Record<string, unknown>): Promise<void>;
  replaceStoreSpec(name: string, spec: Record<string, unknown>, namespace?: string): Promise<void>;
  secretText(name: string, namespace?: string): Promise<Record<string, string> | undefined>;
  /** GETs of a Secret the engine made (all Secrets, since the harness started). */
  readonly secretGets: { count: number };
  /**
   * With `watchSecrets`: resolves once the harness's metadata informer shows Secret `name` at the
   * resourceVersion it has on the API server now (or its absence), so the engine's view is current.
   */
  secretWatched(name: string): Promise<void>;
  cleanup(): Promise<void>;
}

export interface HarnessOptions {
  /**
   * Wire a metadata informer of the namespace's Secrets as the engine's `secretVersion`, as the
   * operator does: a refresh of an unchanged Secret then skips reading it.
   */
  readonly watchSecrets?: boolean;
}

/** KubeHttp that counts the Secret GETs it serves. */
class CountingHttp extends KubeHttp {
  readonly secretGets = { count: 0 };
  override async get<T extends KubeObject = KubeObject>(r: ResourceType, namespace: string | undefined, name: string): Promise<T | null> {
    if (r.plural === SECRETS.plural && r.group === "") this.secretGets.count++;
    return super.get<T>(r, namespace, name);
  }
}

export interface EsObject {
  metadata: { resourceVersion: string; generation: number; annotations?: Record<string, string> };
  status?: {
    refreshTime?: string;
    syncedResourceVersion?: string;
    binding?: { name: string };
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

/** `extra` wires more providers by key (e.g. a Vault provider) beside fake and kubernetes. */
export async function harness(kube: TestKube, file: string, extra: Readonly<Record<string, Provider>> = {}, options: HarnessOptions = {}): Promise<Harness> {
  await installEsoCrds(kube);
  const ns = await createNamespace(kube, file);
  const http = new CountingHttp(kube.access);
  const stop = new AbortController();
  const watched = options.watchSecrets === true
    ? new Informer<KubeObject>({ name: "test-secrets", source: httpSource(http, SECRETS, { metadataOnly: true, namespace: ns.name }) })
    : undefined;
  if (watched !== undefined) {
    void watched.run(stop.signal);
    await watched.waitForSync(stop.signal);
  }
  const clusterStores: string[] = [];
  const wired = (key: string): Promise<Provider> => (Object.hasOwn(extra, key) && extra[key] !== undefined ? Promise.resolve(extra[key]) : providers(key));
  const events: Harness["events"] = [];
  const storeEvents: Harness["storeEvents"] = [];
  const h: Harness = {
    ns: ns.name,
    events,
    storeEvents,
    now: Date.parse("2026-06-01T10:00:00Z"),
    assumeSecretsAbsent: false,
    async reconcile(name, namespace = ns.name) {
      const raw: unknown = await kube.custom.getNamespacedCustomObject({ ...G, namespace, plural: "externalsecrets", name });
      return reconcileExternalSecret(raw, deps);
    },
    async reconcileStore(name, kind = "SecretStore") {
      const raw: unknown =
        kind === "SecretStore"
          ? await kube.custom.getNamespacedCustomObject({ ...G, namespace: ns.name, plural: "secretstores", name })
          : await kube.custom.getClusterCustomObject({ ...G, plural: "clustersecretstores", name });
      const storeEventPort = {
        record: (store: { kind: string; name: string }, type: string, reason: string, note: string) => {
          storeEvents.push({ kind: store.kind, name: store.name, type, reason, note });
        },
      };
      return reconcileStore(raw, { reads: deps.storeReads, providers: wired, controllerClass: "", now: () => h.now, status: deps.storeStatus, events: storeEventPort, recheckMs: 300_000 });
    },
    async createEs(name, spec, metadata = {}, namespace = ns.name) {
      await kube.custom.createNamespacedCustomObject({
        ...G, namespace, plural: "externalsecrets",
        body: { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { ...metadata, name, namespace }, spec },
      });
    },
    async patchEs(name, patch, namespace = ns.name) {
      const cur = (await kube.custom.getNamespacedCustomObject({ ...G, namespace, plural: "externalsecrets", name })) as Record<string, unknown>;
      const merged = { ...cur, ...patch, metadata: { ...(cur.metadata as object), ...((patch.metadata as object | undefined) ?? {}) } };
      await kube.custom.replaceNamespacedCustomObject({ ...G, namespace, plural: "externalsecrets", name, body: merged });
    },
    async getEs(name, namespace = ns.name) {
      return (await kube.custom.getNamespacedCustomObject({ ...G, namespace, plural: "externalsecrets", name })) as EsObject;
    },
    async createStore(name, spec, namespace = ns.name) {
      await kube.custom.createNamespacedCustomObject({
        ...G, namespace, plural: "secretstores",
        body: { apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name, namespace }, spec },
      });
    },
    async createClusterStore(name, spec) {
      clusterStores.push(name);
      await kube.custom.createClusterCustomObject({
        ...G, plural: "clustersecretstores",
        body: { apiVersion: "external-secrets.io/v1", kind: "ClusterSecretStore", metadata: { name }, spec },
      });
    },
    async replaceStoreSpec(name, spec, namespace = ns.name) {
      const cur = (await kube.custom.getNamespacedCustomObject({ ...G, namespace, plural: "secretstores", name })) as Record<string, unknown>;
      await kube.custom.replaceNamespacedCustomObject({ ...G, namespace, plural: "secretstores", name, body: { ...cur, spec } });
    },
    async secretText(name, namespace = ns.name) {
      try {
        const s = await kube.core.readNamespacedSecret({ namespace, name });
        return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
      } catch (e: unknown) {
        if ((e as { code?: number }).code === 404) return undefined;
        throw e;
      }
    },
    secretGets: http.secretGets,
    async secretWatched(name) {
      if (watched === undefined) throw new Error("harness made without watchSecrets");
      let want: string | undefined;
      try {
        want = (await kube.core.readNamespacedSecret({ namespace: ns.name, name })).metadata?.resourceVersion;
      } catch (e: unknown) {
        if ((e as { code?: number }).code !== 404) throw e;
      }
      for (let i = 0; watched.get(objectKey(ns.name, name))?.metadata?.resourceVersion !== want; i++) {
        if (i > 200) throw new Error(`the Secret informer did not catch up with ${name}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async cleanup() {
      stop.abort();
      for (const name of clusterStores) {
        await kube.custom.deleteClusterCustomObject({ ...G, plural: "clustersecretstores", name }).catch(() => undefined);
      }
      await ns.remove();
    },
  };
  const deps = kubeEsDeps({
    http,
    operatorNamespace: ns.name,
    providers: wired,
    now: () => h.now,
    secretKnownAbsent: () => h.assumeSecretsAbsent,
    ...(watched === undefined ? {} : {
      secretVersion: (namespace: string, name: string) => watched.get(objectKey(namespace, name))?.metadata?.resourceVersion,
    }),
    events: { record: (_es, type, reason, note) => events.push({ type, reason, note }) },
  });
  return h;
}

export function ready(es: EsObject): { status: string; reason: string; message: string } | undefined {
  const c = es.status?.conditions?.find((x) => x.type === "Ready");
  return c === undefined ? undefined : { status: c.status, reason: c.reason, message: c.message };
}

/** A fake store spec from key → value. */
export function fakeSpec(values: Record<string, string>): Record<string, unknown> {
  return { provider: { fake: { data: Object.entries(values).map(([key, value]) => ({ key, value })) } } };
}
