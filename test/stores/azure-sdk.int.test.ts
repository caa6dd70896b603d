// The real @azure/keyvault-secrets pipeline as kseal builds it (sdk.ts), against local sockets only:
// no Key Vault is emulated here. A TLS listener with a per-run self-signed certificate shows that an
// untrusted vault is refused (TLS checks on), that the caller-supplied CA is what makes it trusted,
// and — from the request line it receives before hanging up — the secret path and the pinned API
// version. A closed port shows the unreachable mapping.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer, type Server } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreErrorCode, type SecretsClient, type StoreContext } from "../../src/stores/contract.ts";
import { createAzureProvider, type AzureServiceVersion } from "../../src/stores/azure/index.ts";
import { isKsealError, type KsealError } from "../../src/errors.ts";

const credential = { getToken: () => Promise.resolve({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) };

function ctx(vaultUrl: string): StoreContext {
  return {
    storeKind: "SecretStore",
    storeName: "sdk",
    namespace: "default",
    providerSpec: { vaultUrl, authType: "ManagedIdentity" },
    readSecretKey: () => Promise.reject(new Error("test: no Secrets")),
    readConfigMapKey: () => Promise.reject(new Error("test: no ConfigMaps")),
    createServiceAccountToken: () => Promise.reject(new Error("test: no kube")),
    now: () => Date.now(),
  };
}

async function client(vaultUrl: string, opts: { ca?: string; serviceVersion?: AzureServiceVersion } = {}): Promise<SecretsClient> {
  return createAzureProvider({ credential, ...opts }).newClient(ctx(vaultUrl));
}

async function failure(p: Promise<unknown>): Promise<KsealError> {
  const e: unknown = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!isKsealError(e)) throw new Error(`expected a KsealError, got ${String(e)}`);
  return e;
}

describe("azurekv over the real SDK pipeline (local sockets, no Key Vault)", () => {
  let dir = "";
  let caPem = "";
  let server: Server;
  let url = "";
  const requestLines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kseal-azure-tls-"));
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    caPem = readFileSync(join(dir, "cert.pem"), "utf8");
    server = createTlsServer({ key: readFileSync(join(dir, "key.pem")), cert: caPem }, (socket) => {
      socket.once("data", (chunk: Buffer) => {
        requestLines.push(chunk.toString("latin1").split("\r\n")[0] ?? "");
        socket.destroy(); // never answers: this is not a Key Vault
      });
    });
    server.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://localhost:${String((server.address() as AddressInfo).port)}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a vault whose certificate is not trusted (TLS verification stays on)", async () => {
    const c = await client(url);
    const err = await failure(c.getSecret({ key: "app" }));
    expect(err.code).toBe(StoreErrorCode.Unavailable);
    expect(err.message).toContain("TLS verification of the vault failed");
    expect(requestLines).toEqual([]); // no request was sent over the untrusted connection
    expect((await c.validate()).ready).toBe(false);
  });

  it("trusts the caller-supplied CA, and sends the secret path with the pinned API version", async () => {
    const c = await client(url, { ca: caPem, serviceVersion: "7.4" });
    const err = await failure(c.getSecret({ key: "secret/app" }));
    expect(err.code).toBe(StoreErrorCode.Unavailable);
    expect(err.message).not.toContain("TLS"); // the handshake passed; the listener hung up
    expect(requestLines.length).toBeGreaterThan(0);
    const [method = "", target = ""] = (requestLines[0] ?? "").split(" ");
    const sent = new URL(target, url); // the SDK percent-encodes the query name (api%2Dversion)
    expect(method).toBe("GET");
    expect(sent.pathname).toMatch(/^\/secrets\/app\/?$/);
    expect(sent.searchParams.get("api-version")).toBe("7.4");
  });

  it("maps a closed port to STORE_UNAVAILABLE (unreachable)", async () => {
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => { resolve(); }));
    const c = await client(`https://localhost:${String(port)}`, { ca: caPem });
    const err = await failure(c.getSecret({ key: "app" }));
    expect(err).toMatchObject({ code: StoreErrorCode.Unavailable, details: { errorCode: "ECONNREFUSED" } });
    expect(err.message).toContain("vault unreachable (ECONNREFUSED)");
  });
});
