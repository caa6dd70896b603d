/**
 * The Google Secret Manager emulator (gRPC, no auth, in-memory). It binds every interface; we only
 * ever connect to 127.0.0.1. It has no IAM, so auth/permission failures cannot be provoked on it.
 */
import { connect } from "node:net";
import { freePort, peerBin, startProcess, type PeerProcess } from "./process.ts";

export interface GcpPeer {
  readonly process: PeerProcess;
  /** `127.0.0.1:<port>` (gRPC, plaintext) */
  readonly endpoint: string;
  /** Any project id works; this one is fixed so logs are readable. */
  readonly projectId: string;
}

async function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => {
      resolve(false);
    });
  });
}

export async function start(opts: { logDir: string; daemon?: boolean }): Promise<GcpPeer> {
  const port = await freePort();
  const proc = await startProcess({
    name: "gcp-secret-manager-emulator",
    command: peerBin("gcp-secret-manager-emulator"),
    args: ["--port", String(port)],
    logDir: opts.logDir,
    ...(opts.daemon === undefined ? {} : { daemon: opts.daemon }),
    // The emulator listens before it serves; a connection accepted by the kernel is served once
    // grpc.Serve runs, so an open port is readiness enough for gRPC clients (they retry on connect).
    ready: () => tcpOpen("127.0.0.1", port),
  });
  return { process: proc, endpoint: `127.0.0.1:${String(port)}`, projectId: "kseal-test" };
}
