// A watch whose consumer throws mid-stream (the informer does so on a 410 Gone ERROR event, to
// re-list) must end with that error, not crash the process: destroying the unfinished body emits
// an abort error on the closed line reader. Found by the bad-input corpus, where a
// 410 on the clustersecretstores watch killed kseal-operator.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeAccess } from "../../src/kube/access.ts";
import { KubeHttp } from "../../src/kube/client.ts";

let server: Server;
let url = "";

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write(`${JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } })}\n`);
    // ...and the stream stays open, as a real watch does.
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe("KubeHttp.watch when the consumer stops it", () => {
  it("rejects with the consumer's error and leaves no unheard 'error' event behind", async () => {
    const http = new KubeHttp(kubeAccess({ kind: "direct", server: url, namespace: undefined, tls: { insecureSkipVerify: false }, user: {} }));
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => {
      uncaught.push(e);
    };
    process.on("uncaughtException", onUncaught);
    try {
      const r = { group: "external-secrets.io", version: "v1", plural: "clustersecretstores", kind: "ClusterSecretStore", namespaced: false };
      await expect(http.watch(r, {}, () => {
        throw new Error("410 Gone: re-list");
      })).rejects.toMatchObject({ code: "KUBE_WATCH_BROKEN" });
      await new Promise((res) => setTimeout(res, 300));
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });
});
