// The client-node adapter (for exec/auth-provider/proxy users and callers holding a KubeConfig):
// which clusters allowPlainHttp treats as plain HTTP, as kubectl does, and KubeHttp through it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { KubeHttp } from "../../src/kube/client.ts";
import { allowPlainHttp, clientNodeAccess } from "../../src/kube/client-node-access.ts";

describe("allowPlainHttp", () => {
  it.each([
    { reason: "http:// (kubectl proxy) needs no TLS verification", server: "http://127.0.0.1:8001", skip: false, want: true },
    { reason: "the scheme is case-insensitive", server: "HTTP://127.0.0.1:8001", skip: false, want: true },
    { reason: "https:// keeps verifying TLS", server: "https://10.0.0.1:6443", skip: false, want: false },
    { reason: "an explicit insecure-skip-tls-verify stays", server: "https://10.0.0.1:6443", skip: true, want: true },
  ])("$reason", ({ server, skip, want }) => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server, skipTLSVerify: skip }],
      users: [{ name: "u" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    expect(allowPlainHttp(kc).getCurrentCluster()?.skipTLSVerify).toBe(want);
  });
});

describe("clientNodeAccess", () => {
  it("KubeHttp reaches a server through a client-node KubeConfig with its credentials", async () => {
    const server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ authorization: req.headers.authorization ?? null }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: "c", server: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`, skipTLSVerify: false }],
        users: [{ name: "u", token: "from-client-node" }],
        contexts: [{ name: "x", cluster: "c", user: "u", namespace: "ns1" }],
        currentContext: "x",
      });
      const access = clientNodeAccess(allowPlainHttp(kc));
      expect(access.namespace).toBe("ns1");
      expect(await new KubeHttp(access).json("GET", "/api")).toEqual({ authorization: "Bearer from-client-node" });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
