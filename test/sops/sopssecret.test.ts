/**
 * The SopsSecret decision (planSopsSecret), age key Secrets (kseal's and Flux's `*.agekey`) and
 * isindir SopsSecret migration — pure logic; documents made by the real `sops`.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import {
  identitiesFromSecrets,
  newAgeKeySecret,
  newSopsSecret,
  planIsindirSopsSecret,
  planSopsSecret,
  recipientsFromSecrets,
} from "../../src/sops/sopssecret.ts";
import type { Secret, SopsSecret } from "../../src/sops/sopssecret.ts";
import { ageKeygen, sops, tempDir, write } from "./support.ts";
import type { TestKey } from "./support.ts";

let dir: string;
let k1: TestKey;
let k2: TestKey;
let doc: string;

beforeAll(() => {
  dir = tempDir();
  k1 = ageKeygen(dir, "k1");
  k2 = ageKeygen(dir, "k2");
  doc = sops(dir, ["encrypt", "--age", k1.recipient, write(dir, "s.yaml", "password: s3cr3t\nuser: admin\n")]);
});

function resource(sopsDoc: string, extra: Partial<SopsSecret["spec"]> = {}): SopsSecret {
  const r = newSopsSecret("db", sopsDoc, { namespace: "prod" });
  r.metadata.uid = "uid-1";
  r.metadata.generation = 3;
  Object.assign(r.spec, extra);
  return r;
}

const b64 = (s: string): string => Buffer.from(s).toString("base64");

/** Changes the first ciphertext character after `marker` (always to a different one). */
function flip(text: string, marker: string): string {
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`marker ${marker} not found`);
  const i = at + marker.length;
  return text.slice(0, i) + (text[i] === "A" ? "B" : "A") + text.slice(i + 1);
}

describe("planSopsSecret", () => {
  it("decrypts into a Secret with owner reference, labels and Ready=True", async () => {
    const plan = await planSopsSecret(resource(doc, { target: { labels: { app: "db" }, type: "kubernetes.io/basic-auth" } }), null, [k2.identity, k1.identity]);
    expect(plan.kind).toBe("write");
    if (plan.kind !== "write") return;
    expect(plan.secret.metadata).toMatchObject({ name: "db", namespace: "prod", labels: { app: "db", "app.kubernetes.io/managed-by": "kseal" } });
    expect(plan.secret.metadata.ownerReferences?.[0]).toMatchObject({ kind: "SopsSecret", uid: "uid-1", controller: true });
    expect(plan.secret.type).toBe("kubernetes.io/basic-auth");
    expect(plan.secret.data).toEqual({ password: b64("s3cr3t"), user: b64("admin") });
    expect(plan.condition).toMatchObject({ status: "True", observedGeneration: 3 });
  });

  it("no write when the existing Secret already matches", async () => {
    const first = await planSopsSecret(resource(doc), null, [k1.identity]);
    if (first.kind !== "write") throw new Error("expected write");
    expect((await planSopsSecret(resource(doc), first.secret, [k1.identity])).kind).toBe("unchanged");
  });

  it("a kind: Secret manifest contributes its data and stringData", async () => {
    const manifest = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  a: " + b64("A") + "\nstringData:\n  b: B\n";
    const enc = sops(dir, ["encrypt", "--age", k1.recipient, "--encrypted-regex", "^(data|stringData)$", write(dir, "m.yaml", manifest)]);
    const plan = await planSopsSecret(resource(enc), null, [k1.identity]);
    expect(plan.kind === "write" && plan.secret.data).toEqual({ a: b64("A"), b: b64("B") });
  });

  const existingForeign: Secret = { metadata: { name: "db", namespace: "prod" }, data: { old: b64("x") } };
  const failures: { why: string; make: () => SopsSecret; existing?: Secret; ids?: () => string[]; reason: string }[] = [
    { why: "a value changed in Git", make: () => resource(flip(doc, "password: ENC[AES256_GCM,data:")), reason: "Tampered" },
    { why: "keys reordered (MAC mismatch)", make: () => {
      const lines = doc.split("\n");
      const [p, u] = [lines[0] ?? "", lines[1] ?? ""];
      return resource([u, p, ...lines.slice(2)].join("\n"));
    }, reason: "MacMismatch" },
    { why: "the MAC changed", make: () => resource(flip(doc, "mac: ENC[AES256_GCM,data:")), reason: "MacMismatch" },
    { why: "no usable key in the cluster", make: () => resource(doc), ids: () => [k2.identity], reason: "NoUsableKey" },
    { why: "not a SOPS document", make: () => resource("a: b\n"), reason: "InvalidDocument" },
    { why: "an empty spec.sops", make: () => resource(""), reason: "InvalidSpec" },
    { why: "the target exists and is not ours", make: () => resource(doc), existing: existingForeign, reason: "TargetNotOwned" },
  ];
  for (const f of failures) {
    it(`${f.why} → Ready=False ${f.reason}, nothing to write`, async () => {
      const made = f.make();
      if (f.reason === "Tampered" || f.reason === "MacMismatch") expect(made.spec.sops).not.toBe(doc);
      const plan = await planSopsSecret(made, f.existing ?? null, f.ids?.() ?? [k1.identity]);
      expect(plan.kind).toBe("fail");
      expect(plan.condition).toMatchObject({ type: "Ready", status: "False", reason: f.reason });
      expect(plan.condition.message).not.toContain("s3cr3t");
    });
  }
});

describe("age key Secrets", () => {
  it("kseal's own key Secret and Flux's *.agekey entries are both read; recipients served", async () => {
    const own = await newAgeKeySecret("kseal-system", "kseal-age-1");
    const flux: Secret = { metadata: { name: "sops-age" }, data: { "cluster.agekey": b64(readFileSync(k1.file, "utf8")), "unrelated.txt": b64("AGE-SECRET-KEY-1IGNORED") } };
    const ids = identitiesFromSecrets([own, flux, own]);
    expect(ids).toHaveLength(2);
    expect(ids).toContain(k1.identity);
    const recipients = await recipientsFromSecrets([own, flux]);
    expect(recipients).toContain(k1.recipient);
    expect(recipients).toContain(Buffer.from(own.data?.recipient ?? "", "base64").toString());
    expect(own.metadata.labels).toMatchObject({ "kseal.dev/sops-age-key": "true" });
  });

  it("a generated key opens a file sops encrypted to its recipient", async () => {
    const own = await newAgeKeySecret("kseal-system", "k");
    const recipient = Buffer.from(own.data?.recipient ?? "", "base64").toString();
    const enc = sops(dir, ["encrypt", "--age", recipient, write(dir, "g.yaml", "x: y\n")]);
    const plan = await planSopsSecret(resource(enc), null, identitiesFromSecrets([own]));
    expect(plan.kind).toBe("write");
  });
});

describe("isindir SopsSecret migration", () => {
  it("decrypts after API-server re-serialization and says the MAC is unverified", async () => {
    const isindir = `apiVersion: isindir.github.com/v1alpha3
kind: SopsSecret
metadata:
  name: legacy
spec:
  secretTemplates:
    - name: legacy-secret
      labels:
        team: a
      stringData:
        token: t0ken
      data:
        raw: ${b64("bytes")}
`;
    const enc = sops(dir, ["encrypt", "--age", k1.recipient, "--encrypted-suffix", "Templates", write(dir, "isindir.yaml", isindir)]);
    // what the API server hands back: JSON with its own key order and added metadata
    const obj = parse(enc) as Record<string, unknown>;
    const served = { metadata: { name: "legacy", namespace: "ns", uid: "u-9", generation: 1, resourceVersion: "5" }, kind: obj.kind, apiVersion: obj.apiVersion, sops: obj.sops, spec: obj.spec };
    const plan = await planIsindirSopsSecret(JSON.parse(JSON.stringify(served)) as Record<string, unknown>, [k1.identity]);
    expect(plan.kind).toBe("secrets");
    if (plan.kind !== "secrets") return;
    expect(plan.condition.reason).toBe("DecryptedMacUnverified");
    expect(plan.condition.message).toMatch(/MAC not verified/);
    expect(plan.secrets[0]?.metadata).toMatchObject({ name: "legacy-secret", namespace: "ns", labels: { team: "a" } });
    expect(plan.secrets[0]?.data).toEqual({ raw: b64("bytes"), token: b64("t0ken") });

    const tampered = JSON.parse(flip(JSON.stringify(served), '"token":"ENC[AES256_GCM,data:')) as Record<string, unknown>;
    const bad = await planIsindirSopsSecret(tampered, [k1.identity]);
    expect(bad.kind === "fail" && bad.reason).toBe("Tampered");
    const nokey = await planIsindirSopsSecret(served, [k2.identity]);
    expect(nokey.kind === "fail" && nokey.reason).toBe("NoUsableKey");
  });
});
