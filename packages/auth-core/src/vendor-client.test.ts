import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError } from "./errors.js";
import {
  acmeJson,
  acmeMultipart,
  closeAllServers,
  sendJson,
  startServer,
} from "./test-server.test-helper.js";
import { createVendorClient } from "./vendor-client.js";

afterEach(closeAllServers);

interface paths {
  "/things/{id}": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: {
      parameters: {
        query?: { expand?: string };
        header?: never;
        path: { id: string };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        200: {
          headers: { [name: string]: unknown };
          content: { "application/json": { id: string } };
        };
      };
    };
  };
}

describe("createVendorClient", () => {
  it("sends requests under baseUrl, base path included", async () => {
    const server = await startServer((request, response) =>
      sendJson(response, 200, { id: request.url }),
    );
    const client = createVendorClient<paths>(acmeMultipart, { baseUrl: `${server.url}/apif/v2/` });
    const { data } = await client.GET("/things/{id}", {
      params: { path: { id: "42" }, query: { expand: "all" } },
    });
    expect(data).toEqual({ id: "/apif/v2/things/42?expand=all" });
  });

  it("passes other openapi-fetch options through", async () => {
    const server = await startServer((request, response) =>
      sendJson(response, 200, { id: String(request.headers["x-app"]) }),
    );
    const client = createVendorClient<paths>(acmeJson, {
      baseUrl: server.url,
      headers: { "x-app": "demo" },
    });
    const { data } = await client.GET("/things/{id}", { params: { path: { id: "1" } } });
    expect(data).toEqual({ id: "demo" });
  });

  it("resolves server names like the provider and validates like it", () => {
    expect(() => createVendorClient(acmeJson)).not.toThrow();
    expect(() => createVendorClient(acmeJson, { server: "sandbox" })).not.toThrow();
    expect(() => createVendorClient(acmeJson, { server: "nope" })).toThrow(ConfigurationError);
    expect(() => createVendorClient(acmeMultipart)).toThrow(ConfigurationError);
    expect(() => createVendorClient(acmeJson, { baseUrl: "http://acme.example" })).toThrow(
      /only sent over https/,
    );
    expect(() =>
      createVendorClient(acmeJson, { baseUrl: "http://acme.example", allowInsecureHttp: true }),
    ).not.toThrow();
  });
});
