// Smoke: node-vault (the client the Vault store uses) against the real OpenBao dev server.
import { randomUUID } from "node:crypto";
import nodeVault from "node-vault";
import { describe, expect, inject, it } from "vitest";
import "../peers/endpoints.ts";

describe("node-vault against OpenBao", () => {
  const peers = inject("peers");

  it("writes and reads a KV v2 secret, with versions", async () => {
    const client = nodeVault({ apiVersion: "v1", endpoint: peers.vault.addr, token: peers.vault.token });
    const path = `secret/data/smoke/${randomUUID()}`;
    await client.write(path, { data: { user: "alice", pass: "one" } });
    await client.write(path, { data: { user: "alice", pass: "two" } });
    const latest = (await client.read(path)) as { data: { data: Record<string, string>; metadata: { version: number } } };
    expect(latest.data.data).toEqual({ user: "alice", pass: "two" });
    expect(latest.data.metadata.version).toBe(2);
    const first = (await client.read(`${path}?version=1`)) as { data: { data: Record<string, string> } };
    expect(first.data.data.pass).toBe("one");
  });

  it("answers a missing key with 404 and a bad token with 403", async () => {
    const root = nodeVault({ apiVersion: "v1", endpoint: peers.vault.addr, token: peers.vault.token });
    await expect(root.read(`secret/data/smoke/${randomUUID()}`)).rejects.toMatchObject({ response: { statusCode: 404 } });
    const bad = nodeVault({ apiVersion: "v1", endpoint: peers.vault.addr, token: "not-a-token" });
    await expect(bad.read("secret/data/smoke/x")).rejects.toMatchObject({ response: { statusCode: 403 } });
  });
});
