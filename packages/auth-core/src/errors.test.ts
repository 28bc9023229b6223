import { describe, expect, it } from "vitest";
import { ConfigurationError, TokenRequestError, TokenResponseError } from "./errors.js";

const context = { vendor: "Acme", operation: "createToken", attempts: 1 };

describe("errors", () => {
  it("ConfigurationError names the option", () => {
    const error = new ConfigurationError("credentials.clientSecret", "required by Acme");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ConfigurationError");
    expect(error.option).toBe("credentials.clientSecret");
    expect(error.message).toBe("credentials.clientSecret: required by Acme");
  });

  it("TokenRequestError keeps status, body, retryAfterMs and cause only when given", () => {
    const cause = new Error("socket hang up");
    const network = new TokenRequestError("could not reach", { ...context, cause });
    expect(network.name).toBe("TokenRequestError");
    expect(network.cause).toBe(cause);
    expect("status" in network).toBe(false);
    expect("body" in network).toBe(false);
    expect("retryAfterMs" in network).toBe(false);

    const refused = new TokenRequestError("refused", {
      ...context,
      status: 429,
      body: { error: "slow_down" },
      retryAfterMs: 0,
    });
    expect(refused).toMatchObject({ status: 429, body: { error: "slow_down" }, retryAfterMs: 0 });
    expect(refused.vendor).toBe("Acme");
    expect(refused.operation).toBe("createToken");
    expect(refused.attempts).toBe(1);
    expect("cause" in refused).toBe(false);
  });

  it("TokenResponseError carries the 2xx status", () => {
    const error = new TokenResponseError("no token", { ...context, status: 200 });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("TokenResponseError");
    expect(error.status).toBe(200);
    expect(error).not.toBeInstanceOf(TokenRequestError);
  });
});
