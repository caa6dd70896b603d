// The ExternalSecret engine's store reads answer from the operator's informers where they hold the
// object (stores, and for a cluster-wide operator the Namespaces whose labels decide a
// ClusterSecretStore's conditions), and fall back to a GET only for what the caches lack.
import { describe, expect, it } from "vitest";
import { kubeStoreReadPort } from "../../src/operator/externalsecret/kube.ts";
import type { KubeHttp, KubeObject, ResourceType } from "../../src/kube/client.ts";

/** A KubeHttp that serves GETs from a map and records them. */
function fakeHttp(objects: Record<string, KubeObject>): { http: KubeHttp; gets: string[] } {
  const gets: string[] = [];
  const http = {
    get: (r: ResourceType, namespace: string | undefined, name: string) => {
      const id = `${r.plural}/${namespace ?? ""}/${name}`;
      gets.push(id);
      return Promise.resolve(objects[id] ?? null);
    },
  } as unknown as KubeHttp;
  return { http, gets };
}

describe("kubeStoreReadPort lookups", () => {
  it("reads a Namespace's labels from the lookup without a GET", async () => {
    const { http, gets } = fakeHttp({});
    const reads = kubeStoreReadPort(http, { namespace: (name) => (name === "team-a" ? { metadata: { name, labels: { team: "a" } } } : undefined) });
    expect(await reads.getNamespace("team-a")).toEqual({ name: "team-a", labels: { team: "a" } });
    expect(gets).toEqual([]);
  });

  it("falls back to a GET for a Namespace the cache does not hold yet (created a moment ago), and says so when it does not exist", async () => {
    const { http, gets } = fakeHttp({ "namespaces//fresh": { metadata: { name: "fresh", labels: { env: "dev" } } } });
    const reads = kubeStoreReadPort(http, { namespace: () => undefined });
    expect(await reads.getNamespace("fresh")).toEqual({ name: "fresh", labels: { env: "dev" } });
    expect(await reads.getNamespace("gone")).toBeUndefined();
    expect(gets).toEqual(["namespaces//fresh", "namespaces//gone"]);
  });

  it("without lookups (a namespace-scoped operator) every read is a GET", async () => {
    const { http, gets } = fakeHttp({ "secretstores/ns/s": { metadata: { name: "s" } } });
    const reads = kubeStoreReadPort(http);
    expect(await reads.getSecretStore("ns", "s")).toEqual({ metadata: { name: "s" } });
    await reads.getNamespace("ns");
    expect(gets).toEqual(["secretstores/ns/s", "namespaces//ns"]);
  });
});
