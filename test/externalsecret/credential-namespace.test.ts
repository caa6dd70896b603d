// Which namespace a store's credential references (Secrets, ServiceAccounts) are read from: ESO's
// referent rules — a ClusterSecretStore reads the namespace the reference names (else the
// ExternalSecret's); a SecretStore only its own, refusing a reference that names another.
import { describe, expect, it } from "vitest";
import { KsealError } from "../../src/errors.ts";
import { credentialNamespace } from "../../src/operator/secretstore/index.ts";
import { makeStore } from "./fixtures.ts";

describe("credentialNamespace", () => {
  it.each([
    { reason: "a SecretStore reads its own namespace", kind: "SecretStore" as const, storeNs: "team", refNs: undefined, want: "team" },
    { reason: "a SecretStore may repeat its own namespace", kind: "SecretStore" as const, storeNs: "team", refNs: "team", want: "team" },
    { reason: "an empty namespace means the store's own", kind: "SecretStore" as const, storeNs: "team", refNs: "", want: "team" },
    { reason: "a ClusterSecretStore reads the namespace it names", kind: "ClusterSecretStore" as const, storeNs: undefined, refNs: "creds", want: "creds" },
    { reason: "a ClusterSecretStore without one reads the ExternalSecret's", kind: "ClusterSecretStore" as const, storeNs: undefined, refNs: undefined, want: "es-ns" },
  ])("$reason", ({ kind, storeNs, refNs, want }) => {
    const ref = { name: "token", ...(refNs === undefined ? {} : { namespace: refNs }) };
    expect(credentialNamespace(makeStore(kind, storeNs), "Secret", ref, "es-ns")).toBe(want);
  });

  it.each([
    { what: "Secret" as const, message: 'SecretStore "vault": Secret reference "token" names namespace "kube-system"; a SecretStore may only use Secrets of its own namespace "team"' },
    { what: "ServiceAccount" as const, message: 'SecretStore "vault": ServiceAccount reference "token" names namespace "kube-system"; a SecretStore may only use ServiceAccounts of its own namespace "team"' },
  ])("a SecretStore naming another namespace for a $what is refused", ({ what, message }) => {
    let err: unknown;
    try {
      credentialNamespace(makeStore("SecretStore", "team"), what, { name: "token", namespace: "kube-system" }, "es-ns");
    } catch (e: unknown) {
      err = e;
    }
    expect(err).toBeInstanceOf(KsealError);
    expect((err as KsealError).code).toBe("STORE_INVALID_CONFIG");
    expect((err as KsealError).message).toBe(message);
  });
});
