// kseal-operator SIGKILLed three times in the middle of syncing 200 SealedSecrets, restarted each
// time: in the end every Secret exists with exactly its data, and a watch on the namespace's
// Secrets sees no version of any of them that is partial or wrong (a Secret is written whole, in
// one request, or not at all). Kill points are Secret counts drawn from a fixed seed.
import { Watch, type V1Secret } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { sleep, waitFor } from "../peers/process.ts";
import { createNamespace } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { SEALED, decodeData, kubeFrom, logged, sealerOf, seeded } from "./support.ts";

const kube = kubeFrom(inject("peers").kube.kubeconfig);
const COUNT = 200;
const SEED = 0x5eed_0007;
// Slow enough that a kill lands mid-sync; election off so a restart need not wait out a Lease.
const ARGS = ["--controllers=sealedsecret", "--no-enable-leader-election", "--concurrent=2", "--unseal-workers=1"];
let ns: { name: string; remove: () => Promise<void> };
let current: RunningOperatorProcess | undefined;
let stopWatch: (() => void) | undefined;

const nameOf = (i: number): string => `s-${String(i).padStart(3, "0")}`;
/** 1 to 4 keys per Secret so a partial write would show as missing keys. */
function expected(i: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let k = 0; k <= i % 4; k++) out[`key${String(k)}`] = `value-${String(i)}-${String(k)}-${"x".repeat(i % 7)}`;
  return out;
}
const wanted = new Map(Array.from({ length: COUNT }, (_, i) => [nameOf(i), expected(i)]));

async function managedCount(): Promise<number> {
  const list = await kube.core.listNamespacedSecret({ namespace: ns.name });
  return list.items.filter((s) => wanted.has(s.metadata?.name ?? "")).length;
}

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
  await applyProjectCrds(kube, "bitnami.com_sealedsecrets.yaml");
});

afterAll(async () => {
  stopWatch?.();
  await current?.stop("SIGKILL");
  await ns.remove();
});

describe("SIGKILL mid-sync", () => {
  it("ends with all 200 Secrets exactly right and never shows a partial one", async () => {
    // A first run creates the sealing key; seal in-process against its certificate.
    const first = await startOperator({ namespace: ns.name, args: ARGS });
    const seal = await sealerOf(first, ns.name);
    await first.stop();

    const violations: string[] = [];
    let observed = 0;
    const initial = await kube.core.listNamespacedSecret({ namespace: ns.name });
    // A watch may end at any time (server timeout, client-node's request timeout on a loaded
    // machine): that is normal in Kubernetes, so it is resumed from the last resourceVersion seen,
    // and only an event that shows a partial Secret is a violation.
    let lastRv = initial.metadata?.resourceVersion ?? "";
    let stopped = false;
    let resumes = 0;
    let ac: { abort(): void } | undefined;
    const watchFrom = async (rv: string): Promise<void> => {
      ac = await new Watch(kube.kc).watch(`/api/v1/namespaces/${ns.name}/secrets`, { resourceVersion: rv, allowWatchBookmarks: true },
        (type: string, obj: V1Secret) => {
          lastRv = obj.metadata?.resourceVersion ?? lastRv;
          const name = obj.metadata?.name ?? "";
          const want = wanted.get(name);
          if (want === undefined || (type !== "ADDED" && type !== "MODIFIED")) return;
          observed++;
          const got = decodeData(obj.data);
          if (JSON.stringify(Object.entries(got).sort()) !== JSON.stringify(Object.entries(want).sort())) {
            violations.push(`${type} ${name}: keys ${Object.keys(got).sort().join(",")}`);
          }
        },
        () => {
          if (stopped) return;
          if (++resumes > 50) {
            violations.push("watch kept ending (over 50 resumes)");
            return;
          }
          void watchFrom(lastRv).catch((e: unknown) => violations.push(`watch could not resume: ${e instanceof Error ? e.message : "unknown error"}`));
        });
    };
    await watchFrom(lastRv);
    stopWatch = () => {
      stopped = true;
      ac?.abort();
    };

    for (let i = 0; i < COUNT; i++) {
      await kube.custom.createNamespacedCustomObject({ ...SEALED, namespace: ns.name, body: seal(nameOf(i), expected(i)) });
    }

    const rng = seeded(SEED);
    const killedAt: number[] = [];
    for (let round = 0; round < 3; round++) {
      const op = await startOperator({ namespace: ns.name, args: ARGS });
      current = op;
      const before = await managedCount();
      const target = Math.min(COUNT - 1, before + 5 + Math.floor(rng() * 40));
      await waitFor("controllers started", () => Promise.resolve(logged(op, "controllers started") === 1), 30_000);
      await waitFor(`${String(target)} Secrets`, async () => (await managedCount()) >= target, 60_000, 20);
      await op.stop("SIGKILL");
      killedAt.push(await managedCount());
    }
    // Every kill hit a sync in progress.
    expect(killedAt.every((n) => n < COUNT), `Secrets at each kill: ${killedAt.join(",")}`).toBe(true);

    current = await startOperator({ namespace: ns.name, args: ARGS });
    await waitFor("all Secrets", async () => (await managedCount()) === COUNT, 90_000);
    const list = await kube.core.listNamespacedSecret({ namespace: ns.name });
    for (const s of list.items) {
      const want = wanted.get(s.metadata?.name ?? "");
      if (want !== undefined) expect(decodeData(s.data), s.metadata?.name).toEqual(want);
    }
    await sleep(500); // let the watch deliver the last writes
    expect(violations).toEqual([]);
    expect(observed).toBeGreaterThanOrEqual(COUNT);
  }, 240_000);
});
