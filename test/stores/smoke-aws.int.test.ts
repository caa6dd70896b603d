// Smoke: @aws-sdk/client-secrets-manager against moto.
import { randomUUID } from "node:crypto";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { describe, expect, inject, it } from "vitest";
import "../peers/endpoints.ts";

describe("AWS Secrets Manager SDK against moto", () => {
  const { aws } = inject("peers");
  const client = new SecretsManagerClient({
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
  });

  it("creates, reads, puts a new version and lists by tag", async () => {
    const name = `smoke/${randomUUID()}`;
    const team = `team-${randomUUID()}`;
    await client.send(new CreateSecretCommand({ Name: name, SecretString: '{"a":"1"}', Tags: [{ Key: "team", Value: team }] }));
    const v1 = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(v1.SecretString).toBe('{"a":"1"}');
    const put = await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: '{"a":"2"}' }));
    const current = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(current.SecretString).toBe('{"a":"2"}');
    expect(current.VersionId).toBe(put.VersionId);
    const previous = await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: "AWSPREVIOUS" }));
    expect(previous.SecretString).toBe('{"a":"1"}');
    const listed = await client.send(
      new ListSecretsCommand({ Filters: [{ Key: "tag-key", Values: ["team"] }, { Key: "tag-value", Values: [team] }] }),
    );
    expect((listed.SecretList ?? []).map((s) => s.Name)).toEqual([name]);
  });
});
