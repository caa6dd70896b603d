import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { startHealthServer, operatorReadiness } from "../../src/kube/health.ts";
import { createLogger } from "../../src/kube/log.ts";
import { createRegistry, queueMetrics } from "../../src/kube/metrics.ts";

describe("logger", () => {
  it("redacts fields named like secret material at any of the first levels", () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ level: "info", destination });
    log.info({
      key: "ns/name",
      data: { k: "c2VjcmV0" },
      obj: { stringData: { k: "s1" }, nested: { token: "t1", deeper: { password: "p1" } } },
      value: "v1",
      secret: "x1",
    }, "hello");
    const out = lines.join("");
    for (const leaked of ["c2VjcmV0", "s1", "t1", "p1", "v1", "x1"]) expect(out).not.toContain(`"${leaked}"`);
    expect(out).toContain("ns/name");
    expect(JSON.parse(out) as { level: number; msg: string }).toMatchObject({ level: 30, msg: "hello" });
  });

  it("falls back to info for an unknown level", () => {
    expect(createLogger({ level: "loud" }).level).toBe("info");
  });
});

describe("health server", () => {
  it("serves /healthz, /readyz from checks, and /metrics from the registry", async () => {
    const registry = createRegistry({ defaultMetrics: false });
    queueMetrics(registry, "externalsecret").depth(7);
    let synced = false;
    const readiness = operatorReadiness({
      informers: [{ name: "externalsecrets", hasSynced: () => synced }],
      isLeader: () => true,
      controllersStarted: () => synced,
    });
    const srv = await startHealthServer({ registry, port: 0, host: "127.0.0.1", readiness });
    try {
      const base = `http://127.0.0.1:${String(srv.port)}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toContain("informer:externalsecrets");
      synced = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('workqueue_depth{name="externalsecret"} 7');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await srv.close();
    }
  });
});
