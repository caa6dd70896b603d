/**
 * Lowkey Vault (Azure Key Vault test double) over HTTPS on loopback, with its own self-signed
 * certificate made per start by keytool; the certificate is exported as PEM (`caFile`) so clients
 * trust it explicitly — TLS checks are never turned off.
 *
 * Blocked today: the app jar is not available from the registries this machine reaches (see
 * test/peers/install-lowkey.sh). `start` then fails with that message, as a missing peer must.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { request } from "node:https";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, peersDir, startProcess, type PeerProcess } from "./process.ts";

export interface LowkeyPeer {
  readonly process: PeerProcess;
  /** The default vault: `https://localhost:<port>` (Lowkey routes vaults by host name). */
  readonly url: string;
  /** PEM of the self-signed serving certificate, to trust explicitly. */
  readonly caFile: string;
}

export function lowkeyJar(): string {
  const jar = join(peersDir(), "lowkey-vault", "lowkey-vault-app.jar");
  if (!existsSync(jar)) {
    throw new Error(
      `peer lowkey-vault is missing at ${jar}: the runnable artifact com.github.nagyesta.lowkey-vault:lowkey-vault-app ` +
        "is not served by the registries reachable here; see test/peers/install-lowkey.sh",
    );
  }
  return jar;
}

async function answers(url: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/ping`, { ca, method: "GET", timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode !== undefined && res.statusCode < 500);
    });
    req.on("error", () => {
      resolve(false);
    });
    req.end();
  });
}

export async function start(opts: { logDir: string; daemon?: boolean }): Promise<LowkeyPeer> {
  const jar = lowkeyJar();
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const keystore = join(opts.logDir, `lowkey-${String(port)}.p12`);
  const caFile = join(opts.logDir, `lowkey-${String(port)}.pem`);
  execFileSync("keytool", [
    "-genkeypair", "-alias", "lowkey", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30",
    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
    "-keystore", keystore, "-storetype", "PKCS12", "-storepass", password, "-keypass", password,
  ], { stdio: "ignore" });
  execFileSync("keytool", ["-exportcert", "-rfc", "-alias", "lowkey", "-keystore", keystore, "-storepass", password, "-file", caFile], {
    stdio: "ignore",
  });
  const url = `https://localhost:${String(port)}`;
  const ca = readFileSync(caFile, "utf8");
  const proc = await startProcess({
    name: "lowkey-vault",
    command: "java",
    args: [
      "-jar", jar,
      `--server.port=${String(port)}`,
      "--server.address=127.0.0.1",
      `--server.ssl.key-store=${keystore}`,
      "--server.ssl.key-store-type=PKCS12",
      `--server.ssl.key-store-password=${password}`,
    ],
    logDir: opts.logDir,
    readyTimeoutMs: 120_000,
    ...(opts.daemon === undefined ? {} : { daemon: opts.daemon }),
    ready: () => answers(url, ca),
  });
  return { process: proc, url, caFile };
}
