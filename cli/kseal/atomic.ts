import { randomBytes } from "node:crypto";
import { rename, writeFile, unlink, stat } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { KsealError } from "../../src/errors.ts";

/**
 * Replaces `path` with `data` atomically: written to a temporary sibling, then renamed over the
 * target, so a failure half-way leaves the old file untouched (kubeseal's `-w` does the same).
 * The original file mode is kept when the file exists. Throws KsealError CLI_OUTPUT_UNWRITABLE
 * (naming the path, never the data) when the file cannot be written.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let mode = 0o600;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch {
    // new file: owner-only, as it may hold secret material
  }
  try {
    await writeFile(tmp, data, { mode, flag: "wx" });
    await rename(tmp, path);
  } catch (e: unknown) {
    await unlink(tmp).catch(() => undefined);
    const code = (e as { code?: unknown }).code;
    throw new KsealError("CLI_OUTPUT_UNWRITABLE", `cannot write ${path}${typeof code === "string" ? ` (${code})` : ""}`, { cause: e });
  }
}
