/**
 * Container mode: the same peers as images through testcontainers, for users with a Docker engine.
 * The kube control plane is k3s (kube-apiserver with its own etcd/sqlite), the rest are the
 * projects' own images at the versions test/peers/install.sh pins.
 *
 * This machine has no Docker engine, so this path is typechecked here but exercised only where an
 * engine answers (see docs/testing.md).
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import type { PeerEndpoints } from "./endpoints.ts";

export const IMAGES = {
  k3s: "rancher/k3s:v1.34.4-k3s1",
  openbao: "openbao/openbao:2.6.2",
  moto: "motoserver/moto:5.2.5",
  lowkey: "nagyesta/lowkey-vault:3.4.0",
  gcp: "ghcr.io/blackwell-systems/gcp-secret-manager-emulator:v0.1.0",
} as const;

export interface RunningContainers {
  readonly endpoints: PeerEndpoints;
  stop(): Promise<void>;
}

export async function startContainers(opts: { workDir: string; binDir: string }): Promise<RunningContainers> {
  const started: StartedTestContainer[] = [];
  const keep = (c: StartedTestContainer): StartedTestContainer => {
    started.push(c);
    return c;
  };
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((c) => c.stop()));
  };
  try {
    const token = `root-${randomBytes(12).toString("hex")}`;
    const [k3s, bao, moto, lowkey, gcp] = await Promise.all([
      new GenericContainer(IMAGES.k3s)
        .withPrivilegedMode()
        .withCommand(["server", "--disable=traefik,metrics-server,servicelb", "--tls-san=127.0.0.1"])
        .withExposedPorts(6443)
        .withWaitStrategy(Wait.forLogMessage(/Node controller sync successful/))
        .start()
        .then(keep),
      new GenericContainer(IMAGES.openbao)
        .withCommand(["server", "-dev", `-dev-root-token-id=${token}`, "-dev-listen-address=0.0.0.0:8200"])
        .withExposedPorts(8200)
        .withWaitStrategy(Wait.forHttp("/v1/sys/health", 8200))
        .start()
        .then(keep),
      new GenericContainer(IMAGES.moto).withExposedPorts(5000).withWaitStrategy(Wait.forHttp("/moto-api/", 5000)).start().then(keep),
      new GenericContainer(IMAGES.lowkey)
        .withEnvironment({ LOWKEY_ARGS: "--server.port=8443 --LOWKEY_VAULT_NAMES=-" })
        .withExposedPorts(8443)
        .withWaitStrategy(Wait.forListeningPorts())
        .start()
        .then(keep),
      new GenericContainer(IMAGES.gcp).withExposedPorts(9090).withWaitStrategy(Wait.forListeningPorts()).start().then(keep),
    ]);
    const kubeconfigText = (await k3s.exec(["cat", "/etc/rancher/k3s/k3s.yaml"])).output;
    const server = `https://${k3s.getHost()}:${String(k3s.getMappedPort(6443))}`;
    const kubeconfig = join(opts.workDir, "kubeconfig");
    writeFileSync(kubeconfig, kubeconfigText.replace(/server: https:\/\/[^\s]+/, `server: ${server}`), { mode: 0o600 });
    const caB64 = /certificate-authority-data: (\S+)/.exec(kubeconfigText)?.[1] ?? "";
    const caFile = join(opts.workDir, "k3s-ca.crt");
    writeFileSync(caFile, Buffer.from(caB64, "base64"));
    const lowkeyCa = join(opts.workDir, "lowkey-ca.crt");
    writeFileSync(lowkeyCa, (await lowkey.exec(["sh", "-c", "cat /config/*.crt 2>/dev/null || true"])).output);
    return {
      endpoints: {
        binDir: opts.binDir,
        kube: { kubeconfig, server, caFile },
        vault: { addr: `http://${bao.getHost()}:${String(bao.getMappedPort(8200))}`, token },
        aws: {
          endpoint: `http://${moto.getHost()}:${String(moto.getMappedPort(5000))}`,
          region: "us-east-1",
          accessKeyId: "testing",
          secretAccessKey: "testing",
        },
        gcp: { endpoint: `${gcp.getHost()}:${String(gcp.getMappedPort(9090))}`, projectId: "kseal-test" },
        azure: { url: `https://${lowkey.getHost()}:${String(lowkey.getMappedPort(8443))}`, caFile: lowkeyCa },
      },
      stop,
    };
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}
