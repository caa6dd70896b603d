/**
 * `npm run peers:up` / `npm run peers:down`: the peers as a local sandbox. `up` starts every peer
 * detached and writes their endpoints as shell exports to `.peers.env` in the checkout;
 * `down` stops them. State (pids, work dir) lives in `.peers/`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startAllPeers } from "./all.ts";
import { killGroup } from "./process.ts";

const root = resolve(import.meta.dirname, "..", "..");
const stateDir = join(root, ".peers");
const stateFile = join(stateDir, "state.json");
const envFile = join(root, ".peers.env");

interface State {
  readonly pids: readonly number[];
  readonly workDir: string;
}

async function down(): Promise<void> {
  if (!existsSync(stateFile)) {
    console.log("peers: nothing running");
    return;
  }
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as State;
  await Promise.all(state.pids.map((pid) => killGroup(pid)));
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(envFile, { force: true });
  console.log(`peers: stopped ${String(state.pids.length)} processes`);
}

async function up(): Promise<void> {
  if (existsSync(stateFile)) await down();
  mkdirSync(stateDir, { recursive: true });
  const workDir = join(stateDir, "work");
  mkdirSync(workDir, { recursive: true });
  const peers = await startAllPeers({ workDir, daemon: true });
  const state: State = { pids: peers.processes.map((p) => p.pid), workDir };
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  const e = peers.endpoints;
  const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
  const lines = [
    `export KUBECONFIG=${q(e.kube.kubeconfig)}`,
    `export VAULT_ADDR=${q(e.vault.addr)}`,
    `export VAULT_TOKEN=${q(e.vault.token)}`,
    `export BAO_ADDR=${q(e.vault.addr)}`,
    `export BAO_TOKEN=${q(e.vault.token)}`,
    `export AWS_ENDPOINT_URL=${q(e.aws.endpoint)}`,
    `export AWS_REGION=${q(e.aws.region)}`,
    `export AWS_ACCESS_KEY_ID=${q(e.aws.accessKeyId)}`,
    `export AWS_SECRET_ACCESS_KEY=${q(e.aws.secretAccessKey)}`,
    `export GCP_SM_ENDPOINT=${q(e.gcp.endpoint)}`,
    `export GCP_PROJECT=${q(e.gcp.projectId)}`,
    ...(e.azure === undefined ? [] : [`export AZURE_KEYVAULT_URL=${q(e.azure.url)}`, `export AZURE_KEYVAULT_CA_FILE=${q(e.azure.caFile)}`]),
    `export PATH=${q(e.binDir)}:"$PATH"`,
    "",
  ];
  writeFileSync(envFile, lines.join("\n"), { mode: 0o600 });
  console.log("peers: all running on loopback. Logs in", join(workDir, "logs"));
  console.log(`  kube-apiserver  ${e.kube.server}   (KUBECONFIG=${e.kube.kubeconfig})`);
  console.log(`  OpenBao         ${e.vault.addr}`);
  console.log(`  moto (AWS SM)   ${e.aws.endpoint}`);
  console.log(`  GCP SM emulator ${e.gcp.endpoint}`);
  console.log(`  Lowkey Vault    ${e.azure?.url ?? "not available in process mode (see README)"}`);
  console.log(`  sops, age, kubeseal in ${e.binDir}`);
  console.log(`\nUse them:  source ${envFile}\nStop them: npm run peers:down`);
}

const command = process.argv[2];
if (command === "up") await up();
else if (command === "down") await down();
else {
  console.error("usage: node test/peers/cli.ts up|down");
  process.exitCode = 2;
}
