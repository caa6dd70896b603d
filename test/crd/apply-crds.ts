// Installs kseal's external-secrets.io CRDs on the test API server (raw server-side apply through
// test/support/kube.ts applyCrd, which keeps the `x-kubernetes-*` keys).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CRD_DIR } from "../../src/operator/externalsecret/crd.ts";
import { parse } from "yaml";
import { applyCrd, type TestKube } from "../support/kube.ts";

export async function installEsoCrds(kube: TestKube): Promise<void> {
  for (const f of readdirSync(CRD_DIR).filter((n) => n.startsWith("external-secrets.io_")).sort()) {
    await applyCrd(kube, parse(readFileSync(join(CRD_DIR, f), "utf8")) as Record<string, unknown>);
  }
}
