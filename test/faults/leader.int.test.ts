// Two kseal-operator replicas on one Lease: one leads and opens SealedSecrets, the standby only
// watches; SIGKILL of the leader hands the Lease to the standby within the lease duration and
// SealedSecrets keep being opened. "One writer at a time" is checked on three records that each
// name the writer: the Lease holder (polled throughout, its transitions must be exactly A → B),
// the processes' own "controllers started" lines (B's must come after A's death), and the
// SealedSecret Events, whose reportingInstance is the writing process's identity and whose
// eventTime is taken right after its write: A's all precede the kill, B's all follow B's start.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { waitFor, sleep } from "../peers/process.ts";
import { createNamespace } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { SEALED, kubeFrom, leaseHolder, ledAs, logged, sealedSecretEvents, sealerOf, secretData } from "./support.ts";

const kube = kubeFrom(inject("peers").kube.kubeconfig);
const LEASE = "faults-leader";
const LEASE_DURATION_MS = 15_000;
let ns: { name: string; remove: () => Promise<void> };
const ops: RunningOperatorProcess[] = [];
const holders: string[] = [];
let polling = true;
let poller: Promise<void> | undefined;

function logTail(): string {
  return ops.map((o, i) => `--- operator ${String(i)}:\n${o.lines.slice(-25).join("\n")}`).join("\n");
}

function timeOf(op: RunningOperatorProcess, msg: string): number | undefined {
  const line = op.lines.find((l) => l.includes(`"${msg}"`));
  return line === undefined ? undefined : new Date((JSON.parse(line) as { time: string }).time).getTime();
}

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
  await applyProjectCrds(kube, "bitnami.com_sealedsecrets.yaml");
  const args = ["--controllers=sealedsecret", `--lease-name=${LEASE}`];
  ops.push(...await Promise.all([startOperator({ namespace: ns.name, args }), startOperator({ namespace: ns.name, args })]));
  poller = (async () => {
    while (polling) {
      const h = await leaseHolder(kube, ns.name, LEASE);
      if (h !== undefined && holders.at(-1) !== h) holders.push(h);
      await sleep(100);
    }
  })();
});

afterAll(async () => {
  polling = false;
  await poller;
  await Promise.all(ops.map((o) => o.stop("SIGKILL")));
  await ns.remove();
});

describe("two replicas under leader election, leader SIGKILLed", () => {
  it("one leads, the standby takes over after SIGKILL, and writers never overlap", async () => {
    const [a, b] = ops;
    if (a === undefined || b === undefined) throw new Error("two operators expected");
    const seal = await sealerOf(a, ns.name);
    const leaderId = await waitFor("a Lease holder", async () => leaseHolder(kube, ns.name, LEASE), 30_000);
    const leader = ledAs(a) === leaderId ? a : ledAs(b) === leaderId ? b : undefined;
    if (leader === undefined) throw new Error(`no process logged leading as ${leaderId}\n${logTail()}`);
    const standby = leader === a ? b : a;
    await waitFor("controllers started on the leader", () => Promise.resolve(logged(leader, "controllers started") === 1), 30_000);

    for (let i = 0; i < 5; i++) {
      await kube.custom.createNamespacedCustomObject({ ...SEALED, namespace: ns.name, body: seal(`before-${String(i)}`, { v: `before-${String(i)}` }) });
    }
    for (let i = 0; i < 5; i++) {
      await waitFor(`Secret before-${String(i)}`, async () => (await secretData(kube, ns.name, `before-${String(i)}`))?.v === `before-${String(i)}`, 30_000);
    }
    // The standby has had every chance to start its controllers by now; it must not have.
    expect(ledAs(standby), logTail()).toBeUndefined();
    expect(logged(standby, "controllers started")).toBe(0);
    expect(await leaseHolder(kube, ns.name, LEASE)).toBe(leaderId);

    const killedAt = Date.now();
    await leader.stop("SIGKILL");
    for (let i = 0; i < 5; i++) {
      await kube.custom.createNamespacedCustomObject({ ...SEALED, namespace: ns.name, body: seal(`after-${String(i)}`, { v: `after-${String(i)}` }) });
    }
    // Takeover bound: lease duration after the standby last saw a renewal, plus one jittered retry.
    const takeover = LEASE_DURATION_MS + 2 * 2_400 + 3_000;
    for (let i = 0; i < 5; i++) {
      await waitFor(`Secret after-${String(i)}`, async () => (await secretData(kube, ns.name, `after-${String(i)}`))?.v === `after-${String(i)}`, takeover + 15_000 - (Date.now() - killedAt))
        .catch((e: unknown) => {
          throw new Error(`${String(e)}\n${logTail()}`);
        });
    }
    const newId = ledAs(standby);
    expect(newId).toBeDefined();
    expect(newId).not.toBe(leaderId);
    const startedB = timeOf(standby, "controllers started");
    expect(startedB).toBeDefined();
    expect(startedB ?? 0).toBeGreaterThan(killedAt);
    expect((startedB ?? 0) - killedAt).toBeLessThan(takeover);
    expect(await leaseHolder(kube, ns.name, LEASE)).toBe(newId);
    expect(holders).toEqual([leaderId, newId]);

    // Events name their writer. Each instance's writes fall in its own leadership window.
    const events = await waitFor("Events of all ten syncs", async () => {
      const ev = await sealedSecretEvents(kube, ns.name);
      return new Set(ev.map((e) => e.object)).size >= 10 ? ev : undefined;
    }, 15_000);
    // No failure on takeover either: a fresh leader with stale keys failed every SealedSecret once.
    expect(events.filter((e) => e.reason !== "Unsealed"), JSON.stringify(events)).toEqual([]);
    expect(new Set(events.map((e) => e.instance))).toEqual(new Set([leaderId, newId]));
    for (const e of events) {
      if (e.instance === leaderId) expect(e.at, `${e.object} by the old leader`).toBeLessThanOrEqual(killedAt);
      else expect(e.at, `${e.object} by the new leader`).toBeGreaterThanOrEqual(startedB ?? Infinity);
    }
    expect(events.filter((e) => e.object.startsWith("before-") && e.instance !== leaderId), JSON.stringify(events)).toEqual([]);
  }, 120_000);
});
