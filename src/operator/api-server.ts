/**
 * The operator's public HTTP API, on the port Bitnami's controller uses (8080) so `kubeseal` and
 * `kseal --fetch-cert/--validate/--re-encrypt` reach it through the Service proxy unchanged:
 * `GET /healthz`, `GET /v1/cert.pem`, `POST /v1/verify`, `POST /v1/rotate`, and kseal's
 * `GET /v1/age-recipients` (public age recipients for SOPS; private keys never leave).
 * Handlers are plain functions (src/sealing/http.ts); this file only routes and frames.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ApiReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type ApiRoute = (body: Uint8Array) => Promise<ApiReply> | ApiReply;

export interface ApiServer {
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY = 2 << 20;

async function readBody(req: IncomingMessage): Promise<Uint8Array | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.byteLength;
    if (size > MAX_BODY) return null;
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Starts the API server; routes are keyed `METHOD /path`. */
export async function startApiServer(options: {
  readonly port: number;
  readonly host?: string;
  readonly routes: Readonly<Record<string, ApiRoute>>;
  readonly log: { warn(obj: object, msg: string): void };
}): Promise<ApiServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const route = options.routes[`${req.method ?? "GET"} ${path}`];
    if (route === undefined) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("not found\n");
      return;
    }
    readBody(req)
      .then(async (body) => {
        if (body === null) return { status: 413, headers: { "content-type": "text/plain; charset=utf-8" }, body: "request too large\n" };
        return route(body);
      })
      .then((reply) => {
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
      })
      .catch((e: unknown) => {
        options.log.warn({ path, error: e instanceof Error ? e.name : "unknown" }, "api request failed");
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("internal error\n");
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    }),
  };
}
