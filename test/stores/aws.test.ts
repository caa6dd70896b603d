import { describe, expect, it } from "vitest";
import { SecretNotFoundError, StoreErrorCode } from "../../src/stores/contract.ts";
import { mapAwsError, versionSelector } from "../../src/stores/aws/index.ts";

function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(`raw message with request id 1234 and value hunter2`), { name, $metadata: { httpStatusCode: status } });
}

describe("aws error mapping", () => {
  it.each<[string, number, string, string]>([
    ["ResourceNotFoundException", 400, StoreErrorCode.NotFound, "the secret does not exist"],
    ["UnrecognizedClientException", 400, StoreErrorCode.AuthFailed, "unknown access key"],
    ["ExpiredTokenException", 400, StoreErrorCode.AuthFailed, "expired session"],
    ["AccessDeniedException", 400, StoreErrorCode.PermissionDenied, "IAM denies the call"],
    ["ThrottlingException", 400, StoreErrorCode.Throttled, "rate exceeded"],
    ["InvalidRequestException", 400, StoreErrorCode.BadRequest, "e.g. secret scheduled for deletion"],
    ["InternalServiceError", 500, StoreErrorCode.Unavailable, "server side failure"],
  ])("%s → %s (%s)", (name, status, code) => {
    const e = mapAwsError(sdkError(name, status), "st", "GetSecretValue", "k");
    expect(e.code).toBe(code);
    if (code === StoreErrorCode.NotFound) expect(e).toBeInstanceOf(SecretNotFoundError);
    // Deterministic and redacted: never the SDK's message (request ids, echoed values).
    expect(e.message).not.toMatch(/1234|hunter2/);
  });

  it.each<[string | undefined, Record<string, string>, string]>([
    [undefined, { VersionStage: "AWSCURRENT" }, "default stage"],
    ["AWSPREVIOUS", { VersionStage: "AWSPREVIOUS" }, "a stage"],
    ["uuid/abc-123", { VersionId: "abc-123" }, "a pinned version id"],
  ])("version %s → %j (%s)", (v, want) => {
    expect(versionSelector(v)).toEqual(want);
  });
});
