/**
 * The Helm chart and the manifests rendered from it, on the real kube-apiserver: the committed
 * deploy/manifests equal a fresh render, every manifest applies with server-side dry-run, and every
 * documented values combination renders and dry-run-applies. Also the chart's promises that a
 * reviewer checks by eye: no `*` verbs, hardened pod, the API port named `http`.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyCrd, createNamespace, testKube } from "../support/kube.ts";
import { applyProjectCrds } from "../support/operator.ts";
import { helmTemplate, listManifestFiles, MANIFESTS, NAMESPACE, renderManifests, ROOT, VALUES_CASES } from "./render.ts";

const kube = testKube();
let teamNs: { name: string; remove: () => Promise<void> };
let createdSystemNs = false;

function kubectlDryRun(yamlText: string): { status: number; out: string } {
  const r = spawnSync("/usr/bin/kubectl", [
    `--kubeconfig=${inject("peers").kube.kubeconfig}`,
    "apply", "--server-side", "--dry-run=server", "--force-conflicts", "--field-manager=kseal-deploy-test", "-f", "-",
  ], { input: yamlText, encoding: "utf8", timeout: 60_000 });
  if (r.error !== undefined) throw r.error;
  return { status: r.status ?? -1, out: `${r.stdout}\n${r.stderr}` };
}

interface Obj { kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown }
function docs(text: string): Obj[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Obj | null).filter((o): o is Obj => o !== null);
}

beforeAll(async () => {
  const crdFiles = ["bitnami.com_sealedsecrets.yaml", "external-secrets.io_clusterexternalsecrets.yaml", "external-secrets.io_clustersecretstores.yaml",
    "external-secrets.io_externalsecrets.yaml", "external-secrets.io_secretstores.yaml", "kseal.dev_sopssecrets.yaml"];
  await applyProjectCrds(kube, ...crdFiles);
  // A stand-in ServiceMonitor CRD (schema left open) so the optional ServiceMonitor can be
  // dry-run-applied: the Prometheus Operator is not part of the peer set.
  await applyCrd(kube, {
    apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
    metadata: { name: "servicemonitors.monitoring.coreos.com" },
    spec: {
      group: "monitoring.coreos.com", scope: "Namespaced",
      names: { plural: "servicemonitors", singular: "servicemonitor", kind: "ServiceMonitor", listKind: "ServiceMonitorList" },
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
    },
  });
  // Namespaced objects dry-run only into a namespace that exists.
  const existing = await kube.core.readNamespace({ name: NAMESPACE }).catch(() => undefined);
  if (existing === undefined) {
    await kube.core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    createdSystemNs = true;
  }
  teamNs = await createNamespace(kube, "team-a");
});

afterAll(async () => {
  await teamNs.remove();
  if (createdSystemNs) await kube.core.deleteNamespace({ name: NAMESPACE }).catch(() => undefined);
});

describe("deploy/manifests", () => {
  it("equal a fresh render of the chart (run `node test/deploy/render.ts` after changing the chart)", () => {
    const fresh = renderManifests();
    expect(listManifestFiles()).toEqual([...fresh.keys()].sort());
    for (const [file, body] of fresh) expect(readFileSync(join(MANIFESTS, file), "utf8"), file).toBe(body);
  });

  it.each(listManifestFiles().filter((f) => f !== "kustomization.yaml"))("%s applies with server-side dry-run", (file) => {
    const r = kubectlDryRun(readFileSync(join(MANIFESTS, file), "utf8"));
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/serverside-applied \(server dry run\)/);
  });

  it("the kustomization lists every manifest", () => {
    const k = docs(readFileSync(join(MANIFESTS, "kustomization.yaml"), "utf8"))[0] as unknown as { resources: string[] };
    expect([...k.resources].sort()).toEqual(listManifestFiles().filter((f) => f !== "kustomization.yaml"));
  });
});

describe("the chart with each documented values combination", () => {
  it.each(VALUES_CASES)("$name renders and dry-run-applies ($why)", ({ set }) => {
    const values = set.map((s) => s.replace(/^watchNamespace=team-a$/, `watchNamespace=${teamNs.name}`));
    const text = helmTemplate(values);
    const r = kubectlDryRun(text);
    expect(r.status, r.out).toBe(0);
    const objs = docs(text);
    const rbacRules = objs.filter((o) => o.kind === "ClusterRole" || o.kind === "Role")
      .flatMap((o) => (o as unknown as { rules: { resources: string[]; verbs: string[] }[] }).rules);
    for (const rule of rbacRules) {
      expect(rule.verbs).not.toContain("*");
      expect(rule.resources).not.toContain("*");
    }
    const clusterRole = objs.find((o) => o.kind === "ClusterRole") as unknown as { rules: { resources: string[] }[] };
    const clusterSecrets = clusterRole.rules.some((rule) => rule.resources.includes("secrets"));
    expect(clusterSecrets, "Secrets cluster-wide only when every namespace is watched").toBe(!values.some((v) => v.startsWith("watchNamespace=")));
  });

  it("the defaults give a hardened Deployment, a Service with an `http` port and the flags the values ask for", () => {
    const objs = docs(helmTemplate([]));
    const dep = objs.find((o) => o.kind === "Deployment") as unknown as {
      spec: { replicas: number; template: { spec: { securityContext: Record<string, unknown>; containers: { args: string[]; securityContext: Record<string, unknown>; readinessProbe: unknown; livenessProbe: unknown; resources: { requests: unknown } }[] } } };
    };
    expect(dep.spec.replicas).toBe(2);
    const pod = dep.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    const c = pod.containers[0];
    expect(c?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(c?.args).toEqual(expect.arrayContaining(["--enable-leader-election", "--controllers=externalsecret,sealedsecret,sopssecret,rollout"]));
    expect(c?.readinessProbe).toBeDefined();
    expect(c?.livenessProbe).toBeDefined();
    expect(c?.resources.requests).toBeDefined();
    const svc = objs.find((o) => o.kind === "Service") as unknown as { metadata: { name: string }; spec: { ports: { name: string; port: number }[] } };
    expect(svc.metadata.name).toBe("kseal");
    expect(svc.spec.ports).toEqual(expect.arrayContaining([expect.objectContaining({ name: "http", port: 8080 })]));
    expect(objs.map((o) => o.kind)).toEqual(expect.arrayContaining(["PodDisruptionBudget", "NetworkPolicy", "ServiceAccount", "Role", "RoleBinding"]));
    expect(objs.map((o) => o.kind)).not.toContain("ServiceMonitor");
  });

  it("maps controller switches and watchNamespace onto the operator's flags", () => {
    const dep = docs(helmTemplate(["controllers.externalsecret=false", "controllers.rollout=false", "watchNamespace=team-a"]))
      .find((o) => o.kind === "Deployment") as unknown as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    const args = dep.spec.template.spec.containers[0]?.args ?? [];
    expect(args).toContain("--controllers=sealedsecret,sopssecret");
    expect(args).toContain("--watch-namespace=team-a");
  });

  it("refuses to render with every controller off", () => {
    expect(() => helmTemplate(["controllers.externalsecret=false", "controllers.sealedsecret=false", "controllers.sopssecret=false", "controllers.rollout=false"]))
      .toThrow(/enable at least one/);
  });

  it("ships the same CRDs as config/crd (run `node test/deploy/render.ts` after changing them)", () => {
    expect(listManifestFiles(join(ROOT, "deploy/helm/kseal/crds"))).toEqual(listManifestFiles(join(ROOT, "config/crd")).filter((f) => f.endsWith(".yaml")));
    for (const f of listManifestFiles(join(ROOT, "deploy/helm/kseal/crds"))) {
      expect(readFileSync(join(ROOT, "deploy/helm/kseal/crds", f), "utf8"), f).toBe(readFileSync(join(ROOT, "config/crd", f), "utf8"));
    }
  });
});
