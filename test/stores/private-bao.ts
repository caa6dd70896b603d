/**
 * A private OpenBao dev server for store tests that must not disturb the shared one: a fixed port
 * and root token across restarts (to kill and bring back "the same" store), and optionally a file
 * audit device. OpenBao 2.x refuses to enable audit devices through the API, so the device is
 * declared in a config file next to `-dev`, which is how OpenBao wants it managed.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, peerBin, startProcess, type PeerProcess } from "../peers/process.ts";

export interface PrivateBao {
  readonly addr: string;
  readonly token: string;
  /** The audit log file, when started with `audit: true`. */
  readonly auditFile?: string;
  /** Stops the server (SIGTERM to its process group). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same root token (dev mode: storage starts empty). */
  restart(): Promise<void>;
}

export async function startPrivateBao(opts: { dir: string; audit?: boolean }): Promise<PrivateBao> {
  const port = await freePort();
  const token = `root-${randomBytes(12).toString("hex")}`;
  const addr = `http://127.0.0.1:${String(port)}`;
  const auditFile = opts.audit === true ? join(opts.dir, "audit.log") : undefined;
  const args = ["server", "-dev", `-dev-root-token-id=${token}`, `-dev-listen-address=127.0.0.1:${String(port)}`];
  if (auditFile !== undefined) {
    const cfg = join(opts.dir, "audit.hcl");
    writeFileSync(cfg, `audit "file" "kseal-test" {\n  options {\n    file_path = ${JSON.stringify(auditFile)}\n  }\n}\n`);
    args.push(`-config=${cfg}`);
  }
  let proc: PeerProcess | undefined;
  const launch = async (): Promise<void> => {
    proc = await startProcess({
      name: "openbao-private",
      command: peerBin("bao"),
      args,
      logDir: opts.dir,
      env: { VAULT_ADDR: addr, BAO_ADDR: addr, HOME: opts.dir },
      ready: async () => {
        const health = await fetch(`${addr}/v1/sys/health`);
        if (health.status !== 200) return false;
        return (await fetch(`${addr}/v1/sys/mounts/secret/tune`, { headers: { "X-Vault-Token": token } })).status === 200;
      },
    });
  };
  await launch();
  return {
    addr,
    token,
    ...(auditFile === undefined ? {} : { auditFile }),
    stop: async () => {
      await proc?.stop();
      await proc?.exited;
    },
    restart: launch,
  };
}
