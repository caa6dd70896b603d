/** {@link CesPorts} bound to the API server through kseal's HTTP client. */
import type { KubeHttp } from "../../kube/client.ts";
import { CLUSTER_EXTERNAL_SECRETS, EXTERNAL_SECRETS, NAMESPACES } from "../externalsecret/resources.ts";
import type { CesPorts, ExistingEs } from "./index.ts";
import type { NamespaceInfo } from "../secretstore/index.ts";

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
export function kubeCesPorts(http: KubeHttp, cachedNamespaces?: () => readonly NamespaceObject[]): CesPorts {
  return {
    async listNamespaces() {
      return (cachedNamespaces?.() ?? (await http.list(NAMESPACES)).items).map(namespaceInfo);
    },
    async getExternalSecret(namespace, name): Promise<ExistingEs | undefined> {
      const es = await http.get(EXTERNAL_SECRETS, namespace, name);
      if (es === null) return undefined;
      return {
        resourceVersion: es.metadata?.resourceVersion ?? "",
        ownerUids: (es.metadata?.ownerReferences ?? []).map((r) => r.uid),
        labels: es.metadata?.labels ?? {},
        annotations: es.metadata?.annotations ?? {},
        spec: (es as { spec?: unknown }).spec,
      };
    },
    async createExternalSecret(namespace, body) {
      await http.create(EXTERNAL_SECRETS, namespace, body);
    },
    async replaceExternalSecret(namespace, name, body) {
      await http.replace(EXTERNAL_SECRETS, namespace, name, body);
    },
    async deleteExternalSecret(namespace, name) {
      await http.delete(EXTERNAL_SECRETS, namespace, name);
    },
    async writeStatus(name, status) {
      await http.mergePatch(CLUSTER_EXTERNAL_SECRETS, undefined, name, { status }, { subresource: "status" });
    },
  };
}
