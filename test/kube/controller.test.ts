import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kube/clock.ts";
import type { KubeObject, WatchEvent } from "../../src/kube/client.ts";
import { Controller, ownerKeys } from "../../src/kube/controller.ts";
import { ok, retry, terminal, type Outcome } from "../../src/kube/outcome.ts";
import { Informer, type WatchSource } from "../../src/kube/watch.ts";

const obj = (name: string, rv: string, generation = 1, annotations: Record<string, string> = {}): KubeObject => ({
  metadata: { namespace: "ns", name, resourceVersion: rv, generation, annotations },
});

/** A source with a fixed list and one open watch the test pushes events into. */
function source(items: KubeObject[]): { src: WatchSource; push: (e: WatchEvent) => void } {
  let push: (e: WatchEvent) => void = () => undefined;
  return {
    push: (e) => {
      push(e);
    },
    src: {
      list: () => Promise.resolve({ items, resourceVersion: "1" }),
      watch: (_rv, onEvent, signal) =>
        new Promise<void>((resolve) => {
          push = onEvent;
          signal.addEventListener("abort", () => {
            resolve();
          });
        }),
    },
  };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 30; i++) await Promise.resolve();
}

async function setup(items: KubeObject[], reconcile: (key: string) => Outcome) {
  const clock = new ManualClock();
  const s = source(items);
  const informer = new Informer({ name: "t", source: s.src, clock });
  const ac = new AbortController();
  const running = informer.run(ac.signal);
  await informer.waitForSync();
  const calls: string[] = [];
  const controller = new Controller({
    name: "t",
    informer,
    clock,
    refreshJitter: 0,
    queue: { rateLimit: { qps: 0, burst: 1 }, backoff: { baseMs: 100, capMs: 1000 } },
    reconcile: ({ key }) => {
      calls.push(key);
      return Promise.resolve(reconcile(key));
    },
  });
  return {
    clock, s, informer, controller, calls,
    stop: async () => {
      await controller.stop();
      ac.abort();
      await running;
    },
  };
}

describe("Controller", () => {
  it("reconciles every cached object on start and requeues ok(requeueAfter) at that time", async () => {
    const t = await setup([obj("a", "1"), obj("b", "1")], () => ok(60_000));
    t.controller.start();
    await flush();
    expect(t.calls.sort()).toEqual(["ns/a", "ns/b"]);
    t.clock.advance(59_999);
    await flush();
    expect(t.calls).toHaveLength(2);
    t.clock.advance(1);
    await flush();
    expect(t.calls).toHaveLength(4);
    await t.stop();
  });

  it("backs off retry outcomes and thrown errors, and leaves terminal ones until a change", async () => {
    const outcomes: Record<string, Outcome> = { "ns/r": retry(new Error("x")), "ns/t": terminal(new Error("y")) };
    const t = await setup([obj("r", "1"), obj("t", "1")], (key) => outcomes[key] ?? ok());
    t.controller.start();
    await flush();
    t.clock.advance(100);
    await flush();
    t.clock.advance(200);
    await flush();
    expect(t.calls.filter((k) => k === "ns/r")).toHaveLength(3); // 0, +100, +200
    expect(t.calls.filter((k) => k === "ns/t")).toHaveLength(1);
    t.clock.advance(10_000);
    await flush();
    expect(t.calls.filter((k) => k === "ns/t")).toHaveLength(1);
    t.s.push({ type: "MODIFIED", object: obj("t", "2", 2) });
    await flush();
    expect(t.calls.filter((k) => k === "ns/t")).toHaveLength(2);
    await t.stop();
  });

  it("ignores status-only updates (same generation, labels, annotations) but reacts to spec and annotation edits", async () => {
    const t = await setup([obj("a", "1")], () => ok());
    t.controller.start();
    await flush();
    t.calls.length = 0;
    t.s.push({ type: "MODIFIED", object: obj("a", "2", 1) }); // our own status write
    await flush();
    expect(t.calls).toEqual([]);
    t.s.push({ type: "MODIFIED", object: obj("a", "3", 2) });
    await flush();
    t.s.push({ type: "MODIFIED", object: obj("a", "4", 2, { "force-sync": "1" }) });
    await flush();
    t.s.push({ type: "DELETED", object: obj("a", "5", 2) });
    await flush();
    expect(t.calls).toEqual(["ns/a", "ns/a", "ns/a"]);
    await t.stop();
  });

  it("stops taking work after stop() and can start again", async () => {
    const t = await setup([obj("a", "1")], () => ok(1000));
    t.controller.start();
    await flush();
    await t.controller.stop();
    t.clock.advance(5000);
    await flush();
    expect(t.calls).toEqual(["ns/a"]);
    t.controller.start();
    await flush();
    expect(t.calls).toEqual(["ns/a", "ns/a"]);
    await t.stop();
  });

  it("maps secondary changes to owner keys in the high lane", async () => {
    const clock = new ManualClock();
    const primary = source([obj("es1", "1")]);
    const secondary = source([]);
    const informer = new Informer({ name: "es", source: primary.src, clock });
    const secrets = new Informer({ name: "secrets", source: secondary.src, clock });
    const ac = new AbortController();
    const runs = [informer.run(ac.signal), secrets.run(ac.signal)];
    await informer.waitForSync();
    await secrets.waitForSync();
    const calls: string[] = [];
    const controller = new Controller({
      name: "es", informer, clock, queue: { rateLimit: { qps: 0, burst: 1 } },
      secondary: [{ informer: secrets, toKeys: ownerKeys("ExternalSecret") }],
      reconcile: ({ key, object }) => {
        calls.push(`${key}:${object === undefined ? "gone" : "present"}`);
        return Promise.resolve(ok());
      },
    });
    controller.start();
    await flush();
    const owned = (name: string, kind: string): KubeObject => ({ metadata: {
      namespace: "ns", name, resourceVersion: "2",
      ownerReferences: [{ apiVersion: "external-secrets.io/v1", kind, name: "es1", uid: "u" }],
    } });
    secondary.push({ type: "MODIFIED", object: owned("target", "ExternalSecret") });
    secondary.push({ type: "ADDED", object: owned("foreign", "Deployment") });
    await flush();
    expect(calls).toEqual(["ns/es1:present", "ns/es1:present"]);
    primary.push({ type: "DELETED", object: obj("es1", "3") });
    await flush();
    expect(calls).toEqual(["ns/es1:present", "ns/es1:present", "ns/es1:gone"]);
    await controller.stop();
    ac.abort();
    await Promise.all(runs);
  });
});
