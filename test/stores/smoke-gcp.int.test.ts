// Smoke: @google-cloud/secret-manager against the emulator over plaintext gRPC.
import { randomUUID } from "node:crypto";
import { credentials } from "@grpc/grpc-js";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { describe, expect, inject, it } from "vitest";
import "../peers/endpoints.ts";

describe("Google Secret Manager SDK against the emulator", () => {
  const { gcp } = inject("peers");

  it("creates a secret, adds versions and accesses latest and pinned", async () => {
    const colon = gcp.endpoint.lastIndexOf(":");
    const client = new SecretManagerServiceClient({
      servicePath: gcp.endpoint.slice(0, colon),
      port: Number(gcp.endpoint.slice(colon + 1)), sslCreds: credentials.createInsecure(),
      // Known up front so the auth library never probes the GCE metadata server (off-machine).
      universeDomain: "googleapis.com",
    });
    try {
      const id = `smoke-${randomUUID()}`;
      const parent = `projects/${gcp.projectId}`;
      const [secret] = await client.createSecret({ parent, secretId: id, secret: { replication: { automatic: {} }, labels: { team: "a" } } });
      expect(secret.name).toBe(`${parent}/secrets/${id}`);
      await client.addSecretVersion({ parent: secret.name ?? "", payload: { data: Buffer.from("one") } });
      await client.addSecretVersion({ parent: secret.name ?? "", payload: { data: Buffer.from("two") } });
      const [latest] = await client.accessSecretVersion({ name: `${parent}/secrets/${id}/versions/latest` });
      expect(Buffer.from(latest.payload?.data ?? "").toString()).toBe("two");
      const [pinned] = await client.accessSecretVersion({ name: `${parent}/secrets/${id}/versions/1` });
      expect(Buffer.from(pinned.payload?.data ?? "").toString()).toBe("one");
    } finally {
      await client.close();
    }
  });
});
