// Installs kseal's external-secrets.io CRDs on the test API server by server-side apply of the raw
// YAML. (client-node's typed serializer drops `x-kubernetes-*` keys written in YAML spelling, so the
// CRD bodies go over the wire untouched here.)
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RequestContext } from "@kubernetes/client-node";
import { fetch } from "undici";
import { CRD_DIR } from "../../src/operator/externalsecret/crd.ts";
import { parse } from "yaml";
import { waitFor } from "../peers/process.ts";
import type { TestKube } from "../support/kube.ts";

/** Server-side apply of one raw object; throws with the API server's own message on failure. */
export async function rawApply(kube: TestKube, path: string, body: unknown): Promise<void> {
  const server = kube.kc.getCurrentCluster()?.server ?? "";
  const url = `${server}${path}?fieldManager=kseal-test&force=true`;
  const ctx = new RequestContext(url, "PATCH");
  await kube.kc.applySecurityAuthentication(ctx);
  const dispatcher = ctx.getDispatcher();
  const res = await fetch(url, {
    method: "PATCH",
    headers: { ...ctx.getHeaders(), "content-type": "application/apply-patch+yaml", accept: "application/json" },
    body: JSON.stringify(body),
    ...(dispatcher === undefined ? {} : { dispatcher }),
  });
  if (res.status >= 300) throw new Error(`apply ${path}: ${String(res.status)} ${await res.text()}`);
}

export async function installEsoCrds(kube: TestKube): Promise<void> {
  const names: string[] = [];
  for (const f of readdirSync(CRD_DIR).filter((n) => n.startsWith("external-secrets.io_")).sort()) {
    const crd = parse(readFileSync(join(CRD_DIR, f), "utf8")) as { metadata: { name: string } };
    names.push(crd.metadata.name);
    await rawApply(kube, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`, crd);
  }
  for (const name of names) {
    await waitFor(`CRD ${name} Established`, async () => {
      const got = await kube.crds.readCustomResourceDefinition({ name });
      return got.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") === true;
    });
  }
}
