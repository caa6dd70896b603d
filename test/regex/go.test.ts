import { describe, expect, it } from "vitest";
import { isKsealError } from "../../src/errors.ts";
import type { TemplateEngine } from "../../src/operator/externalsecret/plan.ts";
import { rewriteKeys } from "../../src/operator/externalsecret/plan.ts";
import { namespaceAllowed } from "../../src/operator/secretstore/index.ts";
import { compileGoRegexp, compileUserRegexp, GoRegexpSyntaxError, quoteMeta } from "../../src/regex/go.ts";
import { findCreationRule, parseSopsConfig } from "../../src/sops/config.ts";
import { shouldBeEncrypted } from "../../src/sops/walk.ts";
import { selectProperty } from "../../src/stores/gjson.ts";
import { nameMatcher } from "../../src/stores/support.ts";
import { renderTemplate } from "../../src/template/index.ts";
import { runOracle } from "../template/oracle.ts";

// Each of these takes minutes to hours in a backtracking engine on a 50k subject; RE2 is linear.
// The bound is the per-test timeout below (the box is a shared 2-CPU machine, hence not 1 s).
const HOSTILE: { pattern: string; subject: string; reason: string }[] = [
  { pattern: "(a+)+$", subject: "a".repeat(50_000) + "!", reason: "nested quantifier, the fuzzer's regexMatch hang" },
  { pattern: "(a|aa)+$", subject: "a".repeat(50_000) + "!", reason: "overlapping alternation under +, the fuzzer's regexReplaceAll hang" },
  { pattern: "(a*)*b", subject: "a".repeat(50_000), reason: "star of star with no b" },
  { pattern: "^(\\w+\\s?)*$", subject: "a".repeat(50_000) + "!", reason: "the classic e-mail-validator shape" },
  { pattern: "(x+x+)+y", subject: "x".repeat(50_000), reason: "adjacent quantified twins" },
  { pattern: "^(.*?,){11}P", subject: "1,".repeat(25_000), reason: "lazy repeat with a counted group" },
];
const TIMEOUT = 15_000;
const noEngine: TemplateEngine = { render: () => { throw new Error("no transform in these tests"); } };
const rewrite = (source: string, target: string, key: string): string =>
  Object.keys(rewriteKeys([{ regexp: { source, target } }], { [key]: new Uint8Array() }, noEngine))[0] ?? "";
const sopsRule = (pattern: string, path: string): boolean =>
  findCreationRule(parseSopsConfig(JSON.stringify({ creation_rules: [{ path_regex: pattern }] })), path) !== null;

describe("every user-supplied pattern runs in linear time (ReDoS)", () => {
  for (const { pattern, subject, reason } of HOSTILE) {
    describe(`${pattern}: ${reason}`, () => {
      it("src/regex: test, findAll, replaceAll, split", () => {
        const re = compileGoRegexp(pattern);
        expect(re.test(subject)).toBe(false);
        expect(re.findAll(subject, -1)).toEqual([]);
        expect(re.replaceAll(subject, "X")).toBe(subject);
        expect(re.split(subject, -1)).toEqual([subject]);
      }, TIMEOUT);
      it("templates: regexMatch, regexReplaceAll, regexFindAll, regexSplit", () => {
        const t = '{{ regexMatch .p .s }}|{{ regexReplaceAll .p .s "X" | len }}|{{ regexFindAll .p .s -1 | len }}|{{ regexSplit .p .s -1 | len }}';
        expect(renderTemplate(t, { p: pattern, s: subject })).toBe(`false|${subject.length}|0|1`);
      }, TIMEOUT);
      it("find.name.regexp (stores)", () => {
        expect(nameMatcher("vault", { name: { regexp: pattern } })(subject)).toBe(false);
      }, TIMEOUT);
      it("rewrite.regexp.source (ExternalSecret)", () => {
        expect(rewrite(pattern, "X", subject)).toBe(subject);
      }, TIMEOUT);
      it("namespaceRegexes (ClusterSecretStore)", () => {
        expect(namespaceAllowed([{ namespaceRegexes: [pattern] }], { name: subject, labels: {} })).toBe(false);
      }, TIMEOUT);
      it("path_regex (.sops.yaml)", () => {
        expect(sopsRule(pattern, subject)).toBe(false);
      }, TIMEOUT);
      it("encrypted_regex / unencrypted_regex / *_comment_regex (SOPS)", () => {
        expect(shouldBeEncrypted({ encryptedRegex: pattern }, [subject], [], false)).toBe(false);
        expect(shouldBeEncrypted({ unencryptedRegex: pattern }, [subject], [], false)).toBe(true);
        expect(shouldBeEncrypted({ unencryptedCommentRegex: pattern }, ["k"], [[subject]], false)).toBe(true);
      }, TIMEOUT);
    });
  }
  it("gjson wildcards (remoteRef.property) match without a regex", () => {
    const key = "a".repeat(50_000) + "!";
    expect(selectProperty({ [key]: 1 }, "*a*a*a*a*a*a*b").found).toBe(false);
    expect(selectProperty({ [key]: 1 }, "*a*a*a*a*a*a*!")).toEqual({ found: true, value: 1 });
  }, TIMEOUT);
});

describe("gjson wildcard glob", () => {
  const cases: [string, string, boolean, string][] = [
    ["a*", "abc", true, "trailing star"],
    ["*c", "abc", true, "leading star"],
    ["a?c", "abc", true, "? is one character"],
    ["a?c", "ac", false, "? needs a character"],
    ["a*b*c", "axxbyyc", true, "several stars"],
    ["a*b*c", "axxbyy", false, "the tail must match"],
    ["é?", "éö", true, "? is one code point"],
    ["*", "", true, "star matches nothing"],
    ["a.b*", "a.bc", false, "a dot separates path segments, it is never part of a glob"],
  ];
  for (const [pattern, key, want, reason] of cases) {
    it(`${pattern} vs ${key}: ${reason}`, () => {
      expect(selectProperty({ [key]: 1 }, pattern).found).toBe(want);
    });
  }
});

describe("Go syntax JS RegExp got wrong or refused, at every entry point", () => {
  // [pattern, subject, matches in Go, reason]; the template corpus proves each against Go itself.
  const cases: [string, string, boolean, string][] = [
    ["(?U)^a+$", "aaa", true, "ungreedy flag is accepted"],
    ["^a\\z", "a", true, "\\z is the end of text"],
    ["^a\\z", "a\n", false, "\\z is not before a final newline"],
    ["^[[:alpha:]]+$", "team", true, "POSIX class"],
    ["^[[:alpha:]]+$", "team-1", false, "POSIX class excludes - and digits"],
    ["^\\pL+$", "équipe", true, "Unicode letter class"],
    ["^prod-(?i)EU$", "prod-eu", true, "(?i) in the middle of the pattern"],
    ["^(?i)prod-EU$", "PROD-eu", true, "(?i) at the start"],
    ["^PROD-(?i)eu$", "prod-eu", false, "flags apply only after they appear"],
    ["^\\w+$", "équipe", false, "\\w is ASCII in Go"],
    ["^\\Qa.b\\E$", "a.b", true, "\\Q...\\E literal"],
    ["^\\Qa.b\\E$", "axb", false, "\\Q...\\E dot is literal"],
  ];
  for (const [pattern, subject, want, reason] of cases) {
    it(`${pattern} vs ${JSON.stringify(subject)}: ${reason}`, () => {
      expect(compileGoRegexp(pattern).test(subject)).toBe(want);
      expect(renderTemplate("{{ regexMatch .p .s }}", { p: pattern, s: subject })).toBe(String(want));
      expect(nameMatcher("vault", { name: { regexp: pattern } })(subject)).toBe(want);
      expect(namespaceAllowed([{ namespaceRegexes: [pattern] }], { name: subject, labels: {} })).toBe(want);
      expect(sopsRule(pattern, subject)).toBe(want);
      expect(shouldBeEncrypted({ encryptedRegex: pattern }, [subject], [], false)).toBe(want);
      expect(rewrite(pattern, "hit", subject)).toBe(want ? "hit" : subject);
    });
  }
});

describe("a pattern Go rejects is named by field, never quoted", () => {
  const bad: [string, string][] = [
    ["(a", "missing closing )"],
    ["a**", "invalid nested repetition operator"],
    ["(?<=a)b", "lookbehind is not RE2"],
    ["(a)\\1", "backreferences are not RE2"],
    ["a{1001}", "repeat count above 1000"],
    ["\\C", "\\C is refused by Go"],
  ];
  for (const [pattern, reason] of bad) {
    it(`${pattern}: ${reason}`, () => {
      const secretish = `s3cr3t${pattern}`;
      const errOf = (fn: () => unknown): unknown => {
        try {
          fn();
        } catch (e: unknown) {
          return e;
        }
        throw new Error("expected a failure");
      };
      const e0 = errOf(() => compileGoRegexp(secretish));
      expect(e0).toBeInstanceOf(GoRegexpSyntaxError);
      expect((e0 as GoRegexpSyntaxError).code).toBe("REGEX_SYNTAX");
      expect((e0 as Error).message).toMatch(/^error parsing regexp: /);
      const e1 = errOf(() => nameMatcher("vault", { name: { regexp: secretish } }));
      expect(isKsealError(e1, "STORE_BAD_REQUEST")).toBe(true);
      expect((e1 as Error).message).toContain("find.name.regexp");
      const e2 = errOf(() => rewrite(secretish, "x", "k"));
      expect(isKsealError(e2, "ES_REWRITE_FAILED")).toBe(true);
      expect((e2 as Error).message).toContain("rewrite[0].regexp.source");
      const e3 = errOf(() => sopsRule(secretish, "k"));
      expect(isKsealError(e3, "SOPS_CONFIG")).toBe(true);
      const e4 = errOf(() => shouldBeEncrypted({ encryptedRegex: secretish }, ["k"], [], false));
      expect(isKsealError(e4, "SOPS_CONFIG")).toBe(true);
      expect((e4 as Error).message).toContain("encrypted_regex");
      const e5 = errOf(() => compileUserRegexp(secretish, "spec.field", "SOME_CODE"));
      expect(isKsealError(e5, "SOME_CODE")).toBe(true);
      for (const e of [e0, e1, e2, e3, e4, e5]) expect((e as Error).message).not.toContain("s3cr3t");
      // A ClusterSecretStore condition Go cannot compile allows nothing, as in ESO.
      expect(namespaceAllowed([{ namespaceRegexes: [secretish] }], { name: "a", labels: {} })).toBe(false);
    });
  }
});

describe("GoRegexp on JS text vs Go's regexp (template oracle)", () => {
  // [pattern, subject, reason]: findAll / replaceAll (Expand) / split / QuoteMeta on UTF-16 text.
  const cases: [string, string, string][] = [
    ["a*", "baaab", "empty match after a match is skipped"],
    ["", "é✓x", "empty matches step by whole runes"],
    ["(?P<first>\\w+)-(\\d+)", "db-1 cache-22", "named and numbered groups"],
    ["(?i)σ", "Σσς", "Unicode case folding"],
    ["x*", "", "empty subject"],
    ["[[:^alpha:]]+", "ab12cd✓", "negated POSIX class"],
    ["(a|ab)(c|bcd)(d*)", "abcd", "leftmost-first submatches"],
    ["😀|.", "a😀b", "astral code points are one rune"],
  ];
  const TEMPLATE = '{{ regexFindAll .p .s -1 | toJson }}|{{ regexReplaceAll .p .s "<$1|${first}|$$>" }}|{{ regexSplit .p .s -1 | toJson }}|{{ regexSplit .p .s 2 | toJson }}|{{ regexFindAll .p .s 1 | toJson }}|{{ regexQuoteMeta .p }}';
  it("agrees with Go on every case", () => {
    const go = runOracle(cases.map(([p, s]) => ({ template: TEMPLATE, data: { p, s }, funcs: "eso" })));
    cases.forEach(([p, s, reason], i) => {
      const g = go[i];
      if (g?.ok !== true) throw new Error(`oracle failed on ${reason}`);
      const re = compileGoRegexp(p);
      const ours = [
        JSON.stringify(re.findAll(s, -1)),
        re.replaceAll(s, "<$1|${first}|$$>"),
        JSON.stringify(re.split(s, -1)),
        JSON.stringify(re.split(s, 2)),
        JSON.stringify(re.findAll(s, 1)),
        quoteMeta(p),
      ].join("|");
      expect(ours, reason).toBe(g.output.toString("utf8"));
    });
  }, 60_000);
});
