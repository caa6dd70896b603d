/**
 * Which way the harness runs peers: local processes from the peer cache, or containers through
 * testcontainers. `PEERS=process|container` decides; otherwise containers when a Docker engine
 * actually answers its API (a `docker` client on the PATH is not enough — this machine has one).
 */
import { request } from "node:http";

export type PeerMode = "process" | "container";

/** Pure: the mode from the PEERS variable and whether an engine answered. */
export function choosePeerMode(peersEnv: string | undefined, engineAnswers: boolean): PeerMode {
  if (peersEnv === "process" || peersEnv === "container") return peersEnv;
  if (peersEnv !== undefined && peersEnv !== "") {
    throw new Error(`PEERS must be "process" or "container", not "${peersEnv}"`);
  }
  return engineAnswers ? "container" : "process";
}

/** True when a Docker engine answers `GET /_ping` on DOCKER_HOST's unix socket or the default one. */
export async function dockerEngineAnswers(timeoutMs = 1000): Promise<boolean> {
  const host = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
  if (!host.startsWith("unix://")) return false; // tcp engines: set PEERS=container explicitly
  const socketPath = host.slice("unix://".length);
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => {
      resolve(false);
    });
    req.on("timeout", () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

export async function peerMode(): Promise<PeerMode> {
  const env = process.env.PEERS;
  if (env === "process" || env === "container") return env;
  return choosePeerMode(env, await dockerEngineAnswers());
}
