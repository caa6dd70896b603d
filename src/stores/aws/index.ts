/**
 * The AWS Secrets Manager provider (`spec.provider.aws`, `service: SecretsManager`): static keys
 * (`auth.secretRef`), `role` (AssumeRole) and `auth.jwt` (AssumeRoleWithWebIdentity, IRSA-style).
 */
import { createHash } from "node:crypto";
import { StoreErrorCode, storeError, type Provider, type SecretsClient, type ServiceAccountRef, type StoreContext } from "../contract.ts";
import { fromUtf8, specKeyRef, specObject, specOptObject, specOptString, specString } from "../support.ts";
import { AwsSecretsClient, mapAwsError } from "./client.ts";
import type { AwsSecretsPort } from "./port.ts";
import type { AwsConnect } from "./sdk.ts";
import { StsCredentialCache, type AssumeRoleRequest, type AwsCredentials, type StsCredentials } from "./sts.ts";

export { AwsSecretsClient, mapAwsError, versionSelector } from "./client.ts";
export type { AwsSecretsPort } from "./port.ts";
export { StsCredentialCache, type AssumeRoleRequest, type AwsCredentials, type StsCredentials } from "./sts.ts";

const P = "spec.provider.aws";

export interface AwsSpec {
  readonly region: string;
  readonly role?: string;
  readonly secretRef?: {
    readonly accessKeyIDSecretRef: { name: string; key: string; namespace?: string };
    readonly secretAccessKeySecretRef: { name: string; key: string; namespace?: string };
    readonly sessionTokenSecretRef?: { name: string; key: string; namespace?: string };
  };
  readonly jwt?: { readonly serviceAccountRef: ServiceAccountRef };
}

export function parseAwsSpec(raw: unknown): AwsSpec {
  const s = specObject(raw, P);
  const service = specOptString(s, "service", P) ?? "SecretsManager";
  if (service !== "SecretsManager") {
    throw storeError(StoreErrorCode.InvalidConfig, `${P}.service "${service}" is not supported (supported: SecretsManager)`, { details: { field: `${P}.service` } });
  }
  const region = specString(s, "region", P);
  const role = specOptString(s, "role", P);
  const auth = specOptObject(s, "auth", P);
  let secretRef: AwsSpec["secretRef"];
  let jwt: AwsSpec["jwt"];
  if (auth !== undefined) {
    const sr = specOptObject(auth, "secretRef", `${P}.auth`);
    if (sr !== undefined) {
      const p = `${P}.auth.secretRef`;
      const ak = specKeyRef(sr, "accessKeyIDSecretRef", p);
      const sk = specKeyRef(sr, "secretAccessKeySecretRef", p);
      const st = specKeyRef(sr, "sessionTokenSecretRef", p);
      if (ak === undefined || sk === undefined) {
        throw storeError(StoreErrorCode.InvalidConfig, `${p} needs accessKeyIDSecretRef and secretAccessKeySecretRef`, { details: { field: p } });
      }
      secretRef = { accessKeyIDSecretRef: ak, secretAccessKeySecretRef: sk, ...(st === undefined ? {} : { sessionTokenSecretRef: st }) };
    }
    const j = specOptObject(auth, "jwt", `${P}.auth`);
    if (j !== undefined) {
      const sa = specObject(j.serviceAccountRef, `${P}.auth.jwt.serviceAccountRef`);
      const ns = specOptString(sa, "namespace", `${P}.auth.jwt.serviceAccountRef`);
      jwt = { serviceAccountRef: { name: specString(sa, "name", `${P}.auth.jwt.serviceAccountRef`), ...(ns === undefined ? {} : { namespace: ns }) } };
      if (role === undefined) throw storeError(StoreErrorCode.InvalidConfig, `${P}.role is required with auth.jwt`, { details: { field: `${P}.role` } });
    }
  }
  return { region, ...(role === undefined ? {} : { role }), ...(secretRef === undefined ? {} : { secretRef }), ...(jwt === undefined ? {} : { jwt }) };
}

export interface AwsProviderOptions {
  /** Endpoint override for every store (emulators); default: the SDK's resolution. */
  readonly endpoint?: string;
  /** Builds the port; default: the AWS SDK. Tests pass a hand-written fake. */
  readonly port?: (c: AwsConnect) => Promise<AwsSecretsPort>;
  /** Assumes a role; default: STS through the AWS SDK. Tests wrap or fake it. */
  readonly assumeRole?: (r: AssumeRoleRequest) => Promise<StsCredentials>;
  /** The STS credential cache shared by this provider's clients; default: a new one. */
  readonly stsCache?: StsCredentialCache;
}

function fingerprint(c: AwsCredentials | undefined): string {
  if (c === undefined) return "";
  return createHash("sha256").update(JSON.stringify([c.accessKeyId, c.secretAccessKey, c.sessionToken ?? ""])).digest("hex");
}

export function createAwsProvider(options: AwsProviderOptions = {}): Provider {
  const sts = options.stsCache ?? new StsCredentialCache();
  const assume = options.assumeRole ?? (async (r: AssumeRoleRequest) => (await import("./sdk.ts")).assumeRoleSdk(r));
  return {
    key: "aws",
    validateSpec(providerSpec: unknown): void {
      parseAwsSpec(providerSpec);
    },
    async newClient(ctx: StoreContext): Promise<SecretsClient> {
      const spec = parseAwsSpec(ctx.providerSpec);
      const read = async (r: { name: string; key: string; namespace?: string }): Promise<string> => fromUtf8(await ctx.readSecretKey(r)).trim();
      let credentials: AwsCredentials | undefined;
      if (spec.secretRef !== undefined) {
        const st = spec.secretRef.sessionTokenSecretRef;
        credentials = {
          accessKeyId: await read(spec.secretRef.accessKeyIDSecretRef),
          secretAccessKey: await read(spec.secretRef.secretAccessKeySecretRef),
          ...(st === undefined ? {} : { sessionToken: await read(st) }),
        };
      }
      const endpoint = options.endpoint === undefined ? {} : { endpoint: options.endpoint };
      let stsKey: string | undefined;
      if (spec.role !== undefined) {
        const role = spec.role;
        const jwt = spec.jwt;
        const base = credentials;
        // Everything that changes which credentials STS would hand out (base keys only as a hash).
        stsKey = JSON.stringify([ctx.storeKind, ctx.storeName, ctx.namespace, spec.region, options.endpoint ?? "", role, fingerprint(base), jwt ?? null]);
        try {
          credentials = await sts.get(
            stsKey,
            () => ctx.now(),
            async () => ({
              region: spec.region,
              ...endpoint,
              role,
              sessionName: `kseal-${ctx.storeName}`.slice(0, 64),
              ...(base === undefined ? {} : { credentials: base }),
              ...(jwt === undefined ? {} : { webIdentityToken: await ctx.createServiceAccountToken({ ...jwt.serviceAccountRef, audiences: ["sts.amazonaws.com"] }) }),
            }),
            assume,
          );
        } catch (e: unknown) {
          const mapped = mapAwsError(e, ctx.storeName, jwt === undefined ? "AssumeRole" : "AssumeRoleWithWebIdentity");
          // A failed role assumption is an authentication failure of the store's identity.
          throw mapped.code === StoreErrorCode.PermissionDenied
            ? storeError(StoreErrorCode.AuthFailed, `aws: could not assume role for store "${ctx.storeName}"`, { cause: e, details: { store: ctx.storeName } })
            : mapped;
        }
      }
      const connect: AwsConnect = { region: spec.region, ...endpoint, ...(credentials === undefined ? {} : { credentials }) };
      const port = options.port === undefined ? await (await import("./sdk.ts")).awsSdkPort(connect) : await options.port(connect);
      const key = stsKey;
      return new AwsSecretsClient(port, ctx.storeName, key === undefined ? undefined : () => {
        sts.invalidate(key);
      });
    },
  };
}

export const provider: Provider = createAwsProvider({ ...(process.env.AWS_ENDPOINT_URL === undefined ? {} : { endpoint: process.env.AWS_ENDPOINT_URL }) });
