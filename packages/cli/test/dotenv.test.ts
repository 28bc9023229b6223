import { describe, expect, it } from "vitest";
import { DotEnvError, parseDotEnv } from "../src/dotenv.js";

describe("parseDotEnv", () => {
  it("reads KEY=VALUE lines, comments, export, and both quotes", () => {
    const text = [
      "\uFEFF# a comment",
      "",
      "PLAIN=value # trailing comment",
      "  export EXPORTED = spaced  ",
      'DOUBLE="a \\"quoted\\" #not-a-comment\\nline"  # comment',
      "SINGLE='literal \\n $HOME'",
      "EMPTY=",
      "HASH=a#b",
      "PLAIN=later wins",
    ].join("\r\n");
    expect(parseDotEnv(text)).toEqual({
      PLAIN: "later wins",
      EXPORTED: "spaced",
      DOUBLE: 'a "quoted" #not-a-comment\nline',
      SINGLE: "literal \\n $HOME",
      EMPTY: "",
      HASH: "a#b",
    });
  });

  it.each([
    ["NO_EQUALS_SIGN", "line 1: expected KEY=VALUE"],
    ["1BAD=x", "line 1: the name before = must be letters, digits and _"],
    ["\nKEY='open-secret", "line 2: missing closing '"],
    ['KEY="closed" trailing-secret', 'line 1: unexpected text after the closing "'],
  ])("%j: %s, never the value", (text, message) => {
    const error = (() => {
      try {
        parseDotEnv(text);
      } catch (caught) {
        return caught;
      }
      throw new Error("expected a DotEnvError");
    })();
    expect(error).toBeInstanceOf(DotEnvError);
    expect((error as Error).message).toBe(message);
    expect((error as Error).message).not.toContain("secret");
  });
});
