/**
 * The ports of the ExternalSecret engine bound to a real API server through KubeHttp. The lead's
 * main.ts builds {@link kubeEsDeps} once and calls reconcileExternalSecret / reconcileStore from the
 * work queue; tests call them directly with the same deps.
 */
import { randomBytes } from "node:crypto";
import { KsealError } from "../../errors.ts";
import { objectKey } from "../../kube/outcome.ts";
import type { OwnWrites } from "../../kube/own-writes.ts";
import { SECRETS, isConflict, isNotFound, resourcePath, type KubeHttp, type KubeObject } from "../../kube/client.ts";
import { generate, GENERATOR_GROUP, GENERATOR_VERSION, type GeneratorReadPort } from "../../generators/index.ts";
import { renderTemplate } from "../../template/index.ts";
import type { Provider } from "../../stores/contract.ts";
import { VerifiedTargets } from "./verified.ts";
import { resolveStore, type NamespaceInfo, type StoreReadPort, type StoreStatusPort } from "../secretstore/index.ts";
import { httpSecretPort, type SecretObject, type SecretPort } from "../secrets/index.ts";
import type { EsDeps, EventPort } from "./act.ts";
import { noMetrics, type EsMetrics } from "./metrics.ts";
import type { TemplateEngine } from "./plan.ts";
import { RefreshMemory } from "./refreshes.ts";
import { CLUSTER_SECRET_STORES, CONFIG_MAPS, EXTERNAL_SECRETS, NAMESPACES, SECRET_STORES, SERVICE_ACCOUNTS } from "./resources.ts";
import type { EsStatusPort } from "./status.ts";

interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** ESO engine v2 on src/template. */
export const esoTemplateEngine: TemplateEngine = {
  render(template, data) {
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) values[k] = typeof v === "string" ? v : JSON.stringify(v);
    return renderTemplate(template, values, { funcs: "eso" });
  },
};

export function kubeEsStatusPort(http: KubeHttp): EsStatusPort {
  return {
    async write(namespace, name, status) {
      await http.mergePatch(EXTERNAL_SECRETS, namespace, name, { status }, { subresource: "status" });
    },
  };
}

export function kubeStoreStatusPort(http: KubeHttp): StoreStatusPort {
  return {
    async writeStatus(kind, namespace, name, status) {
      const r = kind === "ClusterSecretStore" ? CLUSTER_SECRET_STORES : SECRET_STORES;
      await http.mergePatch(r, r.namespaced ? namespace ?? "" : undefined, name, { status }, { subresource: "status" });
    },
  };
}

/**
 * The stores the operator's informers already hold, so a reconcile does not GET them again.
 * `undefined` from a lookup means "not in the cache" and falls back to a GET, so a store created a
 * moment ago is not reported missing while its watch event is on the way.
 */
export interface StoreLookups {
  secretStore?(namespace: string, name: string): unknown;
  clusterSecretStore?(name: string): unknown;
  /** A Namespace (its labels decide a ClusterSecretStore's conditions); cluster-wide operators only. */
  namespace?(name: string): KubeObject | undefined;
}

/** How long a credential Secret read is shared by the reconciles that need it (a burst of syncs). */
const CREDENTIAL_REUSE_MS = 2_000;
const CREDENTIAL_MEMO_MAX = 1_024;

/**
 * Credential Secrets read at most once per {@link CREDENTIAL_REUSE_MS}: when a thousand
 * ExternalSecrets of one store sync together, each client would otherwise GET the same token
 * Secret. A rotated credential is seen within that window; a failed read is not kept.
 */
function sharedSecretReads(http: KubeHttp, now: () => number): (namespace: string, name: string) => Promise<SecretObject | null> {
  const memo = new Map<string, { readonly at: number; readonly read: Promise<SecretObject | null> }>();
  return (namespace, name) => {
    const id = `${namespace}/${name}`;
    const t = now();
    const hit = memo.get(id);
    if (hit !== undefined && t - hit.at < CREDENTIAL_REUSE_MS) return hit.read;
    if (memo.size >= CREDENTIAL_MEMO_MAX) {
      for (const [k, v] of memo) if (t - v.at >= CREDENTIAL_REUSE_MS) memo.delete(k);
      if (memo.size >= CREDENTIAL_MEMO_MAX) memo.clear();
    }
    const read = http.get<SecretObject>(SECRETS, namespace, name);
    memo.set(id, { at: t, read });
    read.catch(() => {
      if (memo.get(id)?.read === read) memo.delete(id);
    });
    return read;
  };
}

export function kubeStoreReadPort(http: KubeHttp, lookups: StoreLookups = {}, now: () => number = Date.now): StoreReadPort {
  const readSecret = sharedSecretReads(http, now);
  return {
    getSecretStore: async (namespace, name) => lookups.secretStore?.(namespace, name) ?? (await http.get(SECRET_STORES, namespace, name)),
    getClusterSecretStore: async (name) => lookups.clusterSecretStore?.(name) ?? (await http.get(CLUSTER_SECRET_STORES, undefined, name)),
    async getNamespace(name): Promise<NamespaceInfo | undefined> {
      const ns = lookups.namespace?.(name) ?? (await http.get(NAMESPACES, undefined, name));
      return ns === null ? undefined : { name, labels: ns.metadata?.labels ?? {} };
    },
    async readSecretKey(namespace, name, key) {
      const s = await readSecret(namespace, name);
      const v = s?.data?.[key];
      if (v === undefined) {
        throw new KsealError("STORE_CREDENTIAL_MISSING", `key "${key}" of Secret ${namespace}/${name} not found`, { details: { namespace, name, key } });
      }
      return new Uint8Array(Buffer.from(v, "base64"));
    },
    async readConfigMapKey(namespace, name, key) {
      const cm = await http.get<ConfigMapObject>(CONFIG_MAPS, namespace, name);
      const details = { namespace, name, key };
      if (cm === null) throw new KsealError("CONFIGMAP_NOT_FOUND", `ConfigMap ${namespace}/${name} not found`, { details });
      const text = cm.data?.[key];
      if (text !== undefined) return new TextEncoder().encode(text);
      const bin = cm.binaryData?.[key];
      if (bin !== undefined) return new Uint8Array(Buffer.from(bin, "base64"));
      throw new KsealError("CONFIGMAP_KEY_NOT_FOUND", `key "${key}" of ConfigMap ${namespace}/${name} not found`, { details });
    },
    async createServiceAccountToken(namespace, name, audiences) {
      let tr: { status?: { token?: string } };
      try {
        tr = await http.json("POST", resourcePath(SERVICE_ACCOUNTS, { namespace, name, subresource: "token" }), {
          body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: [...audiences], expirationSeconds: 600 } },
        });
      } catch (e: unknown) {
        if (isNotFound(e)) throw new KsealError("STORE_CREDENTIAL_MISSING", `service account ${namespace}/${name} not found`, { details: { namespace, name } });
        throw e;
      }
      const token = tr.status?.token;
      if (token === undefined || token === "") throw new KsealError("STORE_AUTH_FAILED", `no token issued for service account ${namespace}/${name}`);
      return token;
    },
  };
}

/** Generator objects (generators.external-secrets.io/v1alpha1), read on demand; 404 → undefined. */
export function kubeGeneratorReadPort(http: KubeHttp): GeneratorReadPort {
  return {
    async read(plural, namespace, name) {
      const r = { group: GENERATOR_GROUP, version: GENERATOR_VERSION, plural, kind: plural, namespaced: namespace !== undefined };
      return (await http.get(r, namespace, name)) ?? undefined;
    },
  };
}

/**
 * The HMAC key: 32 random bytes in Secret `name` (key `hmac-key`) of the operator's namespace,
 * created on first use. Cached after the first read.
 */
export function hmacKeyLoader(http: KubeHttp, namespace: string, name = "kseal-externalsecret-hmac"): () => Promise<Uint8Array> {
  let cached: Promise<Uint8Array> | undefined;
  const keyOf = (s: SecretObject | null): string | undefined => s?.data?.["hmac-key"];
  const load = async (): Promise<Uint8Array> => {
    const have = keyOf(await http.get<SecretObject>(SECRETS, namespace, name));
    if (have !== undefined) return new Uint8Array(Buffer.from(have, "base64"));
    try {
      await http.create(SECRETS, namespace, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, labels: { "app.kubernetes.io/part-of": "kseal" } },
        type: "Opaque",
        data: { "hmac-key": randomBytes(32).toString("base64") },
      });
    } catch (e: unknown) {
      if (!isConflict(e)) throw e;
    }
    const v = keyOf(await http.get<SecretObject>(SECRETS, namespace, name));
    if (v === undefined) throw new KsealError("ES_HMAC_KEY_MISSING", `Secret ${namespace}/${name} has no hmac-key`);
    return new Uint8Array(Buffer.from(v, "base64"));
  };
  return () => {
    cached ??= load().catch((e: unknown) => {
      cached = undefined;
      throw e;
    });
    return cached;
  };
}

export interface KubeEsOptions {
  readonly http: KubeHttp;
  /** Where the HMAC key Secret lives (the operator's namespace). */
  readonly operatorNamespace: string;
  /** The HMAC key's loader, when the caller shares it (the rollout digests); default its own. */
  readonly hmacKey?: () => Promise<Uint8Array>;
  readonly providers: (key: string) => Promise<Provider>;
  /** The operator's informers, read instead of GETs where they hold the object. */
  readonly lookups?: StoreLookups;
  readonly controllerClass?: string;
  readonly events?: EventPort;
  readonly metrics?: EsMetrics;
  readonly template?: TemplateEngine;
  readonly now?: () => number;
  /** See {@link EsDeps.secretKnownAbsent}. */
  readonly secretKnownAbsent?: (namespace: string, name: string) => boolean;
  /** Told of every Secret write of this engine (see src/kube/own-writes.ts). */
  readonly ownWrites?: Pick<OwnWrites, "begin" | "end">;
  /** See {@link EsDeps.secretVersion}; given, a refresh of an unchanged Secret skips reading it (verified.ts). */
  readonly secretVersion?: (namespace: string, name: string) => string | undefined;
}

/** `port`, bracketing each Secret it creates or replaces with `own.begin` / `own.end`. */
function reportingWrites(port: SecretPort, own: Pick<OwnWrites, "begin" | "end"> | undefined): SecretPort {
  if (own === undefined) return port;
  const bracket = async (namespace: string, name: string, write: () => Promise<SecretObject>): Promise<SecretObject> => {
    const key = objectKey(namespace, name);
    own.begin(key);
    let rv: string | undefined;
    try {
      const s = await write();
      rv = s.metadata?.resourceVersion;
      return s;
    } finally {
      own.end(key, rv);
    }
  };
  return {
    read: (namespace, name) => port.read(namespace, name),
    create: (namespace, body) => bracket(namespace, body.metadata?.name ?? "", () => port.create(namespace, body)),
    replace: (namespace, name, body) => bracket(namespace, name, () => port.replace(namespace, name, body)),
    delete: (namespace, name, resourceVersion) => port.delete(namespace, name, resourceVersion),
  };
}

/** Every ExternalSecret port bound to the API server of `http`. */
export function kubeEsDeps(o: KubeEsOptions): EsDeps & { readonly storeReads: StoreReadPort; readonly storeStatus: StoreStatusPort } {
  const { http } = o;
  const now = o.now ?? ((): number => Date.now());
  const storeReads = kubeStoreReadPort(http, o.lookups, now);
  const generators = kubeGeneratorReadPort(http);
  return {
    secrets: reportingWrites(httpSecretPort(http), o.ownWrites),
    async readConfigMap(namespace, name) {
      const cm = await http.get<ConfigMapObject>(CONFIG_MAPS, namespace, name);
      return cm === null ? undefined : (cm.data ?? {});
    },
    resolveStore: (ref, namespace) => resolveStore(ref, namespace, { reads: storeReads, providers: o.providers, controllerClass: o.controllerClass ?? "", now }),
    status: kubeEsStatusPort(http),
    events: o.events ?? { record: () => undefined },
    metrics: o.metrics ?? noMetrics,
    hmacKey: o.hmacKey ?? hmacKeyLoader(http, o.operatorNamespace),
    template: o.template ?? esoTemplateEngine,
    now,
    generate: (ref, namespace) => generate(ref, namespace, generators),
    refreshes: new RefreshMemory(),
    ...(o.secretKnownAbsent === undefined ? {} : { secretKnownAbsent: o.secretKnownAbsent }),
    ...(o.secretVersion === undefined ? {} : { secretVersion: o.secretVersion, verified: new VerifiedTargets() }),
    storeReads,
    storeStatus: kubeStoreStatusPort(http),
  };
}
