// The HTTP kseal puts under node-vault (src/stores/vault/node-vault-transport.ts), through
// nodeVaultPort, on what a real OpenBao cannot show on one node: a standby's 307 to the active
// node, and bodies that are not JSON. The KV reads themselves run against OpenBao in
// smoke-vault.int.test.ts, https with a private CA in vault-ca-configmap.int.test.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeVaultPort } from "../../src/stores/vault/node-vault.ts";
import { testPki } from "../support/tls.ts";

interface Seen {
  readonly server: "standby" | "active" | "tls-standby";
  readonly method: string;
  readonly url: string;
  readonly token: string | undefined;
  readonly body: string;
}

const seen: Seen[] = [];
let standby: Server;
let active: Server;
let tlsStandby: Server;
const pki = testPki({ serverIp: "127.0.0.1" });

function addr(s: Server, scheme = "http"): string {
  return `${scheme}://127.0.0.1:${String((s.address() as AddressInfo).port)}`;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += (chunk as Buffer).toString("utf8");
  return text;
}

function listen(s: Server): Promise<void> {
  return new Promise((resolve) => s.listen(0, "127.0.0.1", resolve));
}

function handler(server: Seen["server"], answer: (req: IncomingMessage, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void bodyOf(req).then((body) => {
      const token = req.headers["x-vault-token"];
      seen.push({ server, method: req.method ?? "", url: req.url ?? "", token: typeof token === "string" ? token : undefined, body });
      answer(req, res);
    });
  };
}

beforeAll(async () => {
  active = createServer(handler("active", (req, res) => {
    if (req.url === "/v1/secret/data/app") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: { data: { pw: "p" } } }));
    } else if (req.url === "/v1/sys/text") {
      res.writeHead(500, { "content-type": "text/plain" }).end("upstream says no");
    } else if (req.url === "/v1/secret/data/empty") {
      res.writeHead(204).end();
    } else if (req.url === "/v1/loop") {
      res.writeHead(307, { location: "/v1/loop" }).end();
    } else {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ errors: [] }));
    }
  }));
  await listen(active);
  standby = createServer(handler("standby", (req, res) => {
    res.writeHead(307, { location: `${addr(active)}${req.url ?? "/"}` }).end();
  }));
  await listen(standby);
  tlsStandby = createHttpsServer({ cert: pki.serverCertPem, key: pki.serverKeyPem }, handler("tls-standby", (req, res) => {
    if (req.url === "/v1/secret/data/down") res.writeHead(307, { location: `${addr(active)}/v1/secret/data/app` }).end();
    else if (req.url === "/v1/secret/data/up") res.writeHead(307, { location: "/v1/secret/data/ok" }).end();
    else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: { data: { pw: "tls" } } }));
  }));
  await listen(tlsStandby);
});

afterAll(async () => {
  await Promise.all([standby, active, tlsStandby].map((s) => new Promise((resolve) => s.close(resolve))));
});

describe("node-vault over kseal's HTTP", () => {
  it("follows a standby's 307 to the active node with method, body and token", async () => {
    seen.length = 0;
    const port = nodeVaultPort({ server: addr(standby) });
    const res = await port.request({ method: "PUT", path: "secret/data/app", token: "t0k", body: { data: { pw: "p" } } });
    expect(res).toEqual({ status: 200, body: { data: { data: { pw: "p" } } } });
    expect(seen).toEqual([
      { server: "standby", method: "PUT", url: "/v1/secret/data/app", token: "t0k", body: '{"data":{"pw":"p"}}' },
      { server: "active", method: "PUT", url: "/v1/secret/data/app", token: "t0k", body: '{"data":{"pw":"p"}}' },
    ]);
  });

  it("does not follow a redirect from https to http: the token would cross in clear", async () => {
    seen.length = 0;
    const port = nodeVaultPort({ server: addr(tlsStandby, "https"), caPem: pki.caPem });
    const res = await port.request({ method: "GET", path: "secret/data/down", token: "t0k" });
    expect(res.status).toBe(307);
    expect(seen.map((s) => s.server)).toEqual(["tls-standby"]);
  });

  it("follows a redirect that stays on https, trusting the store's CA", async () => {
    seen.length = 0;
    const port = nodeVaultPort({ server: addr(tlsStandby, "https"), caPem: pki.caPem });
    const res = await port.request({ method: "GET", path: "secret/data/up", token: "t0k" });
    expect(res).toEqual({ status: 200, body: { data: { data: { pw: "tls" } } } });
    expect(seen.map((s) => `${s.server} ${s.url} ${String(s.token)}`)).toEqual(["tls-standby /v1/secret/data/up t0k", "tls-standby /v1/secret/data/ok t0k"]);
  });

  it("answers a non-2xx as its status with the parsed JSON, never a throw", async () => {
    const port = nodeVaultPort({ server: addr(active) });
    expect(await port.request({ method: "GET", path: "secret/data/missing", token: "t" })).toEqual({ status: 404, body: { errors: [] } });
  });

  it("keeps a body that is not JSON as text, and an empty one as an empty string", async () => {
    const port = nodeVaultPort({ server: addr(active) });
    expect(await port.request({ method: "GET", path: "sys/text", token: "t" })).toEqual({ status: 500, body: "upstream says no" });
    expect(await port.request({ method: "GET", path: "secret/data/empty", token: "t" })).toEqual({ status: 200, body: "" });
  });

  it("stops following a redirect loop and reports the redirect's status", async () => {
    seen.length = 0;
    const port = nodeVaultPort({ server: addr(active) });
    const res = await port.request({ method: "GET", path: "loop", token: "t" });
    expect(res.status).toBe(307);
    expect(seen).toHaveLength(11);
  });

  it("fails with the transport's error when nothing listens", async () => {
    const closed = createServer();
    await listen(closed);
    const server = addr(closed);
    await new Promise((resolve) => closed.close(resolve));
    await expect(nodeVaultPort({ server }).request({ method: "GET", path: "secret/data/app", token: "t" })).rejects.toThrow(/ECONNREFUSED/);
  });
});
