/**
 * Runs kseal-operator under the chart's own RBAC on the test API server: the chart's
 * ServiceAccount, (Cluster)Roles and bindings rendered for one namespace, applied with kubectl, and
 * a kubeconfig that authenticates as that ServiceAccount.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { inject } from "vitest";
import type { TestKube } from "../support/kube.ts";
import { helmTemplate } from "./render.ts";

const RBAC_KINDS = new Set(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]);

/**
 * The chart's RBAC objects rendered with release = namespace = `ns` and watchNamespace=`ns`, as a
 * JSON stream (which kubectl reads). The release name must contain "kseal" so that objects are
 * named after it: then the cluster-scoped ClusterRole/Binding never collide with another run.
 */
export function chartRbac(ns: string): string {
  const rendered = helmTemplate([`watchNamespace=${ns}`], { namespace: ns, release: ns });
  return parseAllDocuments(rendered).map((d) => d.toJS() as { kind: string } | null)
    .filter((o): o is { kind: string } => o !== null && RBAC_KINDS.has(o.kind))
    .map((o) => JSON.stringify(o)).join("\n");
}

/** kubectl with the admin kubeconfig and `input` on stdin; throws with its stderr on failure. */
export function kubectl(args: readonly string[], input: string): void {
  const r = spawnSync("/usr/bin/kubectl", [`--kubeconfig=${inject("peers").kube.kubeconfig}`, ...args], { input, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
}

/**
 * Writes `dir`/kubeconfig for ServiceAccount `ns` in namespace `ns` (the chart's, once applied),
 * with a one-hour token, and returns its path.
 */
export async function serviceAccountKubeconfig(kube: TestKube, ns: string, dir: string): Promise<string> {
  const token = await kube.core.createNamespacedServiceAccountToken({ namespace: ns, name: ns, body: { spec: { expirationSeconds: 3600 } } });
  const peers = inject("peers");
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: "v1", kind: "Config", "current-context": "sa",
    clusters: [{ name: "test", cluster: { server: peers.kube.server, "certificate-authority": peers.kube.caFile } }],
    users: [{ name: "sa", user: { token: token.status?.token ?? "" } }],
    contexts: [{ name: "sa", context: { cluster: "test", user: "sa", namespace: ns } }],
  }));
  return kubeconfig;
}
