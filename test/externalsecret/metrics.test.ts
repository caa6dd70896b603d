// ESO-compatible metric names behind the EsMetrics port; labels carry names only.
import { describe, expect, it, vi } from "vitest";
import { Counter, Registry } from "prom-client";
import { promEsMetrics } from "../../src/operator/externalsecret/metrics.ts";
import { createRegistry } from "../../src/kube/metrics.ts";

describe("promEsMetrics", () => {
  it("exposes ESO's names with name/namespace labels", async () => {
    const registry = new Registry();
    const m = promEsMetrics(registry);
    m.syncCall("team", "app", false);
    m.syncCall("team", "app", true);
    m.readyStatus("team", "app", "False");
    m.reconcileDuration("team", "app", 0.25);
    const text = await registry.metrics();
    expect(text).toContain('externalsecret_sync_calls_total{name="app",namespace="team"} 2');
    expect(text).toContain('externalsecret_sync_calls_error{name="app",namespace="team"} 1');
    expect(text).toContain('externalsecret_status_condition{name="app",namespace="team",condition="Ready",status="False"} 1');
    expect(text).toContain('externalsecret_status_condition{name="app",namespace="team",condition="Ready",status="True"} 0');
    expect(text).toContain('externalsecret_reconcile_duration{name="app",namespace="team"} 0.25');
  });

  it("has no series for an ExternalSecret before it reports, and none after it is forgotten (ESO removes them on deletion)", async () => {
    const registry = new Registry();
    const m = promEsMetrics(registry);
    m.reconcileDuration("team", "quiet", 0.1);
    let text = await registry.metrics();
    expect(text).not.toContain('status_condition{name="quiet"');
    expect(text).not.toContain('sync_calls_total{name="quiet"');
    expect(text).not.toContain('sync_calls_error{name="quiet"');
    m.syncCall("team", "app", false);
    m.readyStatus("team", "app", "True");
    m.syncCall("other", "app", false);
    m.forget("team", "app");
    m.forget("team", "never-seen");
    text = await registry.metrics();
    expect(text).not.toContain('{name="app",namespace="team"');
    expect(text).toContain('externalsecret_sync_calls_total{name="app",namespace="other"} 1');
    expect(text).toContain('externalsecret_reconcile_duration{name="quiet",namespace="team"} 0.1');
    // The exposition's frame (HELP and TYPE) is prom-client's, as before.
    expect(text).toContain("# TYPE externalsecret_sync_calls_total counter");
    expect(text).toContain("# TYPE externalsecret_status_condition gauge");
  });

  it("writes, through the operator's registry, exactly the text prom-client writes for the same series", async () => {
    const fill = (m: ReturnType<typeof promEsMetrics>): void => {
      for (let i = 0; i < 50; i++) {
        const ns = `team-${String(i % 3)}`;
        const name = `app-${String(i)}`;
        m.syncCall(ns, name, i % 7 === 0);
        if (i % 5 !== 0) m.readyStatus(ns, name, i % 4 === 0 ? "False" : "True");
        if (i % 6 !== 0) m.reconcileDuration(ns, name, i === 1 ? Number.POSITIVE_INFINITY : i / 1000);
      }
      // Names cannot hold these characters in Kubernetes; escaping is still prom-client's.
      m.syncCall("odd", 'quote"back\\slash\nnewline', false);
    };
    const plain = new Registry();
    fill(promEsMetrics(plain));
    const operator = createRegistry({ defaultMetrics: false });
    fill(promEsMetrics(operator));
    // The operator's registry takes the text from the metric, never through prom-client's series.
    const counter = operator.getSingleMetric("externalsecret_sync_calls_total");
    if (counter === undefined) throw new Error("externalsecret_sync_calls_total is not registered");
    const viaSeries = vi.spyOn(counter, "get");
    const ours = await operator.metrics();
    expect(viaSeries).not.toHaveBeenCalled();
    expect(ours).toBe(await plain.metrics());
    expect(ours).toContain('externalsecret_sync_calls_total{name="quote\\"back\\\\slash\\nnewline",namespace="odd"} 1');
    expect(ours).toContain('externalsecret_reconcile_duration{name="app-1",namespace="team-1"} +Inf');
  });

  it("keeps the operator registry's other metrics as prom-client writes them", async () => {
    const operator = createRegistry({ defaultMetrics: false });
    const plain = new Registry();
    for (const r of [operator, plain]) {
      const c = new Counter({ name: "kseal_example_total", help: "An example", labelNames: ["kind"], registers: [r] });
      c.inc({ kind: "a" }, 2);
      promEsMetrics(r).syncCall("ns", "es", false);
    }
    expect(await operator.metrics()).toBe(await plain.metrics());
  });
});
