import { describe, expect, it } from "vitest";
import { parseDuration, parseOperatorFlags } from "../../src/operator/flags.ts";

describe("kseal-operator flags", () => {
  it.each([
    ["720h", 720 * 3_600_000, "Bitnami's default renewal period"],
    ["10s", 10_000, "the rollout debounce default"],
    ["1h30m", 5_400_000, "Go's compound form"],
    ["250ms", 250, "milliseconds"],
    ["0", 0, "zero disables renewal"],
    ["1.5h", 5_400_000, "Go's fractions"],
    [".5s", 500, "Go's fraction without a whole part"],
  ] as const)("parses duration %s → %s ms (%s)", (text, ms, _why) => {
    expect(parseDuration(text, "--x")).toBe(ms);
  });

  it.each(["", "10", "5d", "1h bad", "-1h"])("refuses %j with a message naming the flag", (text) => {
    expect(() => parseDuration(text, "--key-renew-period")).toThrow(/--key-renew-period/);
  });

  it("has Bitnami/ESO-compatible defaults", () => {
    const f = parseOperatorFlags([], {});
    expect(f).toMatchObject({
      namespace: "kseal-system", leaderElect: true, metricsPort: 8081, apiPort: 8080, concurrency: 50,
      keyRenewPeriodMs: 720 * 3_600_000, keyCutoffTime: null, restartDebounceMs: 10_000, watchNamespace: undefined,
      storeRate: undefined,
    });
    expect([...f.controllers]).toEqual(["externalsecret", "sealedsecret", "sopssecret", "rollout"]);
  });

  it("takes the namespace from POD_NAMESPACE and the kubeconfig from KUBECONFIG", () => {
    const f = parseOperatorFlags([], { POD_NAMESPACE: "ops", KUBECONFIG: "/k" });
    expect(f.namespace).toBe("ops");
    expect(f.kubeconfig).toBe("/k");
  });

  it("switches leader election off and picks controllers", () => {
    const f = parseOperatorFlags(["--no-enable-leader-election", "--controllers=sealedsecret,rollout", "--watch-namespace=team-a"], {});
    expect(f.leaderElect).toBe(false);
    expect([...f.controllers]).toEqual(["sealedsecret", "rollout"]);
    expect(f.watchNamespace).toBe("team-a");
  });

  it("takes a store rate for every provider; the burst defaults to twice the rate", () => {
    expect(parseOperatorFlags(["--store-qps=20"], {}).storeRate).toEqual({ perSecond: 20, burst: 40 });
    expect(parseOperatorFlags(["--store-qps=0.5", "--store-burst=3"], {}).storeRate).toEqual({ perSecond: 0.5, burst: 3 });
  });

  it.each([
    [["--store-qps=0"], /--store-qps: "0" is not a positive number/],
    [["--store-qps=fast"], /--store-qps: "fast"/],
    [["--store-burst=10"], /--store-burst needs --store-qps/],
    [["--store-qps=1", "--store-burst=0.5"], /--store-burst: "0.5" must be at least 1/],
    [["--controllers=vault"], /unknown controller "vault"/],
    [["--concurrent=0"], /--concurrent/],
    [["--metrics-port=70000"], /--metrics-port/],
    [["--key-cutoff-time=yesterday"], /--key-cutoff-time/],
    [["--bogus"], /bogus/],
  ] as const)("refuses %j with a specific message", (argv, message) => {
    expect(() => parseOperatorFlags(argv, {})).toThrow(message);
  });
});
