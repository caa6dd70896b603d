// ESO-compatible metric names behind the EsMetrics port; labels carry names only.
import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { promEsMetrics } from "../../src/operator/externalsecret/metrics.ts";

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
});
