/**
 * Shared pieces of the fault tests: clients for any kubeconfig (shared or private control plane),
 * in-process sealing against the operator's served certificate, and readers of the Lease and of
 * the operator's Events (each Event names the process that wrote, `reportingInstance`).
 */
import { CoordinationV1Api, EventsV1Api } from "@kubernetes/client-node";
import { parseSealingCertificate, sealSecret, type SealedSecret } from "../../src/sealing/index.ts";
import { waitFor } from "../peers/process.ts";
import { testKube, type TestKube } from "../support/kube.ts";
import type { RunningOperatorProcess } from "../support/operator.ts";

export const SEALED = { group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets" } as const;

export interface FaultKube extends TestKube {
  readonly leases: CoordinationV1Api;
  readonly events: EventsV1Api;
}

export function kubeFrom(kubeconfig: string): FaultKube {
  const kube = testKube(kubeconfig);
  return { ...kube, leases: kube.kc.makeApiClient(CoordinationV1Api), events: kube.kc.makeApiClient(EventsV1Api) };
}

/** Waits for the operator's sealing certificate and returns a sealer bound to it. */
export async function sealerOf(op: RunningOperatorProcess, namespace: string, timeoutMs = 90_000): Promise<(name: string, data: Record<string, string>) => SealedSecret> {
  const pem = await waitFor("the sealing certificate", async () => {
    const res = await fetch(`${op.apiUrl}/v1/cert.pem`);
    return res.status === 200 ? res.text() : undefined;
  }, timeoutMs).catch((e: unknown) => {
    throw new Error(`${String(e)}\noperator log:\n${op.lines.slice(-40).join("\n")}`);
  });
  const cert = parseSealingCertificate(pem, new Date());
  return (name, data) => sealSecret({
    apiVersion: "v1", kind: "Secret", metadata: { name, namespace },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  }, { publicKey: cert.publicKey });
}

/** The Secret's data decoded, or undefined when it does not exist (or cannot be read). */
export async function secretData(kube: TestKube, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  try {
    const s = await kube.core.readNamespacedSecret({ namespace, name });
    return decodeData(s.data);
  } catch {
    return undefined;
  }
}

export function decodeData(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

export async function leaseHolder(kube: FaultKube, namespace: string, name: string): Promise<string | undefined> {
  try {
    const lease = await kube.leases.readNamespacedLease({ namespace, name });
    const h = lease.spec?.holderIdentity;
    return h === undefined || h === "" ? undefined : h;
  } catch {
    return undefined;
  }
}

/** The identity a process logged when it started leading, if it did. */
export function ledAs(op: RunningOperatorProcess): string | undefined {
  for (const line of op.lines) {
    if (!line.includes("started leading")) continue;
    const parsed = JSON.parse(line) as { identity?: string };
    return parsed.identity;
  }
  return undefined;
}

export function logged(op: RunningOperatorProcess, msg: string): number {
  return op.lines.filter((l) => l.includes(`"${msg}"`)).length;
}

export interface WriteEvent {
  readonly instance: string;
  readonly at: number;
  readonly reason: string;
  readonly object: string;
}

/** The operator's Events in `namespace` about SealedSecrets: who wrote, when (the writer's clock). */
export async function sealedSecretEvents(kube: FaultKube, namespace: string): Promise<WriteEvent[]> {
  const list = await kube.events.listNamespacedEvent({ namespace });
  return list.items
    .filter((e) => e.regarding?.kind === "SealedSecret")
    .map((e) => ({
      instance: e.reportingInstance ?? "",
      at: new Date(e.eventTime as unknown as string | Date).getTime(),
      reason: e.reason ?? "",
      object: e.regarding?.name ?? "",
    }));
}

/** Deterministic PRNG (mulberry32) for fixed-seed fault schedules. */
export { rand as seeded } from "../fuzz/support.ts";
