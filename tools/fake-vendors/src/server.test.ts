// Behaviour every fake shares (scripted failures, latency, recording, robustness, shutdown),
// exercised through Manis (the simplest wire format) and Wilson (which has a non-token route).
import { connect } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  startKlearStack,
  startManis,
  startWilson,
  type FakeVendor,
  type ManisCredentials,
} from "./index.js";

type FakeManis = FakeVendor<ManisCredentials>;
const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(): Promise<FakeManis> {
  const server = await startManis();
  running.push(server);
  return server;
}

function getToken(server: FakeManis, extraHeaders: Record<string, string> = {}) {
  return fetch(`${server.baseUrl}/api/v1/auth/token`, {
    method: "POST",
    headers: {
      "x-merchant-id": server.credentials.merchantId,
      "x-secret": server.credentials.secret,
      ...extraHeaders,
    },
  });
}

/** Send raw bytes over TCP and collect whatever comes back until the server closes. */
function rawExchange(origin: string, payload: string): Promise<string> {
  const { port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.end(payload));
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString()));
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
  });
}

describe("failNext", () => {
  it("sends queued answers verbatim, in order, then resumes normal handling", async () => {
    const server = await start();
    server.failNext(
      { status: 503, body: { message: "down", timestamp: "t" }, headers: { "retry-after": "7" } },
      { status: 502, body: "<html>Bad gateway</html>", headers: { "content-type": "text/html" } },
      { status: 500, body: "plain failure" },
      { status: 204 },
    );
    const first = await getToken(server);
    expect(first.status).toBe(503);
    expect(first.headers.get("content-type")).toBe("application/json");
    expect(first.headers.get("retry-after")).toBe("7");
    expect(await first.json()).toEqual({ message: "down", timestamp: "t" });

    const second = await getToken(server);
    expect(second.status).toBe(502);
    expect(second.headers.get("content-type")).toBe("text/html");
    expect(await second.text()).toBe("<html>Bad gateway</html>");

    const third = await getToken(server);
    expect(third.status).toBe(500);
    expect(third.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await third.text()).toBe("plain failure");

    const fourth = await getToken(server);
    expect(fourth.status).toBe(204);
    expect(await fourth.text()).toBe("");

    expect((await getToken(server)).status).toBe(200);
    expect(server.tokenRequests()).toBe(5);
    expect(server.issuedTokens).toHaveLength(1);
    expect(server.requests.map((request) => request.status)).toEqual([503, 502, 500, 204, 200]);
  });

  it("answers a request even when it is malformed (the script wins)", async () => {
    const server = await start();
    server.failNext({ status: 200, body: { token: "t", tokenType: "Bearer", expiresAt: 1 } });
    const response = await fetch(`${server.origin}/api/v1/auth/token`, { method: "POST" });
    expect(response.status).toBe(200);
  });

  it("does not apply to non-token routes or unknown paths", async () => {
    const wilson = await startWilson();
    running.push(wilson);
    wilson.failNext({ status: 500 });
    expect((await fetch(`${wilson.baseUrl}/auth/company`)).status).toBe(401);
    expect((await fetch(`${wilson.origin}/elsewhere`)).status).toBe(404);
    const token = await fetch(`${wilson.baseUrl}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(token.status).toBe(500);
  });

  it('"drop" destroys the socket without an answer', async () => {
    const server = await start();
    server.failNext("drop");
    await expect(getToken(server)).rejects.toThrow(TypeError);
    expect(server.tokenRequests()).toBe(1);
    expect(server.requests[0]?.status).toBe(0);
    expect(server.issuedTokens).toEqual([]);
    expect((await getToken(server)).status).toBe(200);
  });
});

describe("setDelay", () => {
  it("delays answers by real time", async () => {
    const server = await start();
    server.setDelay(150);
    const started = performance.now();
    const response = await getToken(server);
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    server.setDelay(0);
    expect((await getToken(server)).status).toBe(200);
    expect(() => server.setDelay(-1)).toThrow(RangeError);
  });

  it("counts and records a delayed request on arrival, before it is answered", async () => {
    const server = await start();
    server.setDelay(200);
    const pending = getToken(server);
    await vi.waitFor(() => expect(server.tokenRequests()).toBe(1));
    expect(server.requests[0]?.status).toBe(0);
    expect((await pending).status).toBe(200);
    expect(server.requests[0]?.status).toBe(200);
  });
});

describe("recording", () => {
  it("records method, path, lowercased headers and raw body", async () => {
    const server = await start();
    await fetch(`${server.origin}/api/v1/auth/token`, {
      method: "POST",
      headers: { "X-Merchant-Id": "m", "X-Secret": "s", "Content-Type": "text/plain" },
      body: "hello",
    });
    expect(server.requests).toEqual([
      {
        method: "POST",
        path: "/api/v1/auth/token",
        headers: expect.objectContaining({ "x-merchant-id": "m", "x-secret": "s" }),
        contentType: "text/plain",
        body: null,
        rawBody: "hello",
        status: 400,
      },
    ]);
  });
});

describe("robustness", () => {
  it("survives garbage on the socket and keeps serving", async () => {
    const server = await start();
    const reply = await rawExchange(server.origin, "\x00\x01 NOT HTTP AT ALL\r\n\r\n");
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await getToken(server)).status).toBe(200);
  });

  it("answers undecodable bodies with a 4xx/5xx instead of crashing", async () => {
    const klearStack = await startKlearStack();
    running.push(klearStack);
    const truncated = await fetch(`${klearStack.origin}/access/klearstack/get_access_token`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=x" },
      body: "--x\r\nContent-Disposition: form-data; name=",
    });
    expect(truncated.status).toBe(400);
    expect(await truncated.text()).toMatch(/Multipart form parse error/);
    expect(klearStack.requests[0]?.body).toBeNull();

    const wilson = await startWilson();
    running.push(wilson);
    const binary = await fetch(`${wilson.baseUrl}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x22]),
    });
    expect(binary.status).toBe(400);
    const contentTypeGarbage = await fetch(`${wilson.baseUrl}/auth/token`, {
      method: "POST",
      headers: { "content-type": ';;;="' },
      body: "{}",
    });
    expect(contentTypeGarbage.status).toBe(415);
    expect(wilson.requests[1]?.body).toBeNull();
  });

  it("answers an oversized body with 413", async () => {
    const server = await start();
    const response = await fetch(`${server.origin}/api/v1/auth/token`, {
      method: "POST",
      body: "x".repeat(2 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(server.requests[0]?.rawBody).toBe("");
    expect((await getToken(server)).status).toBe(200);
  });
});

describe("close", () => {
  it("closes idle keep-alive connections promptly", async () => {
    const server = await startManis();
    expect((await getToken(server)).status).toBe(200);
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(500);
    await expect(getToken(server)).rejects.toThrow(TypeError);
    await server.close(); // idempotent
  });

  it("does not wait for a delayed answer", async () => {
    const server = await startManis();
    server.setDelay(30_000);
    const pending = getToken(server).then(
      () => "answered",
      () => "failed",
    );
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(500);
    expect(await pending).toBe("failed");
  });
});
