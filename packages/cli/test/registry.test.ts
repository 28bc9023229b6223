// vendors.gen.ts is generated from the specs: it must say exactly what the specs and the vendor
// packages say. Each check here fails when a spec or a vendor package changes without it.
import { ConfigurationError } from "@tokenyard/auth-core";
import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { vendors } from "../src/vendors.gen.js";

const SPECS = new URL("../../../specs/", import.meta.url);

function upperSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

describe("the vendor registry", () => {
  it("has one entry per spec, in file-name order", async () => {
    const specs = (await readdir(SPECS)).filter((file) => file.endsWith(".yaml")).sort();
    expect(vendors.map((vendor) => vendor.spec)).toEqual(specs.map((file) => `specs/${file}`));
  });

  it("depends on every vendor package it loads", async () => {
    const manifest = JSON.parse(
      await readFile(new URL("../package.json", import.meta.url), "utf8"),
    );
    for (const vendor of vendors) expect(manifest.dependencies).toHaveProperty(vendor.packageName);
  });

  describe.each(vendors.map((vendor) => [vendor.id, vendor] as const))("%s", (id, vendor) => {
    it("names its variables <VENDOR>_<CREDENTIAL_IN_UPPER_SNAKE>", () => {
      const prefix = id.toUpperCase();
      expect(vendor.env).toEqual({ baseUrl: `${prefix}_BASE_URL`, server: `${prefix}_SERVER` });
      for (const credential of vendor.credentials) {
        expect(credential.env).toBe(`${prefix}_${upperSnake(credential.name)}`);
      }
    });

    it("has the package's servers, and needs a base URL exactly when the package does", async () => {
      const module = await import(vendor.packageName);
      expect(vendor.servers).toEqual(module.servers);
      const { createAuth } = await vendor.load();
      const credentials = Object.fromEntries(
        vendor.credentials.map((c) => [
          c.name,
          c.type === "number"
            ? 1
            : c.type === "boolean"
              ? true
              : c.type === "string[]"
                ? ["x"]
                : "x",
        ]),
      );
      // Every credential the registry names is one the package accepts, with that type.
      const create = () => createAuth({ credentials });
      if (vendor.defaultServer === null) expect(create).toThrow(ConfigurationError);
      else expect(create).not.toThrow();
      expect(() => createAuth({ credentials, baseUrl: "https://example.com" })).not.toThrow();
    });

    it("marks as required exactly the credentials the package requires", async () => {
      const { createAuth } = await vendor.load();
      for (const credential of vendor.credentials) {
        const others = Object.fromEntries(
          vendor.credentials
            .filter((c) => c.required && c !== credential)
            .map((c) => [c.name, c.type === "number" ? 1 : c.type === "string[]" ? ["x"] : "x"]),
        );
        const create = () => createAuth({ credentials: others, baseUrl: "https://example.com" });
        if (credential.required) expect(create).toThrow(`credentials.${credential.name}`);
        else expect(create).not.toThrow();
      }
    });

    it("its sandbox issues credentials for exactly the required ones", async () => {
      const sandbox = await (await vendor.loadTesting()).startSandbox();
      try {
        expect(Object.keys(sandbox.credentials).sort()).toEqual(
          vendor.credentials
            .filter((c) => c.required)
            .map((c) => c.name)
            .sort(),
        );
      } finally {
        await sandbox.close();
      }
    });
  });
});
