// allowPlainHttp: which kubeconfig clusters the CLI treats as plain HTTP (as kubectl does).
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { allowPlainHttp } from "../../src/kube/client-node-access.ts";

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
