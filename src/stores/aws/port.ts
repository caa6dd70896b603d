/**
 * The narrow port the AWS provider needs from Secrets Manager. Implementations throw the SDK's
 * own errors (with `name` such as ResourceNotFoundException); the client maps them.
 */
export interface AwsTag {
  readonly Key?: string | undefined;
  readonly Value?: string | undefined;
}

export interface AwsSecretValue {
  readonly Name?: string | undefined;
  readonly SecretString?: string | undefined;
  readonly SecretBinary?: Uint8Array | undefined;
  readonly VersionId?: string | undefined;
}

export interface AwsSecretsPort {
  getSecretValue(input: { SecretId: string; VersionId?: string | undefined; VersionStage?: string }): Promise<AwsSecretValue>;
  describeSecret(input: { SecretId: string }): Promise<{ Tags?: AwsTag[] | undefined }>;
  listSecrets(input: { Filters?: { Key: "name" | "tag-key" | "tag-value"; Values: string[] }[]; NextToken?: string }): Promise<{
    SecretList?: { Name?: string | undefined; Tags?: AwsTag[] | undefined }[] | undefined;
    NextToken?: string | undefined;
  }>;
  batchGetSecretValue(input: { SecretIdList: string[] }): Promise<{ SecretValues?: AwsSecretValue[] | undefined; Errors?: { SecretId?: string | undefined; ErrorCode?: string | undefined }[] | undefined }>;
  close(): void;
}
