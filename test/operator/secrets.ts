/** Reading the Secrets the operator writes, for the tests that run it on the real API server. */
import type { TestKube } from "../support/kube.ts";

/** A Secret's data decoded, or undefined when absent. */
export async function secretText(kube: TestKube, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  const s = await kube.core.readNamespacedSecret({ namespace, name }).catch(() => undefined);
  if (s === undefined) return undefined;
  return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}
