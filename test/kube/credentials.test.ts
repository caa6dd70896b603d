// credentialHeaders / tokenSource: the headers of a kubeconfig user, a token file read again on
// every call, its last good token kept through a failed or half-written read.
import { describe, expect, it } from "vitest";
import { KsealError } from "../../src/errors.ts";
import { credentialHeaders, tokenSource, type TextFileReader } from "../../src/kube/credentials.ts";

/** A reader serving `files`; a missing entry fails like a missing file. */
function reader(files: Map<string, string>): TextFileReader {
  return (path) => {
    const text = files.get(path);
    return text === undefined ? Promise.reject(Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" })) : Promise.resolve(text);
  };
}

describe("credentialHeaders", () => {
  it.each([
    { reason: "anonymous", user: {}, want: {} },
    { reason: "a fixed token", user: { bearer: { token: "abc" } }, want: { authorization: "Bearer abc" } },
    { reason: "basic auth", user: { basic: { username: "admin", password: "p:w" } }, want: { authorization: `Basic ${Buffer.from("admin:p:w").toString("base64")}` } },
    { reason: "a token wins over basic auth", user: { bearer: { token: "abc" }, basic: { username: "a", password: "b" } }, want: { authorization: "Bearer abc" } },
    { reason: "impersonation", user: { bearer: { token: "abc" }, impersonate: "jane" }, want: { authorization: "Bearer abc", "impersonate-user": "jane" } },
  ])("$reason", async ({ user, want }) => {
    expect(await credentialHeaders(user)()).toEqual(want);
  });

  it("reads a token file on every call", async () => {
    const files = new Map([["/t", "one\n"]]);
    const headers = credentialHeaders({ bearer: { tokenFile: "/t", fallback: "zero" } }, reader(files));
    expect(await headers()).toEqual({ authorization: "Bearer one" });
    files.set("/t", "two");
    expect(await headers()).toEqual({ authorization: "Bearer two" });
  });
});

describe("tokenSource", () => {
  it("keeps the last good token while the file is unreadable or empty, then follows it again", async () => {
    const files = new Map([["/t", "first"]]);
    const token = tokenSource({ tokenFile: "/t", fallback: undefined }, reader(files));
    expect(await token()).toBe("first");
    files.delete("/t");
    expect(await token()).toBe("first");
    files.set("/t", "  \n");
    expect(await token()).toBe("first");
    files.set("/t", "second");
    expect(await token()).toBe("second");
  });

  it("starts from the fallback (what was read at load, or the kubeconfig's token)", async () => {
    const token = tokenSource({ tokenFile: "/missing", fallback: "at-load" }, reader(new Map()));
    expect(await token()).toBe("at-load");
  });

  it("KUBE_CREDENTIALS_UNAVAILABLE naming the file when nothing was ever read", async () => {
    const token = tokenSource({ tokenFile: "/missing", fallback: undefined }, reader(new Map()));
    const e = await token().then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(KsealError);
    expect(e).toMatchObject({ code: "KUBE_CREDENTIALS_UNAVAILABLE", details: { file: "/missing" } });
  });
});
