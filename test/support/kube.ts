/**
 * Test-side access to the real kube-apiserver started by the integration globalSetup:
 * typed clients from the injected kubeconfig, kseal's own access for KubeHttp, and a namespace per
 * test file.
 */
import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { inject } from "vitest";
import "../peers/endpoints.ts";
import { waitFor } from "../peers/process.ts";
import type { KubeAccess } from "../../src/kube/access.ts";
import { KubeHttp, type KubeObject, type ResourceType } from "../../src/kube/client.ts";
import { loadKubeConfig } from "../../src/kube/load-kubeconfig.ts";

export interface TestKube {
  /** For client-node's typed clients, which tests use to look at the cluster independently. */
  readonly kc: KubeConfig;
  /** The same kubeconfig as kseal loads it: for {@link KubeHttp}. */
  readonly access: KubeAccess;
  readonly core: CoreV1Api;
  readonly crds: ApiextensionsV1Api;
  readonly custom: CustomObjectsApi;
}

/** Clients for the shared test API server, or for `kubeconfig` (a private control plane). */
export function testKube(kubeconfig = inject("peers").kube.kubeconfig): TestKube {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    kc,
    access: loadKubeConfig({ kubeconfig }),
    core: kc.makeApiClient(CoreV1Api),
    crds: kc.makeApiClient(ApiextensionsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
}

/** A DNS-1123 namespace name unique to this test file and run. */
export function uniqueName(hint: string): string {
  const base = basename(hint).replace(/\.[^.]*$/, "").toLowerCase().replace(/[^a-z0-9-]+/g, "-").slice(0, 40);
  return `${base}-${randomBytes(3).toString("hex")}`.replace(/^-+/, "");
}

/** Creates a namespace and returns it with a cleanup function for afterAll. */
export async function createNamespace(kube: TestKube, hint: string): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = uniqueName(hint);
  await kube.core.createNamespace({ body: { metadata: { name } } });
  return {
    name,
    remove: async () => {
      await kube.core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}

const CRDS: ResourceType = {
  group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false,
};

/**
 * Server-side applies a CRD (raw JSON, so `x-kubernetes-*` keys survive — client-node's typed
 * serializer drops them) and waits until it is Established. Safe when test files race to apply
 * the same CRD.
 */
export async function applyCrd(kube: TestKube, crd: V1CustomResourceDefinition | Record<string, unknown>): Promise<void> {
  const name = (crd as { metadata?: { name?: string } }).metadata?.name ?? "";
  const http = new KubeHttp(kube.access);
  await http.apply(CRDS, undefined, name, crd as KubeObject, { fieldManager: "kseal-test", force: true });
  await waitFor(`CRD ${name} Established`, async () => {
    const got = await kube.crds.readCustomResourceDefinition({ name });
    return got.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") === true;
  });
}
