import { describe, expect, it } from "vitest";
import {
  RESTARTED_AT_ANNOTATION, RESTART_REASON_ANNOTATION, RolloutPlanner, SECRET_DIGESTS_ANNOTATION, asksForSecret, decidePair, fingerprint,
  formatDigests, parseDigests, parseWorkloadKey, recordPatch, referencedSecrets, restartPatch, secretsAskedBy, workloadKey, workloadsFor,
  type PairDecision, type Workload, type WorkloadView,
} from "../../src/operator/rollout/decide.ts";

const pod = {
  initContainers: [{ env: [{ valueFrom: { secretKeyRef: { name: "init-env" } } }] }],
  containers: [
    { env: [{ name: "PLAIN" }, { valueFrom: { secretKeyRef: { name: "env-secret" } } }], envFrom: [{ secretRef: { name: "envfrom-secret" } }, {}] },
  ],
  volumes: [
    { secret: { secretName: "vol-secret" } },
    { projected: { sources: [{ secret: { name: "projected-secret" } }, {}] } },
    {},
  ],
};

function workload(name: string, annotations: Record<string, string>, kind: Workload["kind"] = "Deployment", namespace = "ns"): Workload {
  return { kind, metadata: { name, namespace, annotations }, spec: { template: { spec: pod } } };
}

describe("referencedSecrets", () => {
  it("finds Secrets in env, envFrom, init containers, secret and projected volumes", () => {
    expect([...referencedSecrets(pod)].sort()).toEqual(["env-secret", "envfrom-secret", "init-env", "projected-secret", "vol-secret"]);
    expect(referencedSecrets(undefined).size).toBe(0);
  });
});

describe("asksForSecret", () => {
  const cases: { reason: string; annotations: Record<string, string>; secret: string; want: boolean }[] = [
    { reason: "auto + referenced in a volume", annotations: { "reloader.stakater.com/auto": "true" }, secret: "vol-secret", want: true },
    { reason: "auto is case-insensitive like Reloader", annotations: { "reloader.stakater.com/auto": "True" }, secret: "env-secret", want: true },
    { reason: "auto but the Secret is not referenced", annotations: { "reloader.stakater.com/auto": "true" }, secret: "other", want: false },
    { reason: "auto=false", annotations: { "reloader.stakater.com/auto": "false" }, secret: "vol-secret", want: false },
    { reason: "no annotation at all: referencing alone is not asking", annotations: {}, secret: "vol-secret", want: false },
    { reason: "explicit list, with spaces", annotations: { "secret.reloader.stakater.com/reload": "a, b ,c" }, secret: "b", want: true },
    { reason: "explicit list needs no reference", annotations: { "secret.reloader.stakater.com/reload": "unreferenced" }, secret: "unreferenced", want: true },
    { reason: "explicit list matches whole names only", annotations: { "secret.reloader.stakater.com/reload": "abc" }, secret: "ab", want: false },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      expect(asksForSecret(workload("w", c.annotations), c.secret)).toBe(c.want);
    });
  }
});

describe("workloadsFor", () => {
  it("collects annotated workloads of the Secret's namespace plus explicit targets, deduplicated", () => {
    const ws = [
      workload("auto", { "reloader.stakater.com/auto": "true" }),
      workload("listed", { "secret.reloader.stakater.com/reload": "vol-secret" }, "StatefulSet"),
      workload("other-ns", { "reloader.stakater.com/auto": "true" }, "Deployment", "elsewhere"),
      workload("plain", {}, "DaemonSet"),
    ];
    expect(workloadsFor("ns", "vol-secret", ws, [{ kind: "DaemonSet", name: "plain" }, { kind: "Deployment", name: "auto" }])).toEqual([
      "DaemonSet/ns/plain", "Deployment/ns/auto", "StatefulSet/ns/listed",
    ]);
  });

  it("round-trips workload keys and rejects malformed ones", () => {
    expect(parseWorkloadKey(workloadKey("StatefulSet", "ns", "db"))).toEqual({ kind: "StatefulSet", namespace: "ns", name: "db" });
    expect(parseWorkloadKey("Pod/ns/x")).toBeUndefined();
    expect(parseWorkloadKey("Deployment/ns")).toBeUndefined();
    expect(parseWorkloadKey("Deployment/ns/a/b")).toBeUndefined();
  });
});

describe("fingerprint and the record format", () => {
  it("fingerprints a digest in 22 base64url characters, deterministically", () => {
    expect(fingerprint("v1:abc")).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(fingerprint("v1:abc")).toBe(fingerprint("v1:abc"));
    expect(fingerprint("v1:abc")).not.toBe(fingerprint("v1:abd"));
  });

  it("formats one sorted entry per Secret and parses it back", () => {
    const record = new Map([["zeta", fingerprint("z")], ["alpha", fingerprint("a")]]);
    const value = formatDigests(record);
    expect(value).toBe(`v1:alpha=${fingerprint("a")},zeta=${fingerprint("z")}`);
    expect(parseDigests(value)).toEqual(record);
    expect(formatDigests(new Map())).toBeUndefined();
  });

  const unreadable: { reason: string; value: string | undefined; want: Record<string, string> }[] = [
    { reason: "absent", value: undefined, want: {} },
    { reason: "another version", value: `v2:a=${fingerprint("a")}`, want: {} },
    { reason: "no prefix", value: `a=${fingerprint("a")}`, want: {} },
    { reason: "an entry without a name is skipped, the others kept", value: `v1:=${fingerprint("x")},b=${fingerprint("b")}`, want: { b: fingerprint("b") } },
    { reason: "an entry whose value is no fingerprint is skipped", value: `v1:a=short,b=${fingerprint("b")}=x`, want: {} },
    { reason: "empty", value: "v1:", want: {} },
  ];
  for (const c of unreadable) {
    it(`reads an unreadable record as empty: ${c.reason}`, () => {
      expect(Object.fromEntries(parseDigests(c.value))).toEqual(c.want);
    });
  }
});

describe("decidePair", () => {
  const cases: { reason: string; recorded?: string; current: string; previous?: string; want: PairDecision }[] = [
    { reason: "first ever sync of a Secret, nothing recorded: adopt, no restart", current: "h1", want: "adopt" },
    { reason: "operator start, record matches: nothing (no write)", recorded: "h1", current: "h1", want: "none" },
    { reason: "operator start, record differs (changed while no kseal led): restart", recorded: "h1", current: "h2", want: "restart" },
    { reason: "changed while watched, record still the old content: restart", recorded: "h1", current: "h2", previous: "h1", want: "restart" },
    { reason: "the record wins over the previous report (a restart already recorded h2)", recorded: "h2", current: "h2", previous: "h1", want: "none" },
    { reason: "record differs though the previous report is the same (a restart still pending when the leader died)", recorded: "h1", current: "h2", previous: "h2", want: "restart" },
    { reason: "no entry, Secret unchanged since the previous report (workload newly asking): adopt", current: "h1", previous: "h1", want: "adopt" },
    { reason: "no entry, but this process saw the Secret change: restart as before records existed", current: "h2", previous: "h1", want: "restart" },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      expect(decidePair(c.recorded, c.current, c.previous)).toBe(c.want);
    });
  }
});

describe("secretsAskedBy", () => {
  it("lists the explicit names, and the referenced Secrets under auto", () => {
    expect([...secretsAskedBy(workload("w", { "secret.reloader.stakater.com/reload": " a, ,b" }))].sort()).toEqual(["a", "b"]);
    expect([...secretsAskedBy(workload("w", { "reloader.stakater.com/auto": "true", "secret.reloader.stakater.com/reload": "x" }))].sort())
      .toEqual(["env-secret", "envfrom-secret", "init-env", "projected-secret", "vol-secret", "x"]);
    expect(secretsAskedBy(workload("w", {})).size).toBe(0);
  });
});

describe("RolloutPlanner", () => {
  const KEY = "Deployment/ns/app";
  const view = (digests?: string): WorkloadView[] => [{ key: KEY, digests }];
  const recordOf = (entries: Record<string, string>): string | undefined =>
    formatDigests(new Map(Object.entries(entries).map(([n, d]) => [n, fingerprint(d)])));
  const W = view();

  it("adopts on the first sync of a Secret (a record write, no restart), then does nothing while unchanged", () => {
    const p = new RolloutPlanner({ debounceMs: 10_000 });
    expect(p.observe("ns", "s", "h1", W, 0)).toEqual({ kind: "first", scheduled: [], adopted: [KEY] });
    expect(p.take(KEY, 0)).toEqual({ kind: "record", digests: recordOf({ s: "h1" }), next: undefined });
    expect(p.take(KEY, 0)).toBeUndefined(); // written once
    expect(p.observe("ns", "s", "h1", W, 1000)).toEqual({ kind: "unchanged", scheduled: [], adopted: [] });
    expect(p.deadline(KEY)).toBeUndefined();
  });

  it("a fresh planner whose workload record matches the Secret writes nothing (operator restart, nothing changed)", () => {
    const p = new RolloutPlanner({ debounceMs: 10_000 });
    expect(p.observe("ns", "s", "h1", view(recordOf({ s: "h1" })), 0)).toEqual({ kind: "first", scheduled: [], adopted: [] });
    expect(p.workloadSeen({ key: KEY, digests: recordOf({ s: "h1" }) }, ["s"], 0)).toEqual({ kind: "unchanged", scheduled: [], adopted: [] });
    expect(p.keys()).toEqual([]);
    expect(p.take(KEY, 60_000)).toBeUndefined();
  });

  it("a fresh planner whose workload record differs restarts it once, debounced, and records the new content", () => {
    const p = new RolloutPlanner({ debounceMs: 10_000 });
    expect(p.observe("ns", "s", "h2", view(recordOf({ s: "h1", other: "o1" })), 0))
      .toEqual({ kind: "first", scheduled: [{ key: KEY, at: 10_000 }], adopted: [] });
    expect(p.take(KEY, 9_999)).toEqual({ kind: "notYet", at: 10_000 });
    expect(p.take(KEY, 10_000)).toEqual({ kind: "restart", secrets: ["s"], digests: recordOf({ other: "o1", s: "h2" }) });
    expect(p.take(KEY, 10_001)).toBeUndefined();
    expect(p.observe("ns", "s", "h2", view(recordOf({ s: "h1", other: "o1" })), 11_000).scheduled).toEqual([]); // memory, not the stale cache
  });

  it("a workload seen after its Secret was reported is adopted, or restarted when its record differs", () => {
    const p = new RolloutPlanner({ debounceMs: 100 });
    p.observe("ns", "s", "h2", [], 0);
    expect(p.workloadSeen({ key: KEY, digests: undefined }, ["s", "unreported"], 5)).toEqual({ kind: "unchanged", scheduled: [], adopted: [KEY] });
    expect(p.workloadSeen({ key: "StatefulSet/ns/db", digests: recordOf({ s: "h1" }) }, ["s"], 5))
      .toEqual({ kind: "unchanged", scheduled: [{ key: "StatefulSet/ns/db", at: 105 }], adopted: [] });
  });

  it("folds several changes inside the debounce window into one restart with merged reasons, recording the latest content", () => {
    const p = new RolloutPlanner({ debounceMs: 10_000 });
    p.observe("ns", "a", "h1", W, 0);
    p.observe("ns", "b", "h1", W, 0);
    expect(p.take(KEY, 0)).toEqual({ kind: "record", digests: recordOf({ a: "h1", b: "h1" }), next: undefined });
    expect(p.observe("ns", "a", "h2", W, 1000)).toEqual({ kind: "changed", scheduled: [{ key: KEY, at: 11_000 }], adopted: [] });
    expect(p.observe("ns", "a", "h3", W, 5000)).toEqual({ kind: "changed", scheduled: [], adopted: [] });
    expect(p.observe("ns", "b", "h2", W, 9000)).toEqual({ kind: "changed", scheduled: [], adopted: [] });
    expect(p.take(KEY, 10_999)).toEqual({ kind: "notYet", at: 11_000 });
    expect(p.take(KEY, 11_000)).toEqual({ kind: "restart", secrets: ["a", "b"], digests: recordOf({ a: "h3", b: "h2" }) });
    expect(p.take(KEY, 11_001)).toBeUndefined(); // exactly once
  });

  it("does not extend the window: a Secret that keeps changing restarts once per window", () => {
    const p = new RolloutPlanner({ debounceMs: 10_000 });
    p.observe("ns", "a", "h0", W, 0);
    p.take(KEY, 0);
    let restarts = 0;
    for (let t = 1000; t <= 35_000; t += 1000) {
      p.observe("ns", "a", `h${String(t)}`, W, t);
      if (p.take(KEY, t)?.kind === "restart") restarts++;
    }
    expect(restarts).toBe(3); // at 11 s, 22 s, 33 s
  });

  it("writes an adoption at once even while a restart is pending, and says when the restart is due", () => {
    const p = new RolloutPlanner({ debounceMs: 100 });
    p.observe("ns", "a", "h2", view(recordOf({ a: "h1" })), 0);
    p.observe("ns", "b", "h1", view(recordOf({ a: "h1" })), 10);
    expect(p.take(KEY, 10)).toEqual({ kind: "record", digests: recordOf({ a: "h1", b: "h1" }), next: 100 });
    expect(p.take(KEY, 100)).toEqual({ kind: "restart", secrets: ["a"], digests: recordOf({ a: "h2", b: "h1" }) });
  });

  it("drops entries of Secrets the workload no longer asks for (unless targeted) when it writes", () => {
    const p = new RolloutPlanner({ debounceMs: 100 });
    p.observe("ns", "kept", "k2", view(recordOf({ kept: "k1", gone: "g1", target: "t1" })), 0);
    p.observe("ns", "target", "t1", view(), 0, [KEY]);
    expect(p.targetedSecrets(KEY)).toEqual(["target"]);
    expect(p.take(KEY, 100, (s) => s === "kept")).toEqual({ kind: "restart", secrets: ["kept"], digests: recordOf({ kept: "k2", target: "t1" }) });
  });

  it("puts a failed write back: the record is unwritten again, the restart pending", () => {
    const p = new RolloutPlanner({ debounceMs: 100 });
    p.observe("ns", "a", "h2", view(recordOf({ a: "h1" })), 0);
    const step = p.take(KEY, 100);
    expect(step?.kind).toBe("restart");
    if (step === undefined) return;
    p.restore(KEY, step, 500);
    expect(p.deadline(KEY)).toBe(500);
    expect(p.take(KEY, 500)).toEqual(step);
  });

  it("keeps a deleted Secret's entries: re-created with other content, its workloads restart; a deleted workload is forgotten", () => {
    const p = new RolloutPlanner({ debounceMs: 100 });
    p.observe("ns", "a", "h1", W, 0);
    p.take(KEY, 0);
    p.forgetSecret("ns", "a");
    expect(p.observe("ns", "a", "h9", W, 600)).toEqual({ kind: "first", scheduled: [{ key: KEY, at: 700 }], adopted: [] });
    p.forgetWorkload(KEY);
    expect(p.take(KEY, 700)).toBeUndefined();
    expect(p.observe("ns", "a", "h9", W, 800).adopted).toEqual([KEY]); // a re-created workload is adopted
  });

  it("forgets everything on reset: the next leader starts from the workloads' records", () => {
    const p = new RolloutPlanner({ debounceMs: 100 });
    p.observe("ns", "a", "h1", W, 0);
    p.observe("ns", "a", "h2", W, 0);
    p.reset();
    expect(p.keys()).toEqual([]);
    expect(p.recorded(KEY)).toBeUndefined();
    expect(p.observe("ns", "a", "h2", view(recordOf({ a: "h1" })), 0).scheduled).toEqual([{ key: KEY, at: 100 }]);
  });
});

describe("restartPatch and recordPatch", () => {
  it("bumps the pod-template annotations with a time and a names-only reason, and writes the record on the workload's metadata", () => {
    const patch = restartPatch(["a", "b"], Date.UTC(2030, 0, 2, 3, 4, 5), "v1:a=x");
    expect(patch).toEqual({
      metadata: { annotations: { [SECRET_DIGESTS_ANNOTATION]: "v1:a=x" } },
      spec: { template: { metadata: { annotations: {
        [RESTARTED_AT_ANNOTATION]: "2030-01-02T03:04:05.000Z",
        [RESTART_REASON_ANNOTATION]: "secret a,b changed",
      } } } },
    });
  });

  it("writes the record alone on metadata (no pod-template change, so no rollout); an empty record removes it", () => {
    expect(recordPatch("v1:a=x")).toEqual({ metadata: { annotations: { [SECRET_DIGESTS_ANNOTATION]: "v1:a=x" } } });
    expect(recordPatch(undefined)).toEqual({ metadata: { annotations: { [SECRET_DIGESTS_ANNOTATION]: null } } });
  });
});
