/**
 * `kseal sops …` — SOPS files with age, flags and output as `sops` has them:
 *
 *   decrypt FILE       [--input-type T] [--output-type T] [--output F] [-i]
 *   encrypt FILE       [--age R,R] [--encrypted-regex RE | --encrypted-suffix S | --unencrypted-regex RE
 *                      | --unencrypted-suffix S | --encrypted-comment-regex RE | --unencrypted-comment-regex RE]
 *                      [--mac-only-encrypted] [--shamir-secret-sharing-threshold N] [--input-type T]
 *                      [--output-type T] [--output F] [-i] [--config .sops.yaml]
 *   edit FILE          decrypts to memory-backed storage, runs $EDITOR, re-encrypts (unchanged values keep IVs)
 *   updatekeys FILE    re-wraps the data key for the recipients .sops.yaml now names [-y]
 *   rotate FILE        new data key [-i]
 *   new-sopssecret FILE --name N [--namespace NS] [--type T] [--secret-name N]  → a SopsSecret manifest
 *   recipients --url URL [--url URL…] [--path-regex RE] [--output .sops.yaml]
 *
 * Identities come from SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and ~/.config/sops/age/keys.txt.
 * Exit codes: 0 ok, 1 failure (the error's code in brackets), 2 usage.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { KsealError } from "../../../src/errors.ts";
import type { KubeObject, ResourceType } from "../../../src/kube/client.ts";
import {
  decryptFile,
  encryptFile,
  findCreationRule,
  formatForPath,
  loadIdentities,
  openFile,
  parseEncrypted,
  parseFormat,
  parsePlain,
  parseSopsConfig,
  reseal,
  rotateFile,
  updateKeysFile,
  DEFAULT_LIMITS,
} from "../../../src/sops/index.ts";
import type { CreationRule, Format, Rules } from "../../../src/sops/index.ts";
import { newSopsSecret } from "../../../src/sops/sopssecret.ts";
import { writeFileAtomic } from "../atomic.ts";
import { usageError } from "../command.ts";
import type { CliIO, Command } from "../command.ts";

const OPTIONS = {
  age: { type: "string", short: "a" },
  "encrypted-regex": { type: "string" },
  "encrypted-suffix": { type: "string" },
  "unencrypted-regex": { type: "string" },
  "unencrypted-suffix": { type: "string" },
  "encrypted-comment-regex": { type: "string" },
  "unencrypted-comment-regex": { type: "string" },
  "mac-only-encrypted": { type: "boolean" },
  "shamir-secret-sharing-threshold": { type: "string" },
  "input-type": { type: "string" },
  "output-type": { type: "string" },
  output: { type: "string" },
  "in-place": { type: "boolean", short: "i" },
  config: { type: "string" },
  yes: { type: "boolean", short: "y" },
  name: { type: "string" },
  namespace: { type: "string", short: "n" },
  type: { type: "string" },
  "secret-name": { type: "string" },
  url: { type: "string", multiple: true },
  kubeconfig: { type: "string", multiple: true },
  "controller-namespace": { type: "string" },
  "path-regex": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const HELP = `usage: kseal sops <decrypt|encrypt|edit|updatekeys|rotate|new-sopssecret|recipients> [flags] FILE

  --age R[,R]                       age recipients (encrypt)
  --encrypted-regex RE              encrypt only keys matching RE
  --encrypted-suffix S              encrypt only keys ending in S
  --unencrypted-regex RE            leave keys matching RE plain
  --unencrypted-suffix S            leave keys ending in S plain (default _unencrypted)
  --encrypted-comment-regex RE      encrypt values after a comment matching RE
  --unencrypted-comment-regex RE    leave values after a comment matching RE plain
  --mac-only-encrypted              the MAC covers encrypted values only
  --shamir-secret-sharing-threshold N
  --input-type, --output-type       yaml, json, dotenv, ini, binary (default: by extension)
  --output F                        write to F instead of stdout
  -i, --in-place                    replace FILE
  --config F                        .sops.yaml to use (default: searched upward from the file)
  -y, --yes                         updatekeys without asking
  --name, --namespace, --type, --secret-name   new-sopssecret
  --kubeconfig PATH                 recipients: a cluster whose kseal-operator's age recipients to add (repeatable)
  --controller-namespace NS         recipients: kseal-operator's namespace in those clusters (default kseal-system)
  --url URL                         recipients: an endpoint serving age recipients (repeatable)
  --path-regex RE                   recipients: path_regex of the written creation rule
`;

type Flags = ReturnType<typeof parse>["values"];

function parse(args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e: unknown) {
    throw usageError(e instanceof Error ? e.message.split("\n")[0] ?? "invalid flags" : "invalid flags");
  }
}

function formatOf(flag: string | undefined, path: string): Format {
  return flag === undefined ? formatForPath(path) : parseFormat(flag);
}

async function findConfig(flags: Flags, file: string, io: CliIO): Promise<{ rule: CreationRule | null; dir: string } | null> {
  let path = flags.config === undefined ? undefined : resolve(io.cwd, flags.config);
  if (path === undefined) {
    for (let d = dirname(resolve(io.cwd, file)); ; d = dirname(d)) {
      if (existsSync(join(d, ".sops.yaml"))) {
        path = join(d, ".sops.yaml");
        break;
      }
      if (dirname(d) === d) break;
    }
  }
  if (path === undefined) return null;
  // Named as the user gave it; resolved against cwd, either form reads `path`.
  const config = parseSopsConfig((await readInput(io, flags.config ?? path)).toString("utf8"));
  const dir = dirname(path);
  const abs = resolve(io.cwd, file);
  const rule = findCreationRule(config, relative(dir, abs)) ?? findCreationRule(config, abs);
  return { rule, dir };
}

function rulesFromFlags(flags: Flags): Rules {
  const r: Record<string, string> = {};
  const map: [keyof Flags, keyof Rules][] = [
    ["encrypted-regex", "encryptedRegex"],
    ["encrypted-suffix", "encryptedSuffix"],
    ["unencrypted-regex", "unencryptedRegex"],
    ["unencrypted-suffix", "unencryptedSuffix"],
    ["encrypted-comment-regex", "encryptedCommentRegex"],
    ["unencrypted-comment-regex", "unencryptedCommentRegex"],
  ];
  for (const [flag, field] of map) {
    const v = flags[flag];
    if (typeof v === "string") r[field] = v;
  }
  return r;
}

function oneFile(positionals: readonly string[], verb: string): string {
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw usageError(`kseal sops ${verb} takes exactly one FILE`);
  return file;
}

async function readInput(io: CliIO, file: string): Promise<Buffer> {
  try {
    return await readFile(resolve(io.cwd, file));
  } catch (e: unknown) {
    throw new KsealError("CLI_IO", `cannot read ${file}`, { cause: e });
  }
}

async function output(io: CliIO, flags: Flags, file: string, data: Uint8Array): Promise<void> {
  if (flags["in-place"] === true) await writeFileAtomic(resolve(io.cwd, file), data);
  else if (flags.output !== undefined) await writeFileAtomic(resolve(io.cwd, flags.output), data);
  else io.stdout.write(data);
}

async function identities(io: CliIO): Promise<string[]> {
  const home = io.env.HOME;
  return loadIdentities(home === undefined ? { env: io.env } : { env: io.env, home });
}

function now(io: CliIO): Date {
  // SOURCE_DATE_EPOCH pins lastmodified for reproducible output (tests, builds)
  const epoch = io.env.SOURCE_DATE_EPOCH;
  return epoch !== undefined && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
}

async function cmdEncrypt(flags: Flags, file: string, io: CliIO): Promise<number> {
  const inputFormat = formatOf(flags["input-type"], file);
  const outputFormat = formatOf(flags["output-type"] ?? flags["input-type"], file);
  const input = await readInput(io, file);
  let rules = rulesFromFlags(flags);
  let keyGroups: string[][];
  let shamirThreshold: number | undefined;
  let macOnlyEncrypted = flags["mac-only-encrypted"] === true;
  if (flags.age !== undefined) {
    keyGroups = [flags.age.split(",").map((s) => s.trim()).filter((s) => s !== "")];
  } else {
    const cfg = await findConfig(flags, file, io);
    if (cfg?.rule == null) throw new KsealError("SOPS_NO_RECIPIENTS", "no --age given and no matching creation rule in .sops.yaml");
    keyGroups = cfg.rule.keyGroups.map((g) => [...g]);
    if (cfg.rule.shamirThreshold !== undefined) shamirThreshold = cfg.rule.shamirThreshold;
    if (Object.keys(rules).length === 0) {
      const { keyGroups: _k, shamirThreshold: _s, pathRegex: _p, macOnlyEncrypted: moe, ...fromConfig } = cfg.rule;
      rules = fromConfig;
      macOnlyEncrypted ||= moe === true;
    }
  }
  const t = flags["shamir-secret-sharing-threshold"];
  if (t !== undefined) {
    if (!/^\d+$/.test(t)) throw usageError("--shamir-secret-sharing-threshold takes a number");
    shamirThreshold = Number(t);
  }
  const opts = { inputFormat, outputFormat, keyGroups, rules, macOnlyEncrypted, now: now(io) };
  const out = await encryptFile(input, shamirThreshold === undefined ? opts : { ...opts, shamirThreshold });
  await output(io, flags, file, out);
  return 0;
}

async function cmdDecrypt(flags: Flags, file: string, io: CliIO): Promise<number> {
  const inputFormat = formatOf(flags["input-type"], file);
  const outputFormat = formatOf(flags["output-type"] ?? flags["input-type"], file);
  const out = await decryptFile(await readInput(io, file), { inputFormat, outputFormat, identities: await identities(io) });
  await output(io, flags, file, out);
  return 0;
}

async function runEditor(io: CliIO, path: string): Promise<void> {
  const editor = io.env.SOPS_EDITOR ?? io.env.EDITOR ?? "vim";
  await new Promise<void>((res, rej) => {
    const child = spawn("sh", ["-c", `${editor} "$1"`, "sh", path], { stdio: "inherit", env: { ...io.env } });
    child.on("error", rej);
    child.on("exit", (code) => {
      if (code === 0) res();
      else rej(new KsealError("CLI_EDITOR", "the editor exited with an error", { details: { exitCode: code ?? -1 } }));
    });
  });
}

async function cmdEdit(flags: Flags, file: string, io: CliIO): Promise<number> {
  const format = formatOf(flags["input-type"], file);
  const input = await readInput(io, file);
  const opened = await openFile(input, format, await identities(io));
  const { emitPlain } = await import("../../../src/sops/index.ts");
  const plain = emitPlain(format, opened.branches);
  // memory-backed storage so the plaintext never reaches a disk
  const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const dir = await mkdtemp(join(base, "kseal-edit-"));
  const tmp = join(dir, basename(file));
  try {
    await writeFile(tmp, plain, { mode: 0o600 });
    await runEditor(io, tmp);
    const edited = await readFile(tmp);
    if (Buffer.from(plain).equals(edited)) {
      io.stderr.write("File has not changed, exiting.\n");
      return 0;
    }
    const branches = parsePlain(format, edited, DEFAULT_LIMITS);
    await writeFileAtomic(resolve(io.cwd, file), reseal(opened, branches, format, now(io)));
    return 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function cmdRotate(flags: Flags, file: string, io: CliIO): Promise<number> {
  const format = formatOf(flags["input-type"], file);
  const out = await rotateFile(await readInput(io, file), format, await identities(io), now(io));
  await output(io, flags, file, out);
  return 0;
}

async function cmdUpdateKeys(flags: Flags, file: string, io: CliIO): Promise<number> {
  const format = formatOf(flags["input-type"], file);
  const cfg = await findConfig(flags, file, io);
  if (cfg?.rule == null) throw new KsealError("SOPS_CONFIG", "no matching creation rule in .sops.yaml for this file");
  const plan = cfg.rule.shamirThreshold === undefined ? { keyGroups: cfg.rule.keyGroups } : { keyGroups: cfg.rule.keyGroups, shamirThreshold: cfg.rule.shamirThreshold };
  const out = await updateKeysFile(await readInput(io, file), format, await identities(io), plan);
  if (out === null) {
    io.stderr.write(`File ${file} already up to date\n`);
    return 0;
  }
  await writeFileAtomic(resolve(io.cwd, file), out);
  io.stderr.write(`File ${file} synced with new keys\n`);
  return 0;
}

async function cmdNewSopsSecret(flags: Flags, file: string, io: CliIO): Promise<number> {
  if (flags.name === undefined) throw usageError("new-sopssecret needs --name");
  const format = formatOf(flags["input-type"], file);
  const input = await readInput(io, file);
  parseEncrypted(format, input, DEFAULT_LIMITS); // refuse plain files: they would land in Git unencrypted
  const target: Record<string, string> = {};
  if (flags["secret-name"] !== undefined) target.name = flags["secret-name"];
  if (flags.type !== undefined) target.type = flags.type;
  const opts: Parameters<typeof newSopsSecret>[2] = { format };
  if (flags.namespace !== undefined) opts.namespace = flags.namespace;
  if (Object.keys(target).length > 0) opts.target = target;
  const manifest = newSopsSecret(flags.name, input.toString("utf8"), opts);
  await output(io, flags, file, Buffer.from(stringify(manifest, { lineWidth: 0 })));
  return 0;
}

async function fetchRecipients(url: string): Promise<string[]> {
  let body: string;
  try {
    const res = await fetch(url, { headers: { accept: "application/json, text/plain" } });
    if (!res.ok) throw new KsealError("SOPS_RECIPIENTS_FETCH", `GET ${url} answered ${res.status}`);
    body = await res.text();
  } catch (e: unknown) {
    if (e instanceof KsealError) throw e;
    throw new KsealError("SOPS_RECIPIENTS_FETCH", `cannot reach ${url}`, { cause: e });
  }
  let list: unknown;
  try {
    list = JSON.parse(body);
  } catch {
    list = body.split(/\s+/);
  }
  const raw = Array.isArray(list) ? list : (list as { recipients?: unknown } | null)?.recipients;
  if (!Array.isArray(raw)) throw new KsealError("SOPS_RECIPIENTS_FETCH", `${url} did not return a recipient list`);
  return raw.filter((r): r is string => typeof r === "string" && /^age1[0-9a-z]+$/.test(r));
}

/**
 * A cluster's public age recipients, as kseal-operator publishes them in the ConfigMap
 * `kseal-age-recipients` of its namespace (readable without access to any Secret).
 */
async function clusterRecipients(kubeconfig: string, namespace: string): Promise<string[]> {
  const [{ KubeHttp }, { loadKubeConfig }, { AGE_RECIPIENTS_CONFIGMAP }] = await Promise.all([
    import("../../../src/kube/client.ts"), import("../../../src/kube/load-kubeconfig.ts"), import("../../../src/sops/sopssecret.ts"),
  ]);
  const http = new KubeHttp(loadKubeConfig({ kubeconfig }));
  let cm: ConfigMap | null;
  try {
    cm = await http.get<ConfigMap>(CONFIG_MAPS, namespace, AGE_RECIPIENTS_CONFIGMAP);
  } catch (e: unknown) {
    throw new KsealError("SOPS_RECIPIENTS_FETCH", `cannot read the recipients of the cluster in ${kubeconfig}`, { cause: e });
  }
  if (cm === null) {
    throw new KsealError("SOPS_NO_RECIPIENTS", `no ConfigMap ${AGE_RECIPIENTS_CONFIGMAP} in namespace "${namespace}" of the cluster in ${kubeconfig}: is kseal-operator running there with the sopssecret controller?`);
  }
  return (cm.data?.recipients ?? "").split(/\s+/).filter((r) => /^age1[0-9a-z]+$/.test(r));
}

const CONFIG_MAPS: ResourceType = { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true };

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

async function cmdRecipients(flags: Flags, io: CliIO): Promise<number> {
  const urls = flags.url ?? [];
  const kubeconfigs = flags.kubeconfig ?? [];
  if (urls.length === 0 && kubeconfigs.length === 0) throw usageError("recipients needs at least one --kubeconfig or --url");
  const all: string[] = [];
  for (const k of kubeconfigs) all.push(...(await clusterRecipients(resolve(io.cwd, k), flags["controller-namespace"] ?? "kseal-system")));
  for (const u of urls) all.push(...(await fetchRecipients(u)));
  const recipients = [...new Set(all)];
  if (recipients.length === 0) throw new KsealError("SOPS_NO_RECIPIENTS", "the endpoints returned no age recipients");
  const rule: Record<string, string> = {};
  if (flags["path-regex"] !== undefined) rule.path_regex = flags["path-regex"];
  rule.age = recipients.join(",");
  const text = stringify({ creation_rules: [rule] }, { lineWidth: 0 });
  if (flags.output !== undefined) await writeFileAtomic(resolve(io.cwd, flags.output), text);
  else io.stdout.write(text);
  return 0;
}

export const command: Command = {
  name: "sops",
  summary: "encrypt, decrypt, edit, rotate SOPS files with age; wrap them into SopsSecrets",
  help: HELP,
  async run(args: readonly string[], io: CliIO): Promise<number> {
    const { values: flags, positionals } = parse(args);
    const [verb, ...rest] = positionals;
    if (flags.help === true || verb === undefined) {
      io.stderr.write(HELP);
      return flags.help === true ? 0 : 2;
    }
    switch (verb) {
      case "encrypt":
        return cmdEncrypt(flags, oneFile(rest, verb), io);
      case "decrypt":
        return cmdDecrypt(flags, oneFile(rest, verb), io);
      case "edit":
        return cmdEdit(flags, oneFile(rest, verb), io);
      case "rotate":
        return cmdRotate(flags, oneFile(rest, verb), io);
      case "updatekeys":
        return cmdUpdateKeys(flags, oneFile(rest, verb), io);
      case "new-sopssecret":
        return cmdNewSopsSecret(flags, oneFile(rest, verb), io);
      case "recipients":
        return cmdRecipients(flags, io);
      default:
        throw usageError(`unknown sops command "${verb}"`);
    }
  },
};
