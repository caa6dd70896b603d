/** The {@link AwsSecretsPort} over `@aws-sdk/client-secrets-manager`, and STS role assumption. */
import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { AwsSecretsPort } from "./port.ts";
import type { AssumeRoleRequest, AwsCredentials, StsCredentials } from "./sts.ts";

export interface AwsConnect {
  readonly region: string;
  /** Endpoint override (emulators); else the SDK's own resolution (incl. AWS_ENDPOINT_URL_*). */
  readonly endpoint?: string;
  /** The credentials to sign with (static, or already assumed); else the SDK's default chain. */
  readonly credentials?: AwsCredentials;
}

/** AssumeRole (with `credentials`) or AssumeRoleWithWebIdentity (with `webIdentityToken`) through STS. */
export async function assumeRoleSdk(r: AssumeRoleRequest): Promise<StsCredentials> {
  const { STSClient, AssumeRoleCommand, AssumeRoleWithWebIdentityCommand } = await import("@aws-sdk/client-sts");
  const sts = new STSClient({
    region: r.region,
    maxAttempts: 1,
    ...(r.endpoint === undefined ? {} : { endpoint: r.endpoint }),
    ...(r.credentials === undefined ? {} : { credentials: r.credentials }),
  });
  try {
    const out =
      r.webIdentityToken !== undefined
        ? await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: r.role, RoleSessionName: r.sessionName, WebIdentityToken: r.webIdentityToken }))
        : await sts.send(new AssumeRoleCommand({ RoleArn: r.role, RoleSessionName: r.sessionName }));
    const cr = out.Credentials;
    if (cr?.AccessKeyId === undefined || cr.SecretAccessKey === undefined) {
      throw Object.assign(new Error("STS returned no credentials"), { name: "InvalidClientTokenId" });
    }
    return {
      accessKeyId: cr.AccessKeyId,
      secretAccessKey: cr.SecretAccessKey,
      ...(cr.SessionToken === undefined ? {} : { sessionToken: cr.SessionToken }),
      ...(cr.Expiration === undefined ? {} : { expiresAt: cr.Expiration.getTime() }),
    };
  } finally {
    sts.destroy();
  }
}

export function awsSdkPort(c: AwsConnect): Promise<AwsSecretsPort> {
  const sm = new SecretsManagerClient({
    region: c.region,
    maxAttempts: 1, // retries and backoff belong to kseal's coalescing layer, where they are counted
    ...(c.endpoint === undefined ? {} : { endpoint: c.endpoint }),
    ...(c.credentials === undefined ? {} : { credentials: c.credentials }),
  });
  return Promise.resolve({
    getSecretValue: async (input) => sm.send(new GetSecretValueCommand(input)),
    describeSecret: async (input) => sm.send(new DescribeSecretCommand(input)),
    listSecrets: async (input) => sm.send(new ListSecretsCommand({ ...input, MaxResults: 100 })),
    batchGetSecretValue: async (input) => sm.send(new BatchGetSecretValueCommand(input)),
    close: () => {
      sm.destroy();
    },
  });
}
