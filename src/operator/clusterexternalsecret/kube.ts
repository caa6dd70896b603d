/** {@link CesPorts} bound to the API server through client-node. */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import { isNotFound } from "../../kube/client.ts";
import type { CesPorts, ExistingEs } from "./index.ts";
import type { NamespaceInfo } from "../secretstore/index.ts";

const G = { group: "external-secrets.io", version: "v1" } as const;
const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** A Namespace as the API or an informer holds it: what selection needs. */
interface NamespaceObject {
  readonly metadata?: { readonly name?: string; readonly labels?: Record<string, string> };
  readonly status?: unknown;
}

function namespaceInfo(n: NamespaceObject): NamespaceInfo & { terminating: boolean } {
  const phase = (n.status as { phase?: unknown } | undefined)?.phase;
  return { name: n.metadata?.name ?? "", labels: n.metadata?.labels ?? {}, terminating: phase === "Terminating" };
}

/**
 * `cachedNamespaces`: a synced Namespace informer's objects. Given, every reconcile selects from it
 * instead of listing all Namespaces from the API server; absent, each reconcile lists them.
 */
export function kubeCesPorts(kc: KubeConfig, now: () => number = Date.now, cachedNamespaces?: () => readonly NamespaceObject[]): CesPorts {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    async listNamespaces() {
      return (cachedNamespaces?.() ?? (await core.listNamespace()).items).map(namespaceInfo);
    },
    async getExternalSecret(namespace, name): Promise<ExistingEs | undefined> {
      try {
        const es = (await custom.getNamespacedCustomObject({ ...G, namespace, plural: "externalsecrets", name })) as {
          metadata?: { resourceVersion?: string; ownerReferences?: { uid: string }[] };
        };
        return { resourceVersion: es.metadata?.resourceVersion ?? "", ownerUids: (es.metadata?.ownerReferences ?? []).map((r) => r.uid) };
      } catch (e: unknown) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    async createExternalSecret(namespace, body) {
      await custom.createNamespacedCustomObject({ ...G, namespace, plural: "externalsecrets", body });
    },
    async replaceExternalSecret(namespace, name, body) {
      await custom.replaceNamespacedCustomObject({ ...G, namespace, plural: "externalsecrets", name, body });
    },
    async deleteExternalSecret(namespace, name) {
      try {
        await custom.deleteNamespacedCustomObject({ ...G, namespace, plural: "externalsecrets", name });
      } catch (e: unknown) {
        if (!isNotFound(e)) throw e;
      }
    },
    async writeStatus(name, status) {
      await custom.patchClusterCustomObjectStatus({ ...G, plural: "clusterexternalsecrets", name, body: { status } }, MERGE);
    },
    now,
  };
}
