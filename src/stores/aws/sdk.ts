/** The {@link AwsSecretsPort} over `@aws-sdk/client-secrets-manager` (and STS for role/jwt). */
import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { AwsSecretsPort } from "./port.ts";

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsConnect {
  readonly region: string;
  /** Endpoint override (emulators); else the SDK's own resolution (incl. AWS_ENDPOINT_URL_*). */
  readonly endpoint?: string;
  readonly credentials?: AwsCredentials;
  /** Assume this role with the credentials above (ESO `role`). */
  readonly role?: string;
  /** Web identity token for AssumeRoleWithWebIdentity (ESO `auth.jwt`); needs `role`. */
  readonly webIdentityToken?: string;
  readonly sessionName: string;
}

async function stsCredentials(c: AwsConnect): Promise<AwsCredentials | undefined> {
  if (c.role === undefined) return c.credentials;
  const { STSClient, AssumeRoleCommand, AssumeRoleWithWebIdentityCommand } = await import("@aws-sdk/client-sts");
  const sts = new STSClient({
    region: c.region,
    ...(c.endpoint === undefined ? {} : { endpoint: c.endpoint }),
    ...(c.credentials === undefined ? {} : { credentials: c.credentials }),
  });
  try {
    const out =
      c.webIdentityToken !== undefined
        ? await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: c.role, RoleSessionName: c.sessionName, WebIdentityToken: c.webIdentityToken }))
        : await sts.send(new AssumeRoleCommand({ RoleArn: c.role, RoleSessionName: c.sessionName }));
    const cr = out.Credentials;
    if (cr?.AccessKeyId === undefined || cr.SecretAccessKey === undefined) return undefined;
    return { accessKeyId: cr.AccessKeyId, secretAccessKey: cr.SecretAccessKey, ...(cr.SessionToken === undefined ? {} : { sessionToken: cr.SessionToken }) };
  } finally {
    sts.destroy();
  }
}

export async function awsSdkPort(c: AwsConnect): Promise<AwsSecretsPort> {
  const credentials = await stsCredentials(c);
  const sm = new SecretsManagerClient({
    region: c.region,
    maxAttempts: 1, // retries and backoff belong to kseal's coalescing layer, where they are counted
    ...(c.endpoint === undefined ? {} : { endpoint: c.endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
  });
  return {
    getSecretValue: async (input) => sm.send(new GetSecretValueCommand(input)),
    describeSecret: async (input) => sm.send(new DescribeSecretCommand(input)),
    listSecrets: async (input) => sm.send(new ListSecretsCommand({ ...input, MaxResults: 100 })),
    batchGetSecretValue: async (input) => sm.send(new BatchGetSecretValueCommand(input)),
    close: () => {
      sm.destroy();
    },
  };
}
