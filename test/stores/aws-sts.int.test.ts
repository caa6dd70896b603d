// AWS `role` (AssumeRole) and `auth.jwt` (AssumeRoleWithWebIdentity with a TokenRequest token from
// the real API server) through moto's STS; credentials cached across clients until near expiry.
// moto does not verify the web-identity token's signature or the role's trust policy: what this
// proves is the wiring (token from Kubernetes → STS → session credentials that Secrets Manager
// accepts and that STS attributes to the assumed role), not AWS's own checks.
import { randomUUID } from "node:crypto";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { StoreContext } from "../../src/stores/contract.ts";
import { createAwsProvider, type AssumeRoleRequest, type AwsCredentials } from "../../src/stores/aws/index.ts";
import { assumeRoleSdk, awsSdkPort, type AwsConnect } from "../../src/stores/aws/sdk.ts";
import { createNamespace, testKube } from "../support/kube.ts";

const { aws } = inject("peers");
const kube = testKube();
const admin = { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey };
const name = `sts-${randomUUID()}`;
const role = "arn:aws:iam::123456789012:role/kseal-reader";
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

let ns: { name: string; remove: () => Promise<void> };

beforeAll(async () => {
  ns = await createNamespace(kube, "aws-sts");
  await kube.core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: "app" } } });
  const sm = new SecretsManagerClient({ endpoint: aws.endpoint, region: aws.region, credentials: admin });
  await sm.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ pass: "via-sts" }) }));
  sm.destroy();
});

afterAll(async () => {
  await ns.remove();
});

async function callerArn(c: AwsCredentials): Promise<string> {
  const sts = new STSClient({ endpoint: aws.endpoint, region: aws.region, credentials: c });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? "";
  } finally {
    sts.destroy();
  }
}

function harness() {
  const assumed: AssumeRoleRequest[] = [];
  const signedWith: AwsCredentials[] = [];
  const tokenAudiences: string[][] = [];
  const provider = createAwsProvider({
    endpoint: aws.endpoint,
    assumeRole: (r) => {
      assumed.push(r);
      return assumeRoleSdk(r);
    },
    port: (c: AwsConnect) => {
      if (c.credentials !== undefined) signedWith.push(c.credentials);
      return awsSdkPort(c);
    },
  });
  const ctx = (providerSpec: unknown): StoreContext => ({
    storeKind: "SecretStore",
    storeName: "aws-sts",
    namespace: ns.name,
    providerSpec,
    readSecretKey: (ref) => Promise.resolve(new TextEncoder().encode(ref.key === "id" ? aws.accessKeyId : aws.secretAccessKey)),
    readConfigMapKey: () => Promise.reject(new Error("test: no ConfigMap reads in this suite")),
    createServiceAccountToken: async (ref) => {
      tokenAudiences.push([...(ref.audiences ?? [])]);
      const tr = await kube.core.createNamespacedServiceAccountToken({
        name: ref.name,
        namespace: ns.name,
        body: { spec: { expirationSeconds: 600, ...(ref.audiences === undefined ? {} : { audiences: [...ref.audiences] }) } },
      });
      return tr.status?.token ?? "";
    },
    now: () => Date.now(),
  });
  return { provider, ctx, assumed, signedWith, tokenAudiences };
}

describe("aws role assumption through moto's STS", () => {
  it("role: AssumeRole with the static keys once for many clients; reads with the session", async () => {
    const h = harness();
    const spec = {
      region: aws.region,
      role,
      auth: { secretRef: { accessKeyIDSecretRef: { name: "aws", key: "id" }, secretAccessKeySecretRef: { name: "aws", key: "secret" } } },
    };
    for (let i = 0; i < 3; i++) {
      const c = await h.provider.newClient(h.ctx(spec));
      expect(text(await c.getSecret({ key: name, property: "pass" }))).toBe("via-sts");
      await c.close();
    }
    expect(h.assumed).toHaveLength(1);
    expect(h.signedWith).toHaveLength(3);
    const session = h.signedWith[0];
    if (session === undefined) throw new Error("no session");
    expect(session.accessKeyId).not.toBe(aws.accessKeyId);
    expect(session.sessionToken).toBeTruthy();
    expect(await callerArn(session)).toBe("arn:aws:sts::123456789012:assumed-role/kseal-reader/kseal-aws-sts");
  });

  it("auth.jwt: AssumeRoleWithWebIdentity with a TokenRequest token of the real API server", async () => {
    const h = harness();
    const spec = { region: aws.region, role, auth: { jwt: { serviceAccountRef: { name: "app" } } } };
    const c1 = await h.provider.newClient(h.ctx(spec));
    const c2 = await h.provider.newClient(h.ctx(spec));
    expect(text(await c1.getSecret({ key: name, property: "pass" }))).toBe("via-sts");
    expect(text((await c2.getSecretMap({ key: name })).pass ?? new Uint8Array())).toBe("via-sts");
    expect(h.tokenAudiences).toEqual([["sts.amazonaws.com"]]);
    expect(h.assumed).toHaveLength(1);
    const token = h.assumed[0]?.webIdentityToken ?? "";
    // A real service-account JWT: its subject is the ServiceAccount, its audience STS's.
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { sub: string; aud: string[] };
    expect(claims).toMatchObject({ sub: `system:serviceaccount:${ns.name}:app`, aud: ["sts.amazonaws.com"] });
    const session = h.signedWith[0];
    if (session === undefined) throw new Error("no session");
    expect(await callerArn(session)).toMatch(/^arn:aws:sts::123456789012:assumed-role\/kseal-reader\/kseal-aws-sts$/);
  });
});
