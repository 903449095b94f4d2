import { describe, expect, it, vi } from "vitest";
import { parseStreamMessage, reconnectDelay, routeMessage, streamUrl } from "../src/stream";
import { AlertQueue, type Alert } from "../src/alerts";

const alertFrame = (seq: number, event: string, data: object) =>
  JSON.stringify({ topic: "alert", seq, time: "2026-11-30T05:56:59+08:00", event, data });

describe("stream messages", () => {
  it("parses a message and keeps the alert event", () => {
    const m = parseStreamMessage(alertFrame(4, "raised", { id: 9, state: "new" }));
    expect(m).toEqual({ topic: "alert", seq: 4, time: "2026-11-30T05:56:59+08:00", event: "raised", data: { id: 9, state: "new" } });
  });
  it("rejects frames that are not messages", () => {
    expect(parseStreamMessage("not json")).toBeNull();
    expect(parseStreamMessage(JSON.stringify({ topic: "unit" }))).toBeNull();
    expect(parseStreamMessage(JSON.stringify({ topic: "unit", seq: "1", data: {} }))).toBeNull();
    expect(parseStreamMessage(new ArrayBuffer(2))).toBeNull();
  });
  it("routes each topic to its handler", () => {
    const alert = vi.fn(), unit = vi.fn(), incident = vi.fn(), other = vi.fn();
    const h = { alert, unit, incident, other };
    expect(routeMessage(parseStreamMessage(alertFrame(1, "raised", { id: 1 }))!, h)).toBe("alert");
    expect(alert).toHaveBeenCalledWith({ id: 1 }, "raised", 1);
    routeMessage({ topic: "unit", seq: 2, time: "", data: { id: "car-01", status: "en_route" } }, h);
    expect(unit).toHaveBeenCalledWith({ id: "car-01", status: "en_route" }, 2);
    routeMessage({ topic: "incident", seq: 3, time: "", data: { id: "INC1" } }, h);
    expect(incident).toHaveBeenCalledTimes(1);
    routeMessage({ topic: "ingest", seq: 4, time: "", data: { accepted: 3 } }, h);
    expect(other).toHaveBeenCalledTimes(1);
    // A unit message without an id is dropped.
    expect(routeMessage({ topic: "unit", seq: 5, time: "", data: {} }, h)).toBeNull();
    expect(unit).toHaveBeenCalledTimes(1);
  });
  it("feeds the queue: a resume's duplicate changes nothing", () => {
    const q = new AlertQueue();
    const h = { alert: (a: Record<string, unknown>, ev: string, seq: number) => q.apply(a as Alert, { seq, fresh: ev === "raised" }) };
    const frame = alertFrame(10, "raised", { id: 5, state: "new", priority: 1, plate: "川A80001", type: "list_hit", updated: "2026-11-30T05:56:59+08:00" });
    routeMessage(parseStreamMessage(frame)!, h);
    routeMessage(parseStreamMessage(frame)!, h);
    expect(q.size).toBe(1);
    expect(q.get(5)!.fresh).toBe(true);
    routeMessage(parseStreamMessage(alertFrame(11, "updated", { id: 5, state: "acknowledged", priority: 1, plate: "川A80001", type: "list_hit", updated: "2026-11-30T05:57:10+08:00" }))!, h);
    expect(q.get(5)!.alert.state).toBe("acknowledged");
    expect(q.get(5)!.fresh).toBe(false);
  });
  it("builds the URL with the token, topics and resume id", () => {
    const u = new URL(streamUrl("http://127.0.0.1:8080", "qy_abc", ["alert", "unit"], 42));
    expect(u.protocol).toBe("ws:");
    expect(u.pathname).toBe("/api/v1/stream");
    expect(u.searchParams.get("access_token")).toBe("qy_abc");
    expect(u.searchParams.get("topics")).toBe("alert,unit");
    expect(u.searchParams.get("after")).toBe("42");
    expect(new URL(streamUrl("https://x", "t", ["unit"], 42)).protocol).toBe("wss:");
    expect(new URL(streamUrl("https://x", "t", ["unit"], 42)).searchParams.has("after")).toBe(false);
  });
  it("backs off up to 10 s", () => {
    expect(reconnectDelay(0)).toBe(500);
    expect(reconnectDelay(3)).toBe(4000);
    expect(reconnectDelay(20)).toBe(10000);
  });
});
