/**
 * The CLI bad-input corpus: malformed and hostile input to every `kseal` command, each case with
 * the exit code the CLI documents (0 ok, 1 the operation failed, 2 usage) and a specific piece of
 * its stderr. cli.test.ts runs every case in its own directory and checks, beyond the table, that
 * nothing crashed (no stack trace, no "internal error"), no plaintext canary leaked and no file
 * was written or half-written.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { CANARY, flipB64, junk, mutateBlob, mutateEnc, secretYaml, sealedWith, type CliFixtures } from "./cli-fixtures.ts";

export interface CliCase {
  /** Unique, short: the test's name. */
  readonly name: string;
  /** Why this input is bad and what a user should learn from the error. */
  readonly reason: string;
  readonly argv: readonly string[];
  readonly stdin?: string;
  /** Files written into the case's working directory before the run (relative paths). */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly exit: 0 | 1 | 2;
  /** A specific piece of stderr (the error's code or words naming what is wrong). */
  readonly stderr: string;
  /** Files the run may create or change (success cases only); everything else must stay as it was. */
  readonly writes?: readonly string[];
  /** The canary may appear on stdout (the command's purpose is to print plaintext). */
  readonly plaintextOut?: boolean;
}

const deepYaml = (n: number): string => `${"[".repeat(n)}${"]".repeat(n)}`;
const deepJson = (n: number): string => `{"sops": 1, "a": ${'{"a": '.repeat(n)}1${"}".repeat(n)}}`;
const aliasBomb = (): string => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array.from({ length: 10 }, () => `*${String.fromCharCode(96 + i)}`).join(",")}]`);
  return `apiVersion: v1\nkind: Secret\nmetadata: {name: bomb, namespace: apps}\nstringData:\n  ${lines.join("\n  ")}\n`;
};

/** Every case, built from fresh fixtures. */
export function cliCorpus(fx: CliFixtures): CliCase[] {
  const cert = { "cert.pem": fx.certPem };
  const key = { "key.pem": fx.keyPem };
  const sealedItem = fx.sealed.spec.encryptedData?.password ?? "";
  const recovery = (extra: Record<string, string | Uint8Array>): Readonly<Record<string, string | Uint8Array>> => ({ ...key, ...extra });
  const RU = ["--recovery-unseal", "--recovery-private-key", "key.pem", "-f", "in.yaml"];
  const ageEnv = { SOPS_AGE_KEY: fx.age.identity };
  const sopsCfg = (body: string) => ({ ".sops.yaml": body, "plain.yaml": fx.plain.yaml });
  const tplData = { "data.yaml": `a: alpha\nsecret: ${CANARY}-tpl\n` };
  const tpl = (name: string, reason: string, template: string, exit: 0 | 1 | 2, stderr: string): CliCase => ({
    name,
    reason,
    argv: ["template", "render", "--data", "data.yaml", "t.tpl"],
    files: { ...tplData, "t.tpl": template },
    exit,
    stderr,
  });

  const seal: CliCase[] = [
    { name: "seal: bad --scope", reason: "scope is an enum", argv: ["--cert", "cert.pem", "--scope", "global"], stdin: secretYaml(), files: cert, exit: 1, stderr: "SEALING_BAD_SCOPE" },
    { name: "seal: --scope with wrong case", reason: "enum values are case-sensitive like kubeseal's", argv: ["--cert", "cert.pem", "--scope", "Strict"], stdin: secretYaml(), files: cert, exit: 1, stderr: "scope must be one of" },
    { name: "seal: bad --format", reason: "only json and yaml", argv: ["--cert", "cert.pem", "-o", "xml"], stdin: secretYaml(), files: cert, exit: 2, stderr: "unsupported output format" },
    { name: "seal: unknown flag", reason: "flags are strict", argv: ["--cert", "cert.pem", "--frobnicate"], stdin: secretYaml(), files: cert, exit: 2, stderr: "--frobnicate" },
    { name: "seal: --cert without value", reason: "a string flag needs its argument", argv: ["--cert"], stdin: secretYaml(), exit: 2, stderr: "CLI_USAGE" },
    { name: "seal: positional argument", reason: "seal reads stdin or -f, takes no positionals", argv: ["--cert", "cert.pem", "secret.yaml"], stdin: secretYaml(), files: cert, exit: 2, stderr: "CLI_USAGE" },
    { name: "seal: empty stdin", reason: "nothing to seal", argv: ["--cert", "cert.pem"], stdin: "", files: cert, exit: 1, stderr: "CLI_NO_INPUT" },
    { name: "seal: only comments", reason: "no document", argv: ["--cert", "cert.pem"], stdin: "# nothing\n---\n", files: cert, exit: 1, stderr: "CLI_NO_INPUT" },
    { name: "seal: not YAML", reason: "syntax error names the document", argv: ["--cert", "cert.pem"], stdin: "kind: Secret\n  data: [unclosed\n", files: cert, exit: 1, stderr: "MANIFEST_INVALID" },
    { name: "seal: a ConfigMap", reason: "only v1 Secrets are sealed", argv: ["--cert", "cert.pem"], stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: apps}\ndata: {a: b}\n", files: cert, exit: 1, stderr: "SEALING_NOT_A_SECRET" },
    { name: "seal: a YAML list", reason: "a sequence is not a Secret", argv: ["--cert", "cert.pem"], stdin: "- a\n- b\n", files: cert, exit: 1, stderr: "SEALING_NOT_A_SECRET" },
    { name: "seal: a scalar", reason: "a string is not a Secret", argv: ["--cert", "cert.pem"], stdin: "hello\n", files: cert, exit: 1, stderr: "SEALING_NOT_A_SECRET" },
    { name: "seal: data not base64", reason: "data values are base64", argv: ["--cert", "cert.pem"], stdin: `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: apps}\ndata:\n  password: "${CANARY}!!*"\n`, files: cert, exit: 1, stderr: "password" },
    { name: "seal: data value a number", reason: "data values are strings", argv: ["--cert", "cert.pem"], stdin: "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: apps}\ndata:\n  port: 5432\n", files: cert, exit: 1, stderr: 'data item "port" is not a string' },
    { name: "seal: data a list", reason: "data is a map", argv: ["--cert", "cert.pem"], stdin: "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: apps}\ndata: [a, b]\n", files: cert, exit: 1, stderr: "SEALING_INVALID" },
    { name: "seal: stringData value a map", reason: "stringData values are strings", argv: ["--cert", "cert.pem"], stdin: `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: apps}\nstringData:\n  password: {v: ${CANARY}}\n`, files: cert, exit: 1, stderr: 'stringData item "password" is not a string' },
    { name: "seal: metadata a string", reason: "metadata is a map", argv: ["--cert", "cert.pem"], stdin: "apiVersion: v1\nkind: Secret\nmetadata: db\nstringData: {a: b}\n", files: cert, exit: 1, stderr: "metadata" },
    { name: "seal: no data", reason: "kubeseal refuses an empty Secret unless --allow-empty-data", argv: ["--cert", "cert.pem"], stdin: "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: apps}\n", files: cert, exit: 1, stderr: "SEALING_EMPTY_DATA" },
    { name: "seal: binary junk on stdin", reason: "not a manifest", argv: ["--cert", "cert.pem"], stdin: junk(4096).toString("latin1"), files: cert, exit: 1, stderr: "stdin" },
    { name: "seal: binary junk file", reason: "not a manifest", argv: ["--cert", "cert.pem", "-f", "junk.bin"], files: { ...cert, "junk.bin": junk(4096, 99) }, exit: 1, stderr: "junk.bin" },
    { name: "seal: deeply nested YAML", reason: "hostile nesting must not overflow the stack", argv: ["--cert", "cert.pem"], stdin: `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: apps}\nstringData: {a: b}\nx: ${deepYaml(20_000)}\n`, files: cert, exit: 1, stderr: "stdin" },
    { name: "seal: YAML alias bomb", reason: "alias expansion is capped", argv: ["--cert", "cert.pem"], stdin: aliasBomb(), files: cert, exit: 1, stderr: "expands too many YAML aliases" },
    { name: "seal: second document bad, -w unchanged", reason: "output is replaced only when every document succeeded", argv: ["--cert", "cert.pem", "-w", "out.json"], stdin: `${secretYaml()}---\napiVersion: v1\nkind: ConfigMap\n`, files: { ...cert, "out.json": "old\n" }, exit: 1, stderr: "stdin document 1" },
    { name: "seal: -w into a missing directory", reason: "cannot write there; no stray temp file", argv: ["--cert", "cert.pem", "-w", "nodir/out.json"], stdin: secretYaml(), files: cert, exit: 1, stderr: "CLI_OUTPUT_UNWRITABLE" },
    { name: "seal: -f missing file", reason: "input unreadable", argv: ["--cert", "cert.pem", "-f", "missing.yaml"], files: cert, exit: 1, stderr: "CLI_INPUT_UNREADABLE" },
    { name: "seal: -f a directory", reason: "input unreadable", argv: ["--cert", "cert.pem", "-f", "."], files: cert, exit: 1, stderr: "CLI_INPUT_UNREADABLE" },
    { name: "seal: no cert, no kubeconfig", reason: "kseal never guesses an API server", argv: [], stdin: secretYaml(), exit: 1, stderr: "KUBE_CONFIG_MISSING" },
    { name: "seal: --cert missing file", reason: "certificate unreadable", argv: ["--cert", "nope.pem"], stdin: secretYaml(), exit: 1, stderr: "SEALING_CERT_UNREADABLE" },
    { name: "seal: --cert garbage", reason: "no PEM certificate", argv: ["--cert", "cert.pem"], stdin: secretYaml(), files: { "cert.pem": junk(300) }, exit: 1, stderr: "SEALING_CERT_INVALID" },
    { name: "seal: --cert PEM with broken body", reason: "a PEM block that is no certificate", argv: ["--cert", "cert.pem"], stdin: secretYaml(), files: { "cert.pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" }, exit: 1, stderr: "SEALING_CERT_INVALID" },
    { name: "seal: --cert is a private key", reason: "a key is not a certificate", argv: ["--cert", "cert.pem"], stdin: secretYaml(), files: { "cert.pem": fx.keyPem }, exit: 1, stderr: "SEALING_CERT_INVALID" },
    { name: "seal: --cert expired", reason: "kubeseal refuses expired certificates", argv: ["--cert", "cert.pem"], stdin: secretYaml(), files: { "cert.pem": fx.expiredCertPem }, exit: 1, stderr: "expired" },
    { name: "seal: --cert not RSA", reason: "sealing needs RSA", argv: ["--cert", "cert.pem"], stdin: secretYaml(), files: { "cert.pem": fx.ecCertPem }, exit: 1, stderr: "RSA" },
    { name: "seal: --cert empty file", reason: "no PEM certificate", argv: ["--cert", "cert.pem"], stdin: secretYaml(), files: { "cert.pem": "" }, exit: 1, stderr: "SEALING_CERT_INVALID" },
    { name: "seal: SEALED_SECRETS_CERT garbage", reason: "the env var is read like --cert", argv: [], stdin: secretYaml(), env: { SEALED_SECRETS_CERT: "cert.pem" }, files: { "cert.pem": "not a cert" }, exit: 1, stderr: "SEALING_CERT_INVALID" },
    { name: "seal: --cert URL unreachable", reason: "fetch failure names the URL, not a stack", argv: ["--cert", "http://127.0.0.1:9/cert.pem"], stdin: secretYaml(), exit: 1, stderr: "SEALING_CERT_UNREADABLE" },
    { name: "seal: --cert file URL missing", reason: "file: URL unreadable", argv: ["--cert", "file:///nonexistent/kseal/cert.pem"], stdin: secretYaml(), exit: 1, stderr: "SEALING_CERT_UNREADABLE" },
    { name: "seal: --merge-into missing file", reason: "nothing to merge into", argv: ["--cert", "cert.pem", "--merge-into", "nope.json"], stdin: secretYaml(), files: cert, exit: 1, stderr: "nope.json" },
    { name: "seal: --merge-into a Secret", reason: "the target must be a SealedSecret; it stays unchanged", argv: ["--cert", "cert.pem", "--merge-into", "target.yaml"], stdin: secretYaml(), files: { ...cert, "target.yaml": secretYaml() }, exit: 1, stderr: "SEALING_NOT_A_SEALED_SECRET" },
    { name: "seal: --merge-into garbage", reason: "target is not YAML", argv: ["--cert", "cert.pem", "--merge-into", "target.yaml"], stdin: secretYaml(), files: { ...cert, "target.yaml": "a: [\n" }, exit: 1, stderr: "MANIFEST_INVALID" },
    { name: "seal: --merge-into two documents", reason: "exactly one SealedSecret expected", argv: ["--cert", "cert.pem", "--merge-into", "target.yaml"], stdin: secretYaml(), files: { ...cert, "target.yaml": `${fx.sealedYaml}---\n${fx.sealedYaml}` }, exit: 1, stderr: "expected exactly one SealedSecret" },
    { name: "seal: --merge-into with two inputs", reason: "one Secret merges into one SealedSecret", argv: ["--cert", "cert.pem", "--merge-into", "target.yaml"], stdin: `${secretYaml()}---\n${secretYaml()}`, files: { ...cert, "target.yaml": fx.sealedYaml }, exit: 2, stderr: "exactly one input Secret" },
    { name: "seal: --merge-into SealedSecret without spec", reason: "spec is required", argv: ["--cert", "cert.pem", "--merge-into", "target.yaml"], stdin: secretYaml(), files: { ...cert, "target.yaml": "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: db}\n" }, exit: 1, stderr: "SEALING_NOT_A_SEALED_SECRET" },
    { name: "seal: --raw without --from-file", reason: "raw seals one value from a file", argv: ["--cert", "cert.pem", "--raw", "--name", "db", "--namespace", "apps"], files: cert, exit: 2, stderr: "--from-file" },
    { name: "seal: --raw with two --from-file", reason: "exactly one value", argv: ["--cert", "cert.pem", "--raw", "--name", "db", "--namespace", "apps", "--from-file", "a", "--from-file", "b"], files: { ...cert, a: "1", b: "2" }, exit: 2, stderr: "exactly one --from-file" },
    { name: "seal: --raw --from-file missing", reason: "value unreadable", argv: ["--cert", "cert.pem", "--raw", "--name", "db", "--namespace", "apps", "--from-file", "nope.txt"], files: cert, exit: 1, stderr: "CLI_INPUT_UNREADABLE" },
    { name: "seal: --raw --from-file key=missing", reason: "the path after = is read", argv: ["--cert", "cert.pem", "--raw", "--name", "db", "--namespace", "apps", "--from-file", "k=nope.txt"], files: cert, exit: 1, stderr: "nope.txt" },
    { name: "seal: --raw strict without --name", reason: "a strict label needs the name (kubeseal refuses)", argv: ["--cert", "cert.pem", "--raw", "--namespace", "apps", "--from-file", "v.txt"], files: { ...cert, "v.txt": CANARY }, exit: 1, stderr: "name" },
    { name: "seal: --raw strict without namespace", reason: "a strict label needs the namespace", argv: ["--cert", "cert.pem", "--raw", "--name", "db", "--from-file", "v.txt"], files: { ...cert, "v.txt": CANARY }, exit: 1, stderr: "namespace" },
    { name: "seal: --raw namespace-wide without namespace", reason: "a namespace-wide label needs the namespace", argv: ["--cert", "cert.pem", "--raw", "--scope", "namespace-wide", "--from-file", "v.txt"], files: { ...cert, "v.txt": CANARY }, exit: 1, stderr: "namespace" },
    { name: "seal: --fetch-cert without cluster", reason: "no kubeconfig", argv: ["--fetch-cert"], exit: 1, stderr: "KUBE_CONFIG_MISSING" },
    { name: "seal: --validate without cluster", reason: "no kubeconfig", argv: ["--validate"], stdin: fx.sealedYaml, exit: 1, stderr: "KUBE_CONFIG_MISSING" },
    { name: "seal: --re-encrypt without cluster", reason: "no kubeconfig", argv: ["--re-encrypt"], stdin: fx.sealedYaml, exit: 1, stderr: "KUBE_CONFIG_MISSING" },
    { name: "seal: --kubeconfig garbage", reason: "unparsable kubeconfig", argv: ["--fetch-cert", "--kubeconfig", "kc"], files: { kc: junk(200) }, exit: 1, stderr: "KUBE_CONFIG_MISSING" },
    { name: "seal: huge value seals", reason: "a 4 MiB value is sealed, not refused (kubeseal has no cap either)", argv: ["--cert", "cert.pem", "-w", "out.json"], stdin: `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: apps}\nstringData:\n  big: ${"x".repeat(4 << 20)}\n`, files: cert, exit: 0, stderr: "", writes: ["out.json"] },
  ];

  const recover: CliCase[] = [
    { name: "recover: no key flag", reason: "recovery needs private keys", argv: ["--recovery-unseal", "-f", "in.yaml"], files: { "in.yaml": fx.sealedYaml }, exit: 2, stderr: "--recovery-private-key" },
    { name: "recover: key file missing", reason: "unreadable key file", argv: ["--recovery-unseal", "--recovery-private-key", "nope.pem", "-f", "in.yaml"], files: { "in.yaml": fx.sealedYaml }, exit: 1, stderr: "CLI_INPUT_UNREADABLE" },
    { name: "recover: key file garbage", reason: "neither PEM key nor key Secret", argv: RU, files: { "key.pem": junk(500), "in.yaml": fx.sealedYaml }, exit: 1, stderr: "SEALING_BAD_KEY_FILE" },
    { name: "recover: key file is a certificate", reason: "a certificate holds no private key", argv: RU, files: { "key.pem": fx.certPem, "in.yaml": fx.sealedYaml }, exit: 1, stderr: "SEALING_BAD_KEY_FILE" },
    { name: "recover: key PEM with broken body", reason: "a PEM block that is no key", argv: RU, files: { "key.pem": "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", "in.yaml": fx.sealedYaml }, exit: 1, stderr: "SEALING_BAD_KEY" },
    { name: "recover: key Secret without tls.key", reason: "a key Secret backup must hold tls.key", argv: RU, files: { "key.pem": "apiVersion: v1\nkind: Secret\nmetadata: {name: k}\ndata: {}\n", "in.yaml": fx.sealedYaml }, exit: 1, stderr: "without a tls.key" },
    { name: "recover: key List with a null item", reason: "items of a List are Secrets", argv: RU, files: { "key.pem": "apiVersion: v1\nkind: List\nitems: [null, 3]\n", "in.yaml": fx.sealedYaml }, exit: 1, stderr: "SEALING_BAD_KEY_FILE" },
    { name: "recover: wrong private key", reason: "another controller's key", argv: RU, files: { "key.pem": fx.wrongKeyPem, "in.yaml": fx.sealedYaml }, exit: 1, stderr: "SEALING_DECRYPT_FAILED" },
    { name: "recover: truncated blob", reason: "cut in the middle", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { s.spec.encryptedData = { password: sealedItem.slice(0, 200) }; }) }), exit: 1, stderr: "SEALING_DECRYPT_FAILED" },
    { name: "recover: blob of one byte", reason: "shorter than the length prefix", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { s.spec.encryptedData = { password: "AA==" }; }) }), exit: 1, stderr: "SEALING_DECRYPT_FAILED" },
    { name: "recover: empty blob", reason: "nothing to open", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { s.spec.encryptedData = { password: "" }; }) }), exit: 1, stderr: "SEALING_DECRYPT_FAILED" },
    { name: "recover: tampered GCM body", reason: "AES-GCM tag fails", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { s.spec.encryptedData = { password: mutateBlob(sealedItem, (b) => { b[b.length - 20] = (b[b.length - 20] ?? 0) ^ 1; return b; }) }; }) }), exit: 1, stderr: "SEALING_DECRYPT_FAILED" },
    { name: "recover: tampered RSA part", reason: "OAEP fails", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { s.spec.encryptedData = { password: mutateBlob(sealedItem, (b) => { b[10] = (b[10] ?? 0) ^ 0x80; return b; }) }; }) }), exit: 1, stderr: "SEALING_DECRYPT_FAILED" },
    { name: "recover: length prefix 0xffff", reason: "length beyond the blob", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { s.spec.encryptedData = { password: mutateBlob(sealedItem, (b) => { b.writeUInt16BE(0xffff, 0); return b; }) }; }) }), exit: 1, stderr: "SEALING_DECRYPT_FAILED" },
    { name: "recover: length prefix 0", reason: "no RSA part", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { s.spec.encryptedData = { password: mutateBlob(sealedItem, (b) => { b.writeUInt16BE(0, 0); return b; }) }; }) }), exit: 1, stderr: "SEALING_DECRYPT_FAILED" },
    { name: "recover: blob not base64", reason: "garbage characters", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { s.spec.encryptedData = { password: "%%%***!!!" }; }) }), exit: 1, stderr: "is not valid base64" },
    { name: "recover: blob a number", reason: "encryptedData values are strings", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { (s.spec as Record<string, unknown>).encryptedData = { password: 12345 }; }) }), exit: 1, stderr: "password" },
    { name: "recover: encryptedData a list", reason: "encryptedData is a map", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { (s.spec as Record<string, unknown>).encryptedData = ["a", "b"]; }) }), exit: 1, stderr: "SEALING_INVALID" },
    { name: "recover: moved to another namespace", reason: "strict scope binds the namespace", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { s.metadata.namespace = "other"; }) }), exit: 1, stderr: "SEALING_DECRYPT_FAILED" },
    { name: "recover: renamed", reason: "strict scope binds the name", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { s.metadata.name = "other"; }) }), exit: 1, stderr: "SEALING_DECRYPT_FAILED" },
    { name: "recover: scope widened by annotation", reason: "a strict blob does not open cluster-wide", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { s.metadata.annotations = { ...s.metadata.annotations, "sealedsecrets.bitnami.com/cluster-wide": "true" }; }) }), exit: 1, stderr: "SEALING_DECRYPT_FAILED" },
    { name: "recover: a Secret instead", reason: "input must be a SealedSecret", argv: RU, files: recovery({ "in.yaml": secretYaml() }), exit: 1, stderr: "SEALING_NOT_A_SEALED_SECRET" },
    { name: "recover: spec a string", reason: "spec is a map", argv: RU, files: recovery({ "in.yaml": "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: db, namespace: apps}\nspec: hello\n" }), exit: 1, stderr: "SEALING_NOT_A_SEALED_SECRET" },
    { name: "recover: spec null", reason: "spec is a map (found by the sealing fuzzer)", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { (s as Record<string, unknown>).spec = null; }) }), exit: 1, stderr: "SEALING_NOT_A_SEALED_SECRET" },
    { name: "recover: template.metadata a string", reason: "template metadata is a map (found by the sealing fuzzer)", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { s.spec.template = { metadata: "labe" } as unknown as NonNullable<typeof s.spec.template>; }) }), exit: 1, stderr: "spec.template.metadata is not a map" },
    { name: "recover: template.data a list", reason: "template data is a map", argv: RU, files: recovery({ "in.yaml": sealedWith(fx, (s) => { s.spec.template = { data: ["x"] } as unknown as NonNullable<typeof s.spec.template>; }) }), exit: 1, stderr: "spec.template.data is not a map" },
    { name: "recover: -w unchanged on failure", reason: "recovered plaintext never half-written", argv: [...RU, "-w", "out.yaml"], files: recovery({ "in.yaml": `${fx.sealedYaml}---\n${sealedWith(fx, (s) => { s.metadata.name = "x"; })}`, "out.yaml": "old\n" }), exit: 1, stderr: "in.yaml document 1" },
    { name: "recover: binary junk input", reason: "not a manifest", argv: RU, files: recovery({ "in.yaml": junk(2048, 5) }), exit: 1, stderr: "in.yaml" },
    { name: "recover: right key opens", reason: "control: the fixture is valid and recovery prints it", argv: RU, files: recovery({ "in.yaml": fx.sealedYaml }), exit: 0, stderr: "", plaintextOut: true },
  ];

  const reseal: CliCase[] = [
    { name: "reseal: no directory", reason: "needs at least one DIR", argv: ["reseal", "--recovery-private-key", "key.pem", "--cert", "cert.pem"], files: { ...key, ...cert }, exit: 2, stderr: "at least one directory" },
    { name: "reseal: no key", reason: "needs keys to open current values", argv: ["reseal", "--cert", "cert.pem", "repo"], files: { ...cert, "repo/s.yaml": fx.sealedYaml }, exit: 2, stderr: "--recovery-private-key" },
    { name: "reseal: unknown flag", reason: "flags are strict", argv: ["reseal", "--bogus"], exit: 2, stderr: "CLI_USAGE" },
    { name: "reseal: key file missing", reason: "unreadable", argv: ["reseal", "--recovery-private-key", "nope.pem", "--cert", "cert.pem", "repo"], files: { ...cert, "repo/s.yaml": fx.sealedYaml }, exit: 1, stderr: "CLI_INPUT_UNREADABLE" },
    { name: "reseal: directory missing", reason: "unreadable", argv: ["reseal", "--recovery-private-key", "key.pem", "--cert", "cert.pem", "nodir"], files: { ...key, ...cert }, exit: 1, stderr: "cannot read directory" },
    { name: "reseal: cert garbage", reason: "no certificate to seal with", argv: ["reseal", "--recovery-private-key", "key.pem", "--cert", "cert.pem", "repo"], files: { ...key, "cert.pem": "junk", "repo/s.yaml": fx.sealedYaml }, exit: 1, stderr: "SEALING_CERT_INVALID" },
    { name: "reseal: cert expired", reason: "refuses an expired target", argv: ["reseal", "--recovery-private-key", "key.pem", "--cert", "cert.pem", "repo"], files: { ...key, "cert.pem": fx.expiredCertPem, "repo/s.yaml": fx.sealedYaml }, exit: 1, stderr: "expired" },
    { name: "reseal: wrong key", reason: "cannot open; file unchanged", argv: ["reseal", "--recovery-private-key", "key.pem", "--cert", "cert.pem", "repo"], files: { "key.pem": fx.wrongKeyPem, "cert.pem": fx.wrongCertPem, "repo/s.yaml": fx.sealedYaml }, exit: 1, stderr: 'no key could decrypt item "password"' },
    { name: "reseal: tampered blob", reason: "one bad item fails the file, which stays as it was", argv: ["reseal", "--recovery-private-key", "key.pem", "--cert", "cert.pem", "repo"], files: { ...key, "cert.pem": fx.wrongCertPem, "repo/s.yaml": sealedWith(fx, (s) => { s.spec.encryptedData = { ...s.spec.encryptedData, password: mutateBlob(sealedItem, (b) => { b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 1; return b; }) }; }) }, exit: 1, stderr: "no key could decrypt item \"password\"" },
    { name: "reseal: truncated blob", reason: "cut blob", argv: ["reseal", "--recovery-private-key", "key.pem", "--cert", "cert.pem", "repo"], files: { ...key, "cert.pem": fx.wrongCertPem, "repo/s.yaml": sealedWith(fx, (s) => { s.spec.encryptedData = { password: sealedItem.slice(0, 40) }; }) }, exit: 1, stderr: "no key could decrypt" },
    { name: "reseal: wrong scope", reason: "moved to another namespace", argv: ["reseal", "--recovery-private-key", "key.pem", "--cert", "cert.pem", "repo"], files: { ...key, "cert.pem": fx.wrongCertPem, "repo/s.yaml": sealedWith(fx, (s) => { s.metadata.namespace = "elsewhere"; }) }, exit: 1, stderr: "repo/s.yaml document 0: no key could decrypt" },
    { name: "reseal: blob a number", reason: "encryptedData values are strings", argv: ["reseal", "--recovery-private-key", "key.pem", "--cert", "cert.pem", "repo"], files: { ...key, "cert.pem": fx.wrongCertPem, "repo/s.json": JSON.stringify({ ...fx.sealed, spec: { encryptedData: { password: 7 } } }) }, exit: 1, stderr: 'encryptedData item "password" is not a string' },
    { name: "reseal: broken YAML after a SealedSecret", reason: "a half-valid file is reported, not rewritten", argv: ["reseal", "--recovery-private-key", "key.pem", "--cert", "cert.pem", "repo"], files: { ...key, "cert.pem": fx.wrongCertPem, "repo/s.yaml": `${fx.sealedYaml}---\na: [\n` }, exit: 1, stderr: "document 1: not valid YAML" },
    { name: "reseal: junk files are skipped", reason: "other files of a Git tree are not judged", argv: ["reseal", "--recovery-private-key", "key.pem", "--cert", "cert.pem", "repo"], files: { ...key, ...cert, "repo/a.yaml": junk(1000, 3), "repo/b.json": "{not json", "repo/c.yaml": "a: [\n" }, exit: 0, stderr: "0 resealed, 0 unchanged, 0 failed" },
  ];

  const S = (...a: string[]) => ["sops", ...a];
  const sops: CliCase[] = [
    { name: "sops: no verb", reason: "usage", argv: S(), exit: 2, stderr: "usage: kseal sops" },
    { name: "sops: unknown verb", reason: "usage", argv: S("frobnicate", "a.yaml"), exit: 2, stderr: "unknown sops command" },
    { name: "sops: decrypt without file", reason: "one FILE", argv: S("decrypt"), exit: 2, stderr: "exactly one FILE" },
    { name: "sops: decrypt two files", reason: "one FILE", argv: S("decrypt", "a.yaml", "b.yaml"), exit: 2, stderr: "exactly one FILE" },
    { name: "sops: unknown flag", reason: "flags are strict", argv: S("decrypt", "--nope", "a.yaml"), exit: 2, stderr: "CLI_USAGE" },
    { name: "sops: decrypt missing file", reason: "unreadable", argv: S("decrypt", "nope.yaml"), env: ageEnv, exit: 1, stderr: "CLI_IO" },
    { name: "sops: unknown --input-type", reason: "format is an enum", argv: S("decrypt", "--input-type", "toml", "s.yaml"), files: { "s.yaml": fx.sops.yaml }, env: ageEnv, exit: 1, stderr: "unknown format (yaml, json, dotenv, ini, binary) [SOPS_CONFIG]" },
    { name: "sops: unknown --output-type", reason: "format is an enum", argv: S("decrypt", "--output-type", "xml", "s.yaml"), files: { "s.yaml": fx.sops.yaml }, env: ageEnv, exit: 1, stderr: "unknown format" },
    { name: "sops: decrypt a plain file", reason: "no sops metadata", argv: S("decrypt", "p.yaml"), files: { "p.yaml": fx.plain.yaml }, env: ageEnv, exit: 1, stderr: "SOPS_NOT_ENCRYPTED" },
    { name: "sops: broken MAC", reason: "the stored MAC fails authentication", argv: S("decrypt", "s.yaml"), files: { "s.yaml": mutateEnc(fx.sops.yaml, "mac:", (d) => flipB64(d, 3)) }, env: ageEnv, exit: 1, stderr: "SOPS_MAC_INVALID" },
    { name: "sops: lastmodified changed", reason: "lastmodified is the MAC's AAD", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml.replace("2025-06-01T00:00:00Z", "2025-06-02T00:00:00Z") }, env: ageEnv, exit: 1, stderr: "SOPS_MAC_INVALID" },
    { name: "sops: tampered value", reason: "a value's GCM tag fails", argv: S("decrypt", "s.yaml"), files: { "s.yaml": mutateEnc(fx.sops.yaml, "password:", (d) => flipB64(d, 1)) }, env: ageEnv, exit: 1, stderr: "SOPS_TAMPERED" },
    { name: "sops: value moved to another key", reason: "the key path is the AAD", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml.replace(/^user: (ENC\[[^\n]*)\npassword: (ENC\[[^\n]*)/m, "user: $2\npassword: $1") }, env: ageEnv, exit: 1, stderr: "SOPS_TAMPERED" },
    { name: "sops: value removed", reason: "MAC over all values differs", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml.replace(/^user: ENC\[[^\n]*\n/m, "") }, env: ageEnv, exit: 1, stderr: "SOPS_MAC_MISMATCH" },
    { name: "sops: value added in clear", reason: "a plain value slipped into an encrypted file is refused", argv: S("decrypt", "s.yaml"), files: { "s.yaml": `extra: injected\n${fx.sops.yaml}` }, env: ageEnv, exit: 1, stderr: "value at extra should be encrypted but is not [SOPS_TAMPERED]" },
    { name: "sops: ENC with bad type", reason: "unknown type tag", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml.replace(/(password: ENC\[[^\n]*)type:str\]/, "$1type:weird]") }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: ENC malformed", reason: "not the ENC[AES256_GCM,…] grammar", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml.replace(/password: ENC\[[^\n]*/, "password: ENC[AES256_GCM,data:zz]") }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: bad age header", reason: "the age file header is not age-encryption.org/v1", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml.replace(/-----BEGIN AGE ENCRYPTED FILE-----\n(\s+)YWdl/, "-----BEGIN AGE ENCRYPTED FILE-----\n$1WWdl") }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: armor not base64", reason: "the age armor is broken", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml.replace(/-----BEGIN AGE ENCRYPTED FILE-----\n(\s+)\S+/, "-----BEGIN AGE ENCRYPTED FILE-----\n$1!!!!***") }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: enc not armored", reason: "enc must hold an age file", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml.replace(/- enc: \|\n(\s+-----BEGIN[\s\S]*?END AGE ENCRYPTED FILE-----\n)/, "- enc: hello\n") }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: age stanza body changed", reason: "the wrapped data key fails authentication", argv: S("decrypt", "s.json"), files: { "s.json": fx.sops.json.replace(/(-----BEGIN AGE ENCRYPTED FILE-----\\n[^\\]*\\n[^\\]*\\n[^\\]*\\n[^\\]*\\n)(.)/, (_m, a: string, c: string) => a + (c === "A" ? "B" : "A")) }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: wrong identity", reason: "the file is not for this key", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml }, env: { SOPS_AGE_KEY: fx.wrongAge.identity }, exit: 1, stderr: "SOPS_NO_KEY" },
    { name: "sops: no identity", reason: "no SOPS_AGE_KEY, no key file", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml }, exit: 1, stderr: "SOPS_NO_KEY" },
    { name: "sops: SOPS_AGE_KEY garbage", reason: "no identity in it", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml }, env: { SOPS_AGE_KEY: "hello world" }, exit: 1, stderr: "SOPS_" },
    { name: "sops: SOPS_AGE_KEY malformed identity", reason: "AGE-SECRET-KEY- with a bad checksum", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml }, env: { SOPS_AGE_KEY: fx.age.identity.slice(0, -3) + "QQQ" }, exit: 1, stderr: "SOPS_" },
    { name: "sops: SOPS_AGE_KEY_FILE missing", reason: "the key file does not exist", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml }, env: { SOPS_AGE_KEY_FILE: "/nonexistent/keys.txt" }, exit: 1, stderr: "SOPS_" },
    { name: "sops: binary junk as YAML", reason: "not YAML", argv: S("decrypt", "j.yaml"), files: { "j.yaml": junk(3000, 11) }, env: ageEnv, exit: 1, stderr: "SOPS_PARSE" },
    { name: "sops: binary junk as JSON", reason: "not JSON", argv: S("decrypt", "j.json"), files: { "j.json": junk(3000, 12) }, env: ageEnv, exit: 1, stderr: "SOPS_PARSE" },
    { name: "sops: binary junk as dotenv", reason: "not dotenv with metadata", argv: S("decrypt", "j.env"), files: { "j.env": junk(3000, 13) }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: binary junk as ini", reason: "not INI", argv: S("decrypt", "j.ini"), files: { "j.ini": junk(3000, 14) }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: sops metadata a string", reason: "metadata must be a map", argv: S("decrypt", "s.json"), files: { "s.json": '{"a": "b", "sops": "yes"}' }, env: ageEnv, exit: 1, stderr: "SOPS_PARSE" },
    { name: "sops: sops.age a string", reason: "age is a list", argv: S("decrypt", "s.json"), files: { "s.json": fx.sops.json.replace(/"age": \[[\s\S]*?\],\n/, '"age": "x",\n') }, env: ageEnv, exit: 1, stderr: "SOPS_PARSE" },
    { name: "sops: sops.mac a number", reason: "mac is a string", argv: S("decrypt", "s.json"), files: { "s.json": fx.sops.json.replace(/"mac": "[^"]*"/, '"mac": 42') }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: sops.mac missing", reason: "a file without MAC is refused", argv: S("decrypt", "s.json"), files: { "s.json": fx.sops.json.replace(/\s*"mac": "[^"]*",/, "") }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: lastmodified bogus", reason: "not a timestamp", argv: S("decrypt", "s.json"), files: { "s.json": fx.sops.json.replace("2025-06-01T00:00:00Z", "yesterday") }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: version a list", reason: "version is a string", argv: S("decrypt", "s.json"), files: { "s.json": fx.sops.json.replace(/"version": "[^"]*"/, '"version": [1]') }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: recipient entry a number", reason: "age entries are maps", argv: S("decrypt", "s.json"), files: { "s.json": fx.sops.json.replace(/"age": \[/, '"age": [7, ') }, env: ageEnv, exit: 1, stderr: "SOPS_PARSE" },
    { name: "sops: dotenv tampered", reason: "a value's tag fails", argv: S("decrypt", "s.env"), files: { "s.env": mutateEnc(fx.sops.dotenv, "PASSWORD=", (d) => flipB64(d, 0)) }, env: ageEnv, exit: 1, stderr: "SOPS_TAMPERED" },
    { name: "sops: dotenv metadata removed", reason: "no sops_ keys", argv: S("decrypt", "s.env"), files: { "s.env": fx.sops.dotenv.split("\n").filter((l) => !l.startsWith("sops_")).join("\n") }, env: ageEnv, exit: 1, stderr: "SOPS_NOT_ENCRYPTED" },
    { name: "sops: ini without [sops]", reason: "no metadata section", argv: S("decrypt", "s.ini"), files: { "s.ini": fx.sops.ini.slice(0, fx.sops.ini.indexOf("[sops]")) }, env: ageEnv, exit: 1, stderr: "SOPS_NOT_ENCRYPTED" },
    { name: "sops: ini MAC broken", reason: "MAC fails", argv: S("decrypt", "s.ini"), files: { "s.ini": mutateEnc(fx.sops.ini, "mac ", (d) => flipB64(d, 5)) }, env: ageEnv, exit: 1, stderr: "SOPS_MAC_INVALID" },
    { name: "sops: binary format tampered", reason: "the data value fails", argv: S("decrypt", "--input-type", "binary", "s.bin"), files: { "s.bin": mutateEnc(fx.sops.binary, '"data":', (d) => flipB64(d, 2)) }, env: ageEnv, exit: 1, stderr: "SOPS_TAMPERED" },
    { name: "sops: truncated file", reason: "cut mid-way", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml.slice(0, Math.floor(fx.sops.yaml.length / 2)) }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: deeply nested JSON", reason: "depth is capped", argv: S("decrypt", "d.json"), files: { "d.json": deepJson(5000) }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: deeply nested YAML", reason: "depth is capped, no stack overflow", argv: S("decrypt", "d.yaml"), files: { "d.yaml": `a: ${deepYaml(20_000)}\nsops: {}\n` }, env: ageEnv, exit: 1, stderr: "SOPS_" },
    { name: "sops: file larger than the cap", reason: "8 MiB input cap", argv: S("decrypt", "big.yaml"), files: { "big.yaml": `a: ${"x".repeat(9 << 20)}\n` }, env: ageEnv, exit: 1, stderr: "SOPS_LIMIT" },
    { name: "sops: decrypt --output, wrong key", reason: "no output file on failure", argv: S("decrypt", "--output", "out.yaml", "s.yaml"), files: { "s.yaml": fx.sops.yaml }, env: { SOPS_AGE_KEY: fx.wrongAge.identity }, exit: 1, stderr: "SOPS_NO_KEY" },
    { name: "sops: decrypt -i, tampered", reason: "in-place stays encrypted on failure", argv: S("decrypt", "-i", "s.yaml"), files: { "s.yaml": mutateEnc(fx.sops.yaml, "password:", (d) => flipB64(d, 2)) }, env: ageEnv, exit: 1, stderr: "SOPS_TAMPERED" },
    { name: "sops: encrypt, no recipients", reason: "nothing to encrypt for", argv: S("encrypt", "plain.yaml"), files: { "plain.yaml": fx.plain.yaml }, exit: 1, stderr: "SOPS_NO_RECIPIENTS" },
    { name: "sops: encrypt --age garbage", reason: "not an age recipient", argv: S("encrypt", "--age", "age1garbage", "plain.yaml"), files: { "plain.yaml": fx.plain.yaml }, exit: 1, stderr: "SOPS_" },
    { name: "sops: encrypt --age an identity", reason: "a secret key is not a recipient (and is never echoed)", argv: S("encrypt", "--age", fx.age.identity, "plain.yaml"), files: { "plain.yaml": fx.plain.yaml }, exit: 1, stderr: "SOPS_" },
    { name: "sops: encrypt --age empty list", reason: "no recipients", argv: S("encrypt", "--age", ",", "plain.yaml"), files: { "plain.yaml": fx.plain.yaml }, exit: 1, stderr: "SOPS_NO_RECIPIENTS" },
    { name: "sops: encrypt already encrypted", reason: "refuses to encrypt twice", argv: S("encrypt", "--age", fx.age.recipient, "s.yaml"), files: { "s.yaml": fx.sops.yaml }, exit: 1, stderr: "SOPS_ALREADY_ENCRYPTED" },
    { name: "sops: encrypt two selection rules", reason: "only one rule at a time", argv: S("encrypt", "--age", fx.age.recipient, "--encrypted-regex", "^p", "--unencrypted-suffix", "_x", "plain.yaml"), files: { "plain.yaml": fx.plain.yaml }, exit: 1, stderr: "SOPS_CONFIG" },
    { name: "sops: encrypt invalid regex", reason: "--encrypted-regex does not compile", argv: S("encrypt", "--age", fx.age.recipient, "--encrypted-regex", "(", "plain.yaml"), files: { "plain.yaml": fx.plain.yaml }, exit: 1, stderr: "SOPS_CONFIG" },
    { name: "sops: encrypt binary junk as YAML", reason: "not YAML", argv: S("encrypt", "--age", fx.age.recipient, "j.yaml"), files: { "j.yaml": junk(2000, 21) }, exit: 1, stderr: "SOPS_PARSE" },
    { name: "sops: encrypt deeply nested YAML", reason: "depth is capped", argv: S("encrypt", "--age", fx.age.recipient, "d.yaml"), files: { "d.yaml": `a: ${deepYaml(20_000)}\n` }, exit: 1, stderr: "SOPS_" },
    { name: "sops: encrypt -i, bad recipient", reason: "in-place stays plain and unchanged", argv: S("encrypt", "-i", "--age", "age1nope", "plain.yaml"), files: { "plain.yaml": fx.plain.yaml }, exit: 1, stderr: "SOPS_" },
    { name: "sops: --shamir threshold not a number", reason: "usage", argv: S("encrypt", "--age", fx.age.recipient, "--shamir-secret-sharing-threshold", "two", "plain.yaml"), files: { "plain.yaml": fx.plain.yaml }, exit: 2, stderr: "takes a number" },
    { name: "sops: shamir threshold above groups", reason: "3 of 2 groups can never be met", argv: S("encrypt", "--shamir-secret-sharing-threshold", "3", "plain.yaml"), files: sopsCfg(`creation_rules:\n  - key_groups:\n      - age: [${fx.age.recipient}]\n      - age: [${fx.wrongAge.recipient}]\n`), exit: 1, stderr: "SOPS_CONFIG" },
    { name: "sops: shamir threshold 0", reason: "0 of 2 groups is meaningless", argv: S("encrypt", "--shamir-secret-sharing-threshold", "0", "plain.yaml"), files: sopsCfg(`creation_rules:\n  - key_groups:\n      - age: [${fx.age.recipient}]\n      - age: [${fx.wrongAge.recipient}]\n`), exit: 1, stderr: "SOPS_CONFIG" },
    { name: "sops: .sops.yaml shamir_threshold above groups", reason: "the config's threshold is checked too", argv: S("encrypt", "plain.yaml"), files: sopsCfg(`creation_rules:\n  - shamir_threshold: 5\n    key_groups:\n      - age: [${fx.age.recipient}]\n      - age: [${fx.wrongAge.recipient}]\n`), exit: 1, stderr: "SOPS_CONFIG" },
    { name: "sops: .sops.yaml not YAML", reason: "config unparsable", argv: S("encrypt", "plain.yaml"), files: sopsCfg("creation_rules: [\n"), exit: 1, stderr: "SOPS_CONFIG" },
    { name: "sops: .sops.yaml creation_rules a map", reason: "must be a list", argv: S("encrypt", "plain.yaml"), files: sopsCfg("creation_rules: {age: x}\n"), exit: 1, stderr: "creation_rules must be a list" },
    { name: "sops: .sops.yaml rule a string", reason: "rules are maps", argv: S("encrypt", "plain.yaml"), files: sopsCfg("creation_rules: [hello]\n"), exit: 1, stderr: "SOPS_CONFIG" },
    { name: "sops: .sops.yaml age a number", reason: "age is a string or list", argv: S("encrypt", "plain.yaml"), files: sopsCfg("creation_rules:\n  - age: 5\n"), exit: 1, stderr: "age must be a string or a list" },
    { name: "sops: .sops.yaml bad path_regex", reason: "regex does not compile", argv: S("encrypt", "plain.yaml"), files: sopsCfg(`creation_rules:\n  - path_regex: "("\n    age: ${fx.age.recipient}\n`), exit: 1, stderr: "invalid path_regex" },
    { name: "sops: .sops.yaml no matching rule", reason: "nothing for this path", argv: S("encrypt", "plain.yaml"), files: sopsCfg(`creation_rules:\n  - path_regex: ^other/\n    age: ${fx.age.recipient}\n`), exit: 1, stderr: "SOPS_NO_RECIPIENTS" },
    { name: "sops: .sops.yaml bad encrypted_regex", reason: "the rule's regex does not compile", argv: S("encrypt", "plain.yaml"), files: sopsCfg(`creation_rules:\n  - encrypted_regex: "[a-"\n    age: ${fx.age.recipient}\n`), exit: 1, stderr: "SOPS_CONFIG" },
    { name: "sops: .sops.yaml binary junk", reason: "config unparsable", argv: S("encrypt", "plain.yaml"), files: { ".sops.yaml": junk(500, 31), "plain.yaml": fx.plain.yaml }, exit: 1, stderr: "SOPS_CONFIG" },
    { name: "sops: --config missing file", reason: "the named config does not exist", argv: S("encrypt", "--config", "nope.yaml", "plain.yaml"), files: { "plain.yaml": fx.plain.yaml }, exit: 1, stderr: "cannot read nope.yaml [CLI_IO]" },
    { name: "sops: updatekeys without config", reason: "no rule to sync with", argv: S("updatekeys", "-y", "s.yaml"), files: { "s.yaml": fx.sops.yaml }, env: ageEnv, exit: 1, stderr: "SOPS_CONFIG" },
    { name: "sops: updatekeys wrong identity", reason: "cannot recover the data key; file unchanged", argv: S("updatekeys", "-y", "s.yaml"), files: { "s.yaml": fx.sops.yaml, ".sops.yaml": `creation_rules:\n  - age: ${fx.wrongAge.recipient}\n` }, env: { SOPS_AGE_KEY: fx.wrongAge.identity }, exit: 1, stderr: "SOPS_NO_KEY" },
    { name: "sops: rotate tampered", reason: "rotation verifies first", argv: S("rotate", "-i", "s.yaml"), files: { "s.yaml": mutateEnc(fx.sops.yaml, "password:", (d) => flipB64(d, 1)) }, env: ageEnv, exit: 1, stderr: "SOPS_TAMPERED" },
    { name: "sops: new-sopssecret without --name", reason: "usage", argv: S("new-sopssecret", "s.yaml"), files: { "s.yaml": fx.sops.yaml }, exit: 2, stderr: "--name" },
    { name: "sops: new-sopssecret of a plain file", reason: "would put plaintext into Git", argv: S("new-sopssecret", "--name", "x", "p.yaml"), files: { "p.yaml": fx.plain.yaml }, exit: 1, stderr: "SOPS_NOT_ENCRYPTED" },
    { name: "sops: recipients without source", reason: "usage", argv: S("recipients"), exit: 2, stderr: "--kubeconfig or --url" },
    { name: "sops: recipients URL unreachable", reason: "fetch failure", argv: S("recipients", "--url", "http://127.0.0.1:9/r"), exit: 1, stderr: "SOPS_RECIPIENTS_FETCH" },
    { name: "sops: recipients URL not a URL", reason: "fetch failure, not a crash", argv: S("recipients", "--url", "::::"), exit: 1, stderr: "SOPS_RECIPIENTS_FETCH" },
    { name: "sops: decrypt valid (control)", reason: "the fixture is valid and decrypts", argv: S("decrypt", "s.yaml"), files: { "s.yaml": fx.sops.yaml }, env: ageEnv, exit: 0, stderr: "", plaintextOut: true },
  ];

  const T = (...a: string[]) => ["template", ...a];
  const template: CliCase[] = [
    { name: "template: no subcommand", reason: "usage, help on stderr", argv: T(), exit: 2, stderr: "usage: kseal template render" },
    { name: "template: unknown subcommand", reason: "usage", argv: T("paint"), exit: 2, stderr: "unknown template subcommand" },
    { name: "template: no --data", reason: "usage", argv: T("render", "t.tpl"), files: { "t.tpl": "x" }, exit: 2, stderr: "--data is required" },
    { name: "template: no TEMPLATE", reason: "usage", argv: T("render", "--data", "data.yaml"), files: tplData, exit: 2, stderr: "exactly one TEMPLATE" },
    { name: "template: both from stdin", reason: "stdin can be read once", argv: T("render", "--data", "-", "-"), exit: 2, stderr: "cannot both read stdin" },
    { name: "template: bad --funcs", reason: "enum", argv: T("render", "--data", "data.yaml", "--funcs", "helm", "t.tpl"), files: { ...tplData, "t.tpl": "x" }, exit: 2, stderr: "--funcs must be" },
    { name: "template: bad --missing-key", reason: "enum", argv: T("render", "--data", "data.yaml", "--missing-key", "ignore", "t.tpl"), files: { ...tplData, "t.tpl": "x" }, exit: 2, stderr: "--missing-key must be" },
    { name: "template: data file missing", reason: "unreadable", argv: T("render", "--data", "nope.yaml", "t.tpl"), files: { "t.tpl": "x" }, exit: 1, stderr: "CLI_IO" },
    { name: "template: template file missing", reason: "unreadable", argv: T("render", "--data", "data.yaml", "nope.tpl"), files: tplData, exit: 1, stderr: "CLI_IO" },
    { name: "template: data a list", reason: "data is a map", argv: T("render", "--data", "d.yaml", "t.tpl"), files: { "d.yaml": "- a\n- b\n", "t.tpl": "x" }, exit: 2, stderr: "map of key -> string" },
    { name: "template: data nested value", reason: "secret values are strings", argv: T("render", "--data", "d.yaml", "t.tpl"), files: { "d.yaml": `a: {b: ${CANARY}}\n`, "t.tpl": "x" }, exit: 2, stderr: "is not a string" },
    { name: "template: data not YAML", reason: "syntax error", argv: T("render", "--data", "d.yaml", "t.tpl"), files: { "d.yaml": `a: [${CANARY}\n`, "t.tpl": "x" }, exit: 2, stderr: "neither JSON nor YAML" },
    { name: "template: data binary junk", reason: "not a map", argv: T("render", "--data", "d.yaml", "t.tpl"), files: { "d.yaml": junk(1000, 41), "t.tpl": "x" }, exit: 2, stderr: "--data" },
    { name: "template: Secret data not a string", reason: "data values are base64 strings", argv: T("render", "--data", "d.yaml", "t.tpl"), files: { "d.yaml": "apiVersion: v1\nkind: Secret\ndata: {a: 5}\n", "t.tpl": "x" }, exit: 2, stderr: "not a base64 string" },
    tpl("template: unclosed action", "parse error", "{{ .a ", 1, "TEMPLATE_"),
    tpl("template: unclosed if", "parse error: missing end", "{{ if .a }}x", 1, "TEMPLATE_"),
    tpl("template: stray end", "parse error", "{{ end }}", 1, "TEMPLATE_"),
    tpl("template: undefined function", "function not defined", "{{ frobnicate .a }}", 1, "frobnicate"),
    tpl("template: undefined variable", "variable not defined", "{{ $nope }}", 1, "TEMPLATE_"),
    tpl("template: missing key", "ESO default is missingkey=error", "{{ .nope }}", 1, "nope"),
    tpl("template: fail", "fail stops the render; its message may hold data, so it is not shown", `{{ fail .secret }}`, 1, "fail was called"),
    tpl("template: wrong arg type", "len of a number (Go: len of type int)", "{{ len 3 }}", 1, "TEMPLATE_EXEC"),
    tpl("template: too few args", "arity", "{{ upper }}", 1, "TEMPLATE_"),
    tpl("template: huge repeat", "output size is capped", "{{ repeat 2000000000 .a }}", 1, "TEMPLATE_"),
    tpl("template: nested huge repeat", "output size is capped", '{{ repeat 100000 (repeat 100000 "x") }}', 1, "TEMPLATE_"),
    tpl("template: huge until", "range over a huge list is capped", "{{ range until 100000000 }}x{{ end }}", 1, "TEMPLATE_"),
    tpl("template: infinite recursion", "template recursion is capped", '{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}', 1, "TEMPLATE_"),
    tpl("template: deep parentheses", "nesting must not overflow the stack", `{{ ${"(".repeat(20_000)}1${")".repeat(20_000)} }}`, 1, "TEMPLATE_"),
    tpl("template: deep if nesting", "nesting must not overflow the stack", `${"{{ if 1 }}".repeat(20_000)}${"{{ end }}".repeat(20_000)}`, 1, "TEMPLATE_"),
    tpl("template: b64dec of a secret", "sprig prints the decode error as output; it never quotes the value", "{{ .secret | b64dec }}", 0, ""),
    tpl("template: fromJson of a secret", "sprig's fromJson yields an empty map on bad JSON; nothing quotes the value", "{{ .secret | fromJson }}", 0, ""),
    tpl("template: regex of a secret", "an invalid regex from data never quotes the value", '{{ regexFind (print "(" .secret) "x" }}', 1, "TEMPLATE_"),
    tpl("template: binary junk template", "junk without {{ is literal text", junk(3000, 51).toString("latin1").replaceAll("{{", "{"), 0, ""),
    tpl("template: binary junk in an action", "junk inside {{ }} is a parse error", `{{ ${junk(300, 52).toString("latin1").replaceAll("}}", "}")} }}`, 1, "TEMPLATE_PARSE"),
    tpl("template: index out of range", "index errors are errors", "{{ index (list 1) 5 }}", 1, "TEMPLATE_"),
    tpl("template: slice out of range", "slice errors are errors", '{{ slice "abc" 2 9 }}', 1, "TEMPLATE_"),
    tpl("template: division by zero", "div by 0", "{{ div 1 0 }}", 1, "TEMPLATE_"),
  ];

  return [...seal, ...recover, ...reseal, ...sops, ...template];
}

/** Shows a case's files for debugging: names and sizes only (they may hold canaries). */
/** A new temp directory (name starting with `prefix`) holding the case's files. */
export function caseDir(c: CliCase, prefix: string): string {
  const cwd = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, content] of Object.entries(c.files ?? {})) {
    mkdirSync(dirname(join(cwd, name)), { recursive: true });
    writeFileSync(join(cwd, name), content);
  }
  return cwd;
}

export function describeFiles(c: CliCase): string {
  return stringify(Object.fromEntries(Object.entries(c.files ?? {}).map(([k, v]) => [k, typeof v === "string" ? v.length : v.byteLength])));
}
