/** {@link CesPorts} bound to the API server through client-node. */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import type { CesPorts, ExistingEs } from "./index.ts";

const G = { group: "external-secrets.io", version: "v1" } as const;
const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

function code(e: unknown): number | undefined {
  const c = typeof e === "object" && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof c === "number" ? c : undefined;
}

export function kubeCesPorts(kc: KubeConfig, now: () => number = Date.now): CesPorts {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    async listNamespaces() {
      const list = await core.listNamespace();
      return list.items.map((n) => ({ name: n.metadata?.name ?? "", labels: n.metadata?.labels ?? {}, terminating: n.status?.phase === "Terminating" }));
    },
    async getExternalSecret(namespace, name): Promise<ExistingEs | undefined> {
      try {
        const es = (await custom.getNamespacedCustomObject({ ...G, namespace, plural: "externalsecrets", name })) as {
          metadata?: { resourceVersion?: string; ownerReferences?: { uid: string }[] };
        };
        return { resourceVersion: es.metadata?.resourceVersion ?? "", ownerUids: (es.metadata?.ownerReferences ?? []).map((r) => r.uid) };
      } catch (e: unknown) {
        if (code(e) === 404) return undefined;
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
        if (code(e) !== 404) throw e;
      }
    },
    async writeStatus(name, status) {
      await custom.patchClusterCustomObjectStatus({ ...G, plural: "clusterexternalsecrets", name, body: { status } }, MERGE);
    },
    now,
  };
}
