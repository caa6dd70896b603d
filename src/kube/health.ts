/**
 * The probe and metrics endpoint: `/healthz` (the process is alive), `/readyz` (caches synced and,
 * when leader, controllers started) and `/metrics` (the Prometheus registry). Plain node:http.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** A named readiness check; `ok: false` makes `/readyz` answer 503 and list it. */
export interface Check {
  readonly name: string;
  readonly ok: () => boolean;
}

export interface HealthServerOptions {
  readonly registry: Registry;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Default `0.0.0.0`. */
  readonly host?: string;
  readonly readiness?: readonly Check[];
  readonly liveness?: readonly Check[];
}

export interface HealthServer {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * The usual readiness of an operator replica: every informer synced, and a leader has its
 * controllers running (a standby is ready as soon as its caches are warm).
 */
export function operatorReadiness(opts: {
  readonly informers: readonly { readonly name: string; hasSynced(): boolean }[];
  readonly isLeader: () => boolean;
  readonly controllersStarted: () => boolean;
}): Check[] {
  return [
    ...opts.informers.map((i) => ({ name: `informer:${i.name}`, ok: () => i.hasSynced() })),
    { name: "controllers", ok: () => !opts.isLeader() || opts.controllersStarted() },
  ];
}

function report(checks: readonly Check[]): { ok: boolean; body: string } {
  const failed = checks.filter((c) => {
    try {
      return !c.ok();
    } catch {
      return true;
    }
  });
  return failed.length === 0
    ? { ok: true, body: "ok\n" }
    : { ok: false, body: `${failed.map((c) => `[-] ${c.name} failed`).join("\n")}\n` };
}

/** Starts listening; resolves once bound (read `port` when you asked for 0). */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain; charset=utf-8"): void => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(405, "method not allowed\n");
      return;
    }
    if (path === "/healthz" || path === "/livez") {
      const r = report(options.liveness ?? []);
      send(r.ok ? 200 : 503, r.body);
    } else if (path === "/readyz") {
      const r = report(options.readiness ?? []);
      send(r.ok ? 200 : 503, r.body);
    } else if (path === "/metrics") {
      options.registry.metrics().then(
        (text) => {
          send(200, text, options.registry.contentType);
        },
        () => {
          send(500, "metrics unavailable\n");
        },
      );
    } else {
      send(404, "not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
