/**
 * A private OpenBao dev server for store tests that must not disturb the shared one: a fixed port
 * and root token across restarts (to kill and bring back "the same" store), and optionally a file
 * audit device. OpenBao 2.x refuses to enable audit devices through the API, so the device is
 * declared in a config file next to `-dev`, which is how OpenBao wants it managed. With `tls: true`
 * it serves https (`-dev-tls`: OpenBao generates its own CA, returned as `caPem`).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { join } from "node:path";
import { freePort, peerBin, startProcess, type PeerProcess } from "../peers/process.ts";

export interface PrivateBao {
  readonly addr: string;
  readonly token: string;
  /** PEM of the CA OpenBao generated, when started with `tls: true`. */
  readonly caPem?: string;
  /** The audit log file, when started with `audit: true`. */
  readonly auditFile?: string;
  /** Stops the server (SIGTERM to its process group). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same root token (dev mode: storage starts empty). */
  restart(): Promise<void>;
}

/** GET over https trusting `ca` only; resolves the status code. */
function httpsStatus(url: string, ca: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", reject);
  });
}

export async function startPrivateBao(opts: { dir: string; audit?: boolean; tls?: boolean }): Promise<PrivateBao> {
  const port = await freePort();
  const token = `root-${randomBytes(12).toString("hex")}`;
  const tls = opts.tls === true;
  const addr = `${tls ? "https" : "http"}://127.0.0.1:${String(port)}`;
  const certDir = join(opts.dir, "tls");
  const auditFile = opts.audit === true ? join(opts.dir, "audit.log") : undefined;
  const args = ["server", "-dev", `-dev-root-token-id=${token}`, `-dev-listen-address=127.0.0.1:${String(port)}`];
  if (auditFile !== undefined) {
    const cfg = join(opts.dir, "audit.hcl");
    writeFileSync(cfg, `audit "file" "kseal-test" {\n  options {\n    file_path = ${JSON.stringify(auditFile)}\n  }\n}\n`);
    args.push(`-config=${cfg}`);
  }
  if (tls) {
    mkdirSync(certDir, { recursive: true });
    args.push("-dev-tls", `-dev-tls-cert-dir=${certDir}`);
  }
  const status = async (path: string, headers: Record<string, string> = {}): Promise<number> =>
    tls ? httpsStatus(`${addr}${path}`, readFileSync(join(certDir, "vault-ca.pem"), "utf8"), headers) : (await fetch(`${addr}${path}`, { headers })).status;
  let proc: PeerProcess | undefined;
  const launch = async (): Promise<void> => {
    proc = await startProcess({
      name: "openbao-private",
      command: peerBin("bao"),
      args,
      logDir: opts.dir,
      env: { VAULT_ADDR: addr, BAO_ADDR: addr, HOME: opts.dir },
      ready: async () => {
        if ((await status("/v1/sys/health")) !== 200) return false;
        return (await status("/v1/sys/mounts/secret/tune", { "X-Vault-Token": token })) === 200;
      },
    });
  };
  await launch();
  return {
    addr,
    token,
    ...(tls ? { caPem: readFileSync(join(certDir, "vault-ca.pem"), "utf8") } : {}),
    ...(auditFile === undefined ? {} : { auditFile }),
    stop: async () => {
      await proc?.stop();
      await proc?.exited;
    },
    restart: launch,
  };
}
