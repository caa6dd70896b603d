// Installs kseal's external-secrets.io CRDs on the test API server (raw server-side apply through
// test/support/operator.ts applyProjectCrds, which keeps the `x-kubernetes-*` keys).
import { readdirSync } from "node:fs";
import { CRD_DIR } from "../../src/operator/externalsecret/crd.ts";
import type { TestKube } from "../support/kube.ts";
import { applyProjectCrds } from "../support/operator.ts";

export async function installEsoCrds(kube: TestKube): Promise<void> {
  await applyProjectCrds(kube, ...readdirSync(CRD_DIR).filter((n) => n.startsWith("external-secrets.io_")).sort());
}
