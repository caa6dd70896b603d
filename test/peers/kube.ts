/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC, a static token file,
 * service-account signing keys so TokenRequest/TokenReview work) and kube-controller-manager (for
 * garbage collection of owner-referenced objects and namespace cleanup). Writes an admin kubeconfig.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:https";
import { freePort, peerBin, startProcess, type PeerProcess } from "./process.ts";

export interface KubePeer {
  readonly kubeconfig: string;
  readonly server: string;
  readonly caFile: string;
  readonly adminToken: string;
  readonly processes: readonly PeerProcess[];
  stop(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA, an API serving cert for 127.0.0.1/localhost, a client cert for the controller manager, SA keys. */
function makePki(dir: string): void {
  if (existsSync(join(dir, "done"))) return;
  mkdirSync(dir, { recursive: true });
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=kseal-test-ca",
    "-keyout", "ca.key", "-out", "ca.crt"], dir);
  writeFileSync(join(dir, "san.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n");
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=kube-apiserver", "-keyout", "apiserver.key",
    "-out", "apiserver.csr"], dir);
  openssl(["x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
    "-days", "3650", "-extfile", "san.ext", "-out", "apiserver.crt"], dir);
  openssl(["genrsa", "-out", "sa.key", "2048"], dir);
  openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
  writeFileSync(join(dir, "done"), "");
}

function kubeconfigYaml(server: string, caFile: string, token: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: kseal-test",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority: ${caFile}`,
    "users:",
    "- name: admin",
    "  user:",
    `    token: ${token}`,
    "contexts:",
    "- name: kseal-test",
    "  context: {cluster: kseal-test, user: admin, namespace: default}",
    "current-context: kseal-test",
    "",
  ].join("\n");
}

/** True when `url` answers 200 over TLS trusting `ca` (with a bearer token when given). */
export async function httpsOk(url: string, ca: string, token?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { ca, headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
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

export interface KubeStartOptions {
  readonly workDir: string;
  readonly logDir: string;
  readonly daemon?: boolean;
  /** Start kube-controller-manager too (garbage collector, namespace controller). Default true. */
  readonly controllerManager?: boolean;
}

export async function startKube(opts: KubeStartOptions): Promise<KubePeer> {
  const pki = join(opts.workDir, "pki");
  makePki(pki);
  const caFile = join(pki, "ca.crt");
  const ca = readFileSync(caFile, "utf8");
  const adminToken = randomBytes(24).toString("hex");
  const kcmToken = randomBytes(24).toString("hex");
  writeFileSync(join(opts.workDir, "tokens.csv"),
    `${adminToken},kseal-admin,uid-admin,"system:masters"\n${kcmToken},system:kube-controller-manager,uid-kcm\n`, { mode: 0o600 });

  const processes: PeerProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const p of [...processes].reverse()) await p.stop();
  };
  try {
    const etcdClient = await freePort();
    const etcdPeer = await freePort();
    const etcdData = join(opts.workDir, `etcd-${String(etcdClient)}`);
    processes.push(await startProcess({
      name: "etcd",
      command: peerBin("etcd"),
      args: [
        `--data-dir=${etcdData}`,
        `--listen-client-urls=http://127.0.0.1:${String(etcdClient)}`,
        `--advertise-client-urls=http://127.0.0.1:${String(etcdClient)}`,
        `--listen-peer-urls=http://127.0.0.1:${String(etcdPeer)}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${String(etcdPeer)}`,
        `--initial-cluster=default=http://127.0.0.1:${String(etcdPeer)}`,
        "--unsafe-no-fsync",
        "--quota-backend-bytes=4294967296",
      ],
      logDir: opts.logDir,
      ...(opts.daemon === true ? { daemon: true } : {}),
      ready: async () => {
        const res = await fetch(`http://127.0.0.1:${String(etcdClient)}/health`);
        return res.ok;
      },
    }));

    const port = await freePort();
    const server = `https://127.0.0.1:${String(port)}`;
    processes.push(await startProcess({
      name: "kube-apiserver",
      command: peerBin("kube-apiserver"),
      args: [
        `--etcd-servers=http://127.0.0.1:${String(etcdClient)}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${String(port)}`,
        `--tls-cert-file=${join(pki, "apiserver.crt")}`,
        `--tls-private-key-file=${join(pki, "apiserver.key")}`,
        `--client-ca-file=${caFile}`,
        `--token-auth-file=${join(opts.workDir, "tokens.csv")}`,
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${join(pki, "sa.pub")}`,
        `--service-account-signing-key-file=${join(pki, "sa.key")}`,
        "--api-audiences=https://kubernetes.default.svc.cluster.local,vault",
        "--service-cluster-ip-range=10.96.0.0/16",
        "--enable-priority-and-fairness=false",
        "--max-requests-inflight=2000",
        "--max-mutating-requests-inflight=1000",
        `--cert-dir=${join(opts.workDir, "apiserver-certs")}`,
      ],
      logDir: opts.logDir,
      ...(opts.daemon === true ? { daemon: true } : {}),
      readyTimeoutMs: 120_000,
      ready: async () => httpsOk(`${server}/readyz`, ca, adminToken),
    }));

    const kubeconfig = join(opts.workDir, "kubeconfig");
    writeFileSync(kubeconfig, kubeconfigYaml(server, caFile, adminToken), { mode: 0o600 });

    if (opts.controllerManager !== false) {
      const kcmKubeconfig = join(opts.workDir, "kcm.kubeconfig");
      writeFileSync(kcmKubeconfig, kubeconfigYaml(server, caFile, kcmToken), { mode: 0o600 });
      const kcmPort = await freePort();
      processes.push(await startProcess({
        name: "kube-controller-manager",
        command: peerBin("kube-controller-manager"),
        args: [
          `--kubeconfig=${kcmKubeconfig}`,
          `--authentication-kubeconfig=${kcmKubeconfig}`,
          `--authorization-kubeconfig=${kcmKubeconfig}`,
          "--bind-address=127.0.0.1",
          `--secure-port=${String(kcmPort)}`,
          "--leader-elect=false",
          "--controllers=garbage-collector-controller,namespace-controller,serviceaccount-controller,deployment-controller,replicaset-controller",
          `--service-account-private-key-file=${join(pki, "sa.key")}`,
          `--root-ca-file=${caFile}`,
          "--use-service-account-credentials=false",
          `--tls-cert-file=${join(pki, "apiserver.crt")}`,
          `--tls-private-key-file=${join(pki, "apiserver.key")}`,
        ],
        logDir: opts.logDir,
        ...(opts.daemon === true ? { daemon: true } : {}),
        readyTimeoutMs: 60_000,
        ready: async () => httpsOk(`https://127.0.0.1:${String(kcmPort)}/healthz`, ca),
      }));
    }
    return { kubeconfig, server, caFile, adminToken, processes, stop: stopAll };
  } catch (e: unknown) {
    await stopAll();
    throw e;
  }
}
