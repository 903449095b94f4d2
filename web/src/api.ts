// The HTTP client: bearer token, JSON in and out, errors with the server's status and message.

export class ApiError extends Error {
  constructor(public readonly status: number, message: string, public readonly body?: unknown) {
    super(message);
  }
}

export const TOKEN_KEY = "quanyu.token";

export class Api {
  /** Called when an authenticated request answers 401 (the session ended or expired). */
  onUnauthorized: (() => void) | null = null;
  constructor(public token: string | null = null, private readonly base = "") {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(this.base + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = undefined;
    if (text) { try { json = JSON.parse(text); } catch { json = text; } }
    if (res.status === 401 && this.token && this.onUnauthorized) this.onUnauthorized();
    if (!res.ok) throw new ApiError(res.status, errorMessage(json, res.statusText), json);
    return json as T;
  }
  get<T>(path: string): Promise<T> { return this.request<T>("GET", path); }
  post<T>(path: string, body?: unknown): Promise<T> { return this.request<T>("POST", path, body ?? {}); }
  patch<T>(path: string, body: unknown): Promise<T> { return this.request<T>("PATCH", path, body); }
}

/** The message of an error answer ({"error": {"code", "field", "message"}}, or plain text). */
export function errorMessage(body: unknown, fallback: string): string {
  if (body && typeof body === "object") {
    let o = body as Record<string, unknown>;
    if (o.error && typeof o.error === "object") {
      const e = o.error as Record<string, unknown>;
      if (typeof e.message === "string" && e.message) {
        return typeof e.field === "string" && e.field ? `${e.field}: ${e.message}` : e.message;
      }
      o = e;
    }
    for (const k of ["message", "error", "reason"]) if (typeof o[k] === "string" && o[k]) return o[k] as string;
  }
  if (typeof body === "string" && body) return body.slice(0, 200);
  return fallback;
}
