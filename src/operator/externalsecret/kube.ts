/**
 * The ports of the ExternalSecret engine bound to a real API server through client-node. The lead's
 * main.ts builds {@link kubeEsDeps} once and calls reconcileExternalSecret / reconcileStore from the
 * work queue; tests call them directly with the same deps.
 */
import { randomBytes } from "node:crypto";
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from "@kubernetes/client-node";
import { KsealError } from "../../errors.ts";
import { isConflict, isNotFound } from "../../kube/client.ts";
import { generate, GENERATOR_GROUP, GENERATOR_VERSION, type GeneratorReadPort } from "../../generators/index.ts";
import { renderTemplate } from "../../template/index.ts";
import type { Provider } from "../../stores/contract.ts";
import { resolveStore, type NamespaceInfo, type StoreReadPort, type StoreStatusPort } from "../secretstore/index.ts";
import { coreSecretPort } from "../secrets/index.ts";
import type { EsDeps, EventPort } from "./act.ts";
import { noMetrics, type EsMetrics } from "./metrics.ts";
import type { TemplateEngine } from "./plan.ts";
import { RefreshMemory } from "./refreshes.ts";
import type { EsStatusPort } from "./status.ts";
import { GROUP, VERSION } from "./crd.ts";

const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e: unknown) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** ESO engine v2 on src/template. */
export const esoTemplateEngine: TemplateEngine = {
  render(template, data) {
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) values[k] = typeof v === "string" ? v : JSON.stringify(v);
    return renderTemplate(template, values, { funcs: "eso" });
  },
};

export function kubeEsStatusPort(custom: CustomObjectsApi): EsStatusPort {
  return {
    async write(namespace, name, status) {
      await custom.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, namespace, plural: "externalsecrets", name, body: { status } },
        MERGE,
      );
    },
  };
}

export function kubeStoreStatusPort(custom: CustomObjectsApi): StoreStatusPort {
  return {
    async writeStatus(kind, namespace, name, status) {
      const body = { status };
      if (kind === "ClusterSecretStore") {
        await custom.patchClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural: "clustersecretstores", name, body }, MERGE);
      } else {
        await custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: namespace ?? "", plural: "secretstores", name, body }, MERGE);
      }
    },
  };
}

export function kubeStoreReadPort(core: CoreV1Api, custom: CustomObjectsApi): StoreReadPort {
  return {
    getSecretStore: (namespace, name) => orUndefined(custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: "secretstores", name })),
    getClusterSecretStore: (name) => orUndefined(custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: "clustersecretstores", name })),
    async getNamespace(name): Promise<NamespaceInfo | undefined> {
      const ns = await orUndefined(core.readNamespace({ name }));
      return ns === undefined ? undefined : { name, labels: ns.metadata?.labels ?? {} };
    },
    async readSecretKey(namespace, name, key) {
      const s = await orUndefined(core.readNamespacedSecret({ namespace, name }));
      const v = s?.data?.[key];
      if (v === undefined) {
        throw new KsealError("STORE_CREDENTIAL_MISSING", `key "${key}" of Secret ${namespace}/${name} not found`, { details: { namespace, name, key } });
      }
      return new Uint8Array(Buffer.from(v, "base64"));
    },
    async readConfigMapKey(namespace, name, key) {
      const cm = await orUndefined(core.readNamespacedConfigMap({ namespace, name }));
      const details = { namespace, name, key };
      if (cm === undefined) throw new KsealError("CONFIGMAP_NOT_FOUND", `ConfigMap ${namespace}/${name} not found`, { details });
      const text = cm.data?.[key];
      if (text !== undefined) return new TextEncoder().encode(text);
      const bin = cm.binaryData?.[key];
      if (bin !== undefined) return new Uint8Array(Buffer.from(bin, "base64"));
      throw new KsealError("CONFIGMAP_KEY_NOT_FOUND", `key "${key}" of ConfigMap ${namespace}/${name} not found`, { details });
    },
    async createServiceAccountToken(namespace, name, audiences) {
      const tr = await orUndefined(core.createNamespacedServiceAccountToken({
        namespace,
        name,
        body: { spec: { audiences: [...audiences], expirationSeconds: 600 } },
      }));
      if (tr === undefined) {
        throw new KsealError("STORE_CREDENTIAL_MISSING", `service account ${namespace}/${name} not found`, { details: { namespace, name } });
      }
      const token = tr.status?.token;
      if (token === undefined || token === "") throw new KsealError("STORE_AUTH_FAILED", `no token issued for service account ${namespace}/${name}`);
      return token;
    },
  };
}

/** Generator objects (generators.external-secrets.io/v1alpha1), read on demand; 404 → undefined. */
export function kubeGeneratorReadPort(custom: CustomObjectsApi): GeneratorReadPort {
  const g = { group: GENERATOR_GROUP, version: GENERATOR_VERSION };
  return {
    read: (plural, namespace, name) =>
      orUndefined<unknown>(
        namespace === undefined
          ? custom.getClusterCustomObject({ ...g, plural, name })
          : custom.getNamespacedCustomObject({ ...g, namespace, plural, name }),
      ),
  };
}

/**
 * The HMAC key: 32 random bytes in Secret `name` (key `hmac-key`) of the operator's namespace,
 * created on first use. Cached after the first read.
 */
export function hmacKeyLoader(core: CoreV1Api, namespace: string, name = "kseal-externalsecret-hmac"): () => Promise<Uint8Array> {
  let cached: Promise<Uint8Array> | undefined;
  const load = async (): Promise<Uint8Array> => {
    const existing = await orUndefined(core.readNamespacedSecret({ namespace, name }));
    const have = existing?.data?.["hmac-key"];
    if (have !== undefined) return new Uint8Array(Buffer.from(have, "base64"));
    try {
      await core.createNamespacedSecret({
        namespace,
        body: { metadata: { name, labels: { "app.kubernetes.io/part-of": "kseal" } }, type: "Opaque", data: { "hmac-key": randomBytes(32).toString("base64") } },
      });
    } catch (e: unknown) {
      if (!isConflict(e)) throw e;
    }
    const s = await core.readNamespacedSecret({ namespace, name });
    const v = s.data?.["hmac-key"];
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
  readonly kc: KubeConfig;
  /** Where the HMAC key Secret lives (the operator's namespace). */
  readonly operatorNamespace: string;
  readonly providers: (key: string) => Promise<Provider>;
  readonly controllerClass?: string;
  readonly events?: EventPort;
  readonly metrics?: EsMetrics;
  readonly template?: TemplateEngine;
  readonly now?: () => number;
}

/** Every ExternalSecret port bound to the API server of `kc`. */
export function kubeEsDeps(o: KubeEsOptions): EsDeps & { readonly storeReads: StoreReadPort; readonly storeStatus: StoreStatusPort } {
  const core = o.kc.makeApiClient(CoreV1Api);
  const custom = o.kc.makeApiClient(CustomObjectsApi);
  const now = o.now ?? ((): number => Date.now());
  const storeReads = kubeStoreReadPort(core, custom);
  const generators = kubeGeneratorReadPort(custom);
  return {
    secrets: coreSecretPort(core),
    async readConfigMap(namespace, name) {
      const cm = await orUndefined(core.readNamespacedConfigMap({ namespace, name }));
      return cm === undefined ? undefined : (cm.data ?? {});
    },
    resolveStore: (ref, namespace) => resolveStore(ref, namespace, { reads: storeReads, providers: o.providers, controllerClass: o.controllerClass ?? "", now }),
    status: kubeEsStatusPort(custom),
    events: o.events ?? { record: () => undefined },
    metrics: o.metrics ?? noMetrics,
    hmacKey: hmacKeyLoader(core, o.operatorNamespace),
    template: o.template ?? esoTemplateEngine,
    now,
    generate: (ref, namespace) => generate(ref, namespace, generators),
    refreshes: new RefreshMemory(),
    storeReads,
    storeStatus: kubeStoreStatusPort(custom),
  };
}
