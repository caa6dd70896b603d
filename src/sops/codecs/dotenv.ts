/**
 * dotenv ⇄ tree, line for line as sops reads it: `KEY=value` (first `=` splits, `\n` escapes a
 * newline), `#` starts a comment line, blank lines are dropped. Every value is a string.
 */
import { sopsError, SopsCode } from "../errors.ts";
import type { Branches, Comment, Mapping, Pair } from "../tree.ts";

export function parseDotenv(text: string): Branches {
  const items: (Pair | Comment)[] = [];
  text.split("\n").forEach((line, n) => {
    if (line === "") return;
    if (line.startsWith("#")) {
      items.push({ kind: "comment", value: line.slice(1), inline: false });
      return;
    }
    const eq = line.indexOf("=");
    if (eq === -1) throw sopsError(SopsCode.Parse, `invalid dotenv line ${n + 1}`, { line: n + 1 });
    items.push({
      kind: "pair",
      key: line.slice(0, eq),
      value: { kind: "scalar", type: "str", text: line.slice(eq + 1).replaceAll("\\n", "\n") },
    });
  });
  return [{ kind: "map", items }];
}

export function emitDotenv(branches: Branches): string {
  const m: Mapping = branches[0] ?? { kind: "map", items: [] };
  let out = "";
  for (const item of m.items) {
    if (item.kind === "comment") {
      out += `#${item.value}\n`;
      continue;
    }
    const v = item.value;
    if (v.kind === "map" || v.kind === "seq") {
      throw sopsError(SopsCode.Parse, `dotenv cannot hold nested values (key ${item.key})`, { key: item.key });
    }
    const text = v.kind === "null" ? "" : v.type === "bytes" ? Buffer.from(v.bytes ?? []).toString("utf8") : v.type === "bool" ? v.text.toLowerCase() : v.text;
    out += `${item.key}=${text.replaceAll("\n", "\\n")}\n`;
  }
  return out;
}
