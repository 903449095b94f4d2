// The WebSocket stream (/api/v1/stream): messages {"topic","seq","time","data"}; the token goes
// in the query (browsers cannot set headers on an upgrade). Reconnects with back-off and resumes
// the alert topic after the last alert id seen.

export interface StreamMessage {
  topic: string;
  seq: number;
  time: string;
  event?: string;           // alert messages: "raised" or "updated"
  data: Record<string, unknown>;
}

/** Parses one frame; null for anything that is not a well-formed message. */
export function parseStreamMessage(raw: unknown): StreamMessage | null {
  if (typeof raw !== "string") return null;
  let j: unknown;
  try { j = JSON.parse(raw); } catch { return null; }
  if (!j || typeof j !== "object") return null;
  const o = j as Record<string, unknown>;
  if (typeof o.topic !== "string" || typeof o.seq !== "number") return null;
  if (!o.data || typeof o.data !== "object") return null;
  const m: StreamMessage = {
    topic: o.topic, seq: o.seq, time: typeof o.time === "string" ? o.time : "",
    data: o.data as Record<string, unknown>,
  };
  if (typeof o.event === "string") m.event = o.event;
  return m;
}

export interface StreamHandlers {
  alert?: (alert: Record<string, unknown>, event: string, seq: number) => void;
  unit?: (unit: Record<string, unknown>, seq: number) => void;
  incident?: (incident: Record<string, unknown>, seq: number) => void;
  other?: (msg: StreamMessage) => void;
}

/**
 * Sends a message to its handler. Alert messages carry "event" ("raised" | "updated") beside
 * "data" (the alert). Returns the topic handled, or null.
 */
export function routeMessage(msg: StreamMessage, h: StreamHandlers): string | null {
  switch (msg.topic) {
    case "alert": {
      if (!h.alert) return null;
      const alert = msg.data;
      const event = msg.event ?? "updated";
      if (typeof alert.id !== "number") return null;
      h.alert(alert, event, msg.seq);
      return "alert";
    }
    case "unit":
      if (!h.unit || typeof msg.data.id !== "string") return null;
      h.unit(msg.data, msg.seq);
      return "unit";
    case "incident":
      if (!h.incident || typeof msg.data.id !== "string") return null;
      h.incident(msg.data, msg.seq);
      return "incident";
    default:
      h.other?.(msg);
      return null;
  }
}

/** The stream URL for a page served from `origin` (http→ws, https→wss). */
export function streamUrl(origin: string, token: string, topics: string[], afterAlertId = 0): string {
  const u = new URL("/api/v1/stream", origin);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  u.searchParams.set("access_token", token);
  u.searchParams.set("topics", topics.join(","));
  if (afterAlertId > 0 && topics.includes("alert")) u.searchParams.set("after", String(afterAlertId));
  return u.toString();
}

/** Back-off before reconnect attempt n (0-based): 0.5 s doubling, at most 10 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(10000, 500 * 2 ** Math.max(0, attempt));
}

export class StreamClient {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly opts: {
      origin: string; token: string; topics: string[]; handlers: StreamHandlers;
      lastAlertId: () => number; onState?: (live: boolean) => void;
    },
  ) {}

  start(): void {
    if (this.opts.topics.length === 0) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close();
    this.ws = null;
  }

  private connect(): void {
    const url = streamUrl(this.opts.origin, this.opts.token, this.opts.topics, this.opts.lastAlertId());
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => { this.attempt = 0; this.opts.onState?.(true); };
    ws.onmessage = (ev) => {
      const m = parseStreamMessage(ev.data);
      if (m) routeMessage(m, this.opts.handlers);
    };
    ws.onclose = () => {
      this.opts.onState?.(false);
      if (this.stopped) return;
      this.timer = setTimeout(() => this.connect(), reconnectDelay(this.attempt++));
    };
    ws.onerror = () => ws.close();
  }
}
