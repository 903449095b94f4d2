import { afterEach, describe, expect, it, vi } from "vitest";
import { Api, ApiError, errorMessage } from "../src/api";

afterEach(() => vi.unstubAllGlobals());

describe("API errors", () => {
  it("reads the server's error object, naming the field", () => {
    expect(errorMessage({ error: { code: "invalid_argument", field: "state", message: "unknown value" } }, "x")).toBe("state: unknown value");
    expect(errorMessage({ error: { code: "not_found", field: null, message: "no route" } }, "x")).toBe("no route");
    expect(errorMessage("plain text", "x")).toBe("plain text");
    expect(errorMessage(undefined, "Bad Gateway")).toBe("Bad Gateway");
  });

  it("sends the bearer token and JSON, and throws ApiError with the status", async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(JSON.stringify({ error: { message: "no such alert", field: null } }), { status: 404, statusText: "Not Found" });
    });
    const api = new Api("qy_t");
    const err = (await api.patch("/api/v1/alerts/9", { state: "acknowledged" }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(404);
    expect(err.message).toBe("no such alert");
    const headers = calls[0].init.headers as Record<string, string>;
    expect(headers.Authorization).toBe("Bearer qy_t");
    expect(headers["Content-Type"]).toBe("application/json");
    expect(calls[0].init.body).toBe('{"state":"acknowledged"}');
  });

  it("calls onUnauthorized on a 401 of an authenticated request only", async () => {
    vi.stubGlobal("fetch", async () => new Response("{}", { status: 401 }));
    const hook = vi.fn();
    const api = new Api("qy_t");
    api.onUnauthorized = hook;
    await api.get("/api/v1/units").catch(() => {});
    expect(hook).toHaveBeenCalledTimes(1);
    const anon = new Api(null);
    anon.onUnauthorized = hook;
    await anon.post("/api/v1/auth/login", {}).catch(() => {});
    expect(hook).toHaveBeenCalledTimes(1);
  });
});
