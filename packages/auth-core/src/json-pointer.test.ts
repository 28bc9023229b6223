import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readPointer } from "./json-pointer.js";

// The example document from RFC 6901 §5.
const rfcDocument = {
  foo: ["bar", "baz"],
  "": 0,
  "a/b": 1,
  "c%d": 2,
  "e^f": 3,
  "g|h": 4,
  "i\\j": 5,
  'k"l': 6,
  " ": 7,
  "m~n": 8,
};

describe("readPointer", () => {
  it.each([
    ["", rfcDocument],
    ["/foo", ["bar", "baz"]],
    ["/foo/0", "bar"],
    ["/", 0],
    ["/a~1b", 1],
    ["/c%d", 2],
    ["/e^f", 3],
    ["/g|h", 4],
    ["/i\\j", 5],
    ['/k"l', 6],
    ["/ ", 7],
    ["/m~0n", 8],
  ])("RFC 6901 example %j", (pointer, expected) => {
    expect(readPointer(rfcDocument, pointer)).toEqual(expected);
  });

  it("reads nested objects and arrays", () => {
    const doc = { data: { tokens: [{ exp: 1 }, { exp: 2 }] } };
    expect(readPointer(doc, "/data/tokens/1/exp")).toBe(2);
    expect(readPointer(doc, "/data/tokens")).toBe(doc.data.tokens);
  });

  it("decodes ~01 as the literal ~1 (~1 replaced before ~0)", () => {
    expect(readPointer({ "~1": "tilde-one", "/": "slash" }, "/~01")).toBe("tilde-one");
  });

  it("returns present falsy values as they are", () => {
    const doc = { zero: 0, no: false, nothing: null, empty: "" };
    expect(readPointer(doc, "/zero")).toBe(0);
    expect(readPointer(doc, "/no")).toBe(false);
    expect(readPointer(doc, "/nothing")).toBeNull();
    expect(readPointer(doc, "/empty")).toBe("");
  });

  it.each([
    ["missing member", { a: 1 }, "/b"],
    ["walks through a primitive", { a: 1 }, "/a/b"],
    ["walks through null", { a: null }, "/a/b"],
    ["index out of range", [1, 2], "/2"],
    ["leading zero index", [1, 2], "/01"],
    ["'-' (past the end)", [1, 2], "/-"],
    ["negative index", [1, 2], "/-1"],
    ["non-numeric index", [1, 2], "/length"],
    ["no leading slash", { a: 1 }, "a"],
    ["invalid escape ~2", { "~2": 1 }, "/~2"],
    ["dangling ~", { "~": 1 }, "/~"],
    ["inherited __proto__", {}, "/__proto__"],
    ["inherited constructor", {}, "/constructor"],
    ["inherited toString", {}, "/toString"],
    ["string index", "abc", "/0"],
    ["string length", "abc", "/length"],
    ["undefined document", undefined, "/a"],
  ])("is undefined for %s", (_label, doc, pointer) => {
    expect(readPointer(doc, pointer)).toBeUndefined();
  });

  it("follows an own __proto__ member created by JSON.parse", () => {
    expect(readPointer(JSON.parse('{"__proto__": {"x": 1}}'), "/__proto__/x")).toBe(1);
  });

  it("handles unicode member names", () => {
    expect(readPointer({ 日本: { "🔑": "ok" } }, "/日本/🔑")).toBe("ok");
  });

  it("round-trips any key via escaping (property)", () => {
    const escape = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.jsonValue(), (outer, inner, value) => {
        const doc = { [outer]: { [inner]: value } };
        expect(readPointer(doc, `/${escape(outer)}/${escape(inner)}`)).toEqual(value);
      }),
    );
  });

  it("never throws (property)", () => {
    fc.assert(
      fc.property(fc.anything(), fc.string(), (doc, pointer) => {
        readPointer(doc, pointer);
      }),
    );
  });
});
