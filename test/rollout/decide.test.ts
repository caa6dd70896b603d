import { describe, expect, it } from "vitest";
import {
  RESTARTED_AT_ANNOTATION, RESTART_REASON_ANNOTATION, RolloutPlanner, asksForSecret, parseWorkloadKey, referencedSecrets,
  restartPatch, workloadKey, workloadsFor, type Workload,
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

describe("RolloutPlanner", () => {
  const W = ["Deployment/ns/app"];

  it("restarts nothing on the first sync of a Secret, nor when the content is unchanged", () => {
    const p = new RolloutPlanner({ debounceMs: 10_000 });
    expect(p.observe("ns", "s", "h1", W, 0)).toEqual({ kind: "first" });
    expect(p.observe("ns", "s", "h1", W, 1000)).toEqual({ kind: "unchanged" });
    expect(p.deadline("Deployment/ns/app")).toBeUndefined();
  });

  it("folds several changes inside the debounce window into one restart with merged reasons", () => {
    const p = new RolloutPlanner({ debounceMs: 10_000 });
    p.observe("ns", "a", "h1", W, 0);
    p.observe("ns", "b", "h1", W, 0);
    expect(p.observe("ns", "a", "h2", W, 1000)).toEqual({ kind: "changed", scheduled: [{ key: "Deployment/ns/app", at: 11_000 }] });
    expect(p.observe("ns", "a", "h3", W, 5000)).toEqual({ kind: "changed", scheduled: [] });
    expect(p.observe("ns", "b", "h2", W, 9000)).toEqual({ kind: "changed", scheduled: [] });
    expect(p.take("Deployment/ns/app", 10_999)).toEqual({ notYet: 11_000 });
    expect(p.take("Deployment/ns/app", 11_000)).toEqual({ secrets: ["a", "b"] });
    expect(p.take("Deployment/ns/app", 11_001)).toBeUndefined(); // exactly once
  });

  it("does not extend the window: a Secret that keeps changing restarts once per window", () => {
    const p = new RolloutPlanner({ debounceMs: 10_000 });
    p.observe("ns", "a", "h0", W, 0);
    let restarts = 0;
    for (let t = 1000; t <= 35_000; t += 1000) {
      p.observe("ns", "a", `h${String(t)}`, W, t);
      const r = p.take("Deployment/ns/app", t);
      if (r !== undefined && "secrets" in r) restarts++;
    }
    expect(restarts).toBe(3); // at 11 s, 22 s, 33 s
  });

  it("puts a failed restart back and treats a re-created Secret as a first sync", () => {
    const p = new RolloutPlanner({ debounceMs: 100 });
    p.observe("ns", "a", "h1", W, 0);
    p.observe("ns", "a", "h2", W, 0);
    const r = p.take("Deployment/ns/app", 100);
    expect(r).toEqual({ secrets: ["a"] });
    p.restore("Deployment/ns/app", ["a"], 500);
    expect(p.deadline("Deployment/ns/app")).toBe(500);
    p.forgetSecret("ns", "a");
    expect(p.observe("ns", "a", "h9", W, 600)).toEqual({ kind: "first" });
  });
});

describe("restartPatch", () => {
  it("bumps the pod-template annotations with a time and a names-only reason", () => {
    const patch = restartPatch(["a", "b"], Date.UTC(2030, 0, 2, 3, 4, 5));
    expect(patch.spec.template.metadata.annotations).toEqual({
      [RESTARTED_AT_ANNOTATION]: "2030-01-02T03:04:05.000Z",
      [RESTART_REASON_ANNOTATION]: "secret a,b changed",
    });
  });
});
