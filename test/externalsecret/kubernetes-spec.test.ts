// Static validation of ESO's kubernetes provider spec: specific errors naming the field.
import { describe, expect, it } from "vitest";
import { provider } from "../../src/stores/kubernetes/index.ts";

const ref = { name: "s", key: "k" };

describe("kubernetes provider validateSpec", () => {
  it.each([
    { reason: "token auth", spec: { auth: { token: { bearerToken: ref } } } },
    { reason: "serviceAccount auth with defaults for url and remoteNamespace", spec: { auth: { serviceAccount: { name: "sa" } } } },
    { reason: "cert auth with a Secret CA", spec: { server: { url: "https://h:6443", caProvider: { type: "Secret", name: "ca", key: "ca.crt" } }, auth: { cert: { clientCert: ref, clientKey: ref } } } },
    { reason: "authRef kubeconfig", spec: { authRef: ref } },
    { reason: "a ConfigMap CA (ESO caProvider.type ConfigMap)", spec: { server: { caProvider: { type: "ConfigMap", name: "kube-root-ca.crt", key: "ca.crt" } }, auth: { serviceAccount: { name: "sa" } } } },
  ])("accepts $reason", ({ spec }) => {
    expect(() => {
      provider.validateSpec(spec);
    }).not.toThrow();
  });
  it.each([
    { reason: "no auth at all", spec: {}, message: "spec.provider.kubernetes needs auth or authRef" },
    { reason: "two auth methods", spec: { auth: { token: { bearerToken: ref }, serviceAccount: { name: "sa" } } }, message: "must set exactly one of cert, token or serviceAccount" },
    { reason: "token without bearerToken", spec: { auth: { token: {} } }, message: "spec.provider.kubernetes.auth.token.bearerToken is required" },
    { reason: "cert without key", spec: { auth: { cert: { clientCert: ref } } }, message: "auth.cert needs clientCert and clientKey" },
    { reason: "an unknown CA provider type", spec: { server: { caProvider: { type: "Vault", name: "c", key: "k" } }, auth: { serviceAccount: { name: "sa" } } }, message: 'caProvider.type must be "Secret" or "ConfigMap"' },
  ])("rejects $reason", ({ spec, message }) => {
    expect(() => {
      provider.validateSpec(spec);
    }).toThrow(message);
  });
});
