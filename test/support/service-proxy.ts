/**
 * A loopback stand-in for the API server's Service proxy, the one hop the real API server cannot make
 * to a process on loopback (it refuses loopback Endpoints). No vitest here, so bench/ can import it.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ServiceProxyOptions {
  /** Where `.../proxy/<path>` is forwarded, e.g. `http://127.0.0.1:8080`. */
  readonly target: string;
  /** The Service name `GET .../services/<name>` answers with (one port, `http` 8080). */
  readonly service: string;
  /** Directory the kubeconfig is written to. */
  readonly dir: string;
  /** The kubeconfig context's namespace. */
  readonly namespace: string;
  /** Serve HTTPS with this certificate; the kubeconfig then trusts `caFile`. Plain HTTP without. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly caFile: string };
  /** Require `Authorization: Bearer <token>` (401 otherwise); the kubeconfig then carries it. Any request passes without. */
  readonly token?: string;
}

/**
 * Answers `GET /api/v1/namespaces/<ns>/services/<name>` and forwards
 * `.../services/http:<name>:<port>/proxy/<path>` to `target`, so kubeseal and the kseal CLI
 * (--validate, --re-encrypt) run unchanged against a controller on loopback. Returns the path of a
 * kubeconfig pointing at it (bearer token `opts.token`, else `none`) and the server, which the caller closes.
 */
export async function startServiceProxy(opts: ServiceProxyOptions): Promise<{ kubeconfig: string; server: Server }> {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "";
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
        res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "Unauthorized", code: 401 }));
        return;
      }
      const proxied = /^\/api\/v1\/namespaces\/[^/]+\/services\/http:[^/:]+:[^/]*\/proxy(\/.*)$/.exec(url);
      if (proxied?.[1] !== undefined) {
        const init: RequestInit = { method: req.method ?? "GET" };
        if (req.method === "POST") init.body = Buffer.concat(chunks);
        fetch(`${opts.target}${proxied[1]}`, init).then(async (r) => {
          res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/octet-stream" });
          res.end(Buffer.from(await r.arrayBuffer()));
        }, () => {
          res.writeHead(502).end();
        });
        return;
      }
      if (/^\/api\/v1\/namespaces\/[^/]+\/services\/[^/?]+(\?.*)?$/.test(url)) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ kind: "Service", apiVersion: "v1", metadata: { name: opts.service }, spec: { ports: [{ name: "http", port: 8080 }] } }));
        return;
      }
      res.writeHead(404).end();
    });
  };
  const server: Server = opts.tls === undefined
    ? createHttpServer(handler)
    : createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  const port = String(address.port);
  const cluster = opts.tls === undefined
    ? `{ server: "http://127.0.0.1:${port}" }`
    : `{ server: "https://127.0.0.1:${port}", certificate-authority: "${opts.tls.caFile}" }`;
  const kubeconfig = join(opts.dir, `proxy-${port}.yaml`);
  writeFileSync(kubeconfig, [
    "apiVersion: v1", "kind: Config", "current-context: c",
    "clusters:", "- name: c", `  cluster: ${cluster}`,
    "users:", "- name: u", `  user: { token: "${opts.token ?? "none"}" }`,
    "contexts:", "- name: c", `  context: { cluster: c, user: u, namespace: ${opts.namespace} }`,
  ].join("\n"));
  return { kubeconfig, server };
}
