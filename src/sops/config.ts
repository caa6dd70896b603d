/**
 * `.sops.yaml`: `creation_rules` pick recipients and selection rules by file path, the first rule
 * whose `path_regex` matches winning (a rule without one matches everything). Only age master
 * keys are used by kseal; a rule naming only other key types yields no recipients.
 */
import { parse } from "yaml";
import { sopsError, SopsCode } from "./errors.ts";
import type { GoRegexp } from "../regex/go.ts";
import { compileGoRegexp } from "../regex/go.ts";
import type { KeyPlan } from "./document.ts";
import type { Rules } from "./metadata.ts";

export interface CreationRule extends KeyPlan, Rules {
  readonly pathRegex?: string;
  readonly macOnlyEncrypted?: boolean;
}

export interface SopsConfig {
  readonly creationRules: readonly CreationRule[];
}

function bad(why: string): never {
  throw sopsError(SopsCode.Config, `invalid .sops.yaml: ${why}`);
}

function ageList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === "string") return v.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (Array.isArray(v)) return v.flatMap((x) => ageList(x));
  return bad("age must be a string or a list");
}

const RULE_KEYS: readonly [keyof Rules, string][] = [
  ["unencryptedSuffix", "unencrypted_suffix"],
  ["encryptedSuffix", "encrypted_suffix"],
  ["unencryptedRegex", "unencrypted_regex"],
  ["encryptedRegex", "encrypted_regex"],
  ["unencryptedCommentRegex", "unencrypted_comment_regex"],
  ["encryptedCommentRegex", "encrypted_comment_regex"],
];

/** Parses `.sops.yaml` text. Throws SOPS_CONFIG. */
export function parseSopsConfig(text: string): SopsConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e: unknown) {
    throw sopsError(SopsCode.Config, "invalid .sops.yaml: not YAML", {}, e);
  }
  if (doc === null || doc === undefined) return { creationRules: [] };
  if (typeof doc !== "object") bad("not a mapping");
  const rules = (doc as Record<string, unknown>).creation_rules ?? [];
  if (!Array.isArray(rules)) bad("creation_rules must be a list");
  return {
    creationRules: rules.map((r: unknown) => {
      if (typeof r !== "object" || r === null) return bad("a creation rule must be a mapping");
      const o = r as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      if (typeof o.path_regex === "string") out.pathRegex = o.path_regex;
      for (const [field, name] of RULE_KEYS) if (typeof o[name] === "string" && o[name] !== "") out[field] = o[name];
      if (o.mac_only_encrypted === true) out.macOnlyEncrypted = true;
      if (Array.isArray(o.key_groups)) {
        out.keyGroups = o.key_groups.map((g: unknown) => ageList((g as Record<string, unknown> | null)?.age));
        if (typeof o.shamir_threshold === "number") out.shamirThreshold = o.shamir_threshold;
      } else {
        const age = ageList(o.age);
        out.keyGroups = age.length > 0 ? [age] : [];
      }
      return out as unknown as CreationRule;
    }),
  };
}

/** The first rule matching `path` (relative to the config's directory, `/`-separated), or null. */
export function findCreationRule(config: SopsConfig, path: string): CreationRule | null {
  for (const r of config.creationRules) {
    if (r.pathRegex === undefined) return r;
    // SOPS is Go: RE2 syntax, linear-time matching.
    let re: GoRegexp;
    try {
      re = compileGoRegexp(r.pathRegex);
    } catch (e: unknown) {
      throw sopsError(SopsCode.Config, "invalid path_regex in .sops.yaml", {}, e);
    }
    if (re.test(path)) return r;
  }
  return null;
}
