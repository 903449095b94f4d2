import { describe, expect, it } from "vitest";
import { AlertQueue, incidentTypeForAlert, nextStates, type Alert } from "../src/alerts";

function alert(id: number, over: Partial<Alert> = {}): Alert {
  return {
    id, state: "new", type: "list_hit", priority: 2, plate: `川A8000${id}`, count: 1,
    updated: `2026-11-30T05:56:${String(10 + id).padStart(2, "0")}+08:00`, ...over,
  };
}

describe("alert queue", () => {
  it("adds new alerts and marks live ones fresh", () => {
    const q = new AlertQueue();
    expect(q.apply(alert(1))).toBe("added");
    expect(q.apply(alert(2), { seq: 5, fresh: true })).toBe("added");
    expect(q.get(1)!.fresh).toBe(false);
    expect(q.get(2)!.fresh).toBe(true);
    expect(q.size).toBe(2);
    expect(q.lastId).toBe(2);
  });

  it("drops a repeated stream message (same id and seq) and an older seq", () => {
    const q = new AlertQueue();
    q.apply(alert(1), { seq: 7, fresh: true });
    expect(q.apply(alert(1, { count: 2, updated: "2026-11-30T06:00:00+08:00" }), { seq: 7 })).toBe("ignored");
    expect(q.apply(alert(1, { count: 2, updated: "2026-11-30T06:00:00+08:00" }), { seq: 6 })).toBe("ignored");
    expect(q.get(1)!.alert.count).toBe(1);
    expect(q.apply(alert(1, { count: 2, updated: "2026-11-30T06:00:00+08:00" }), { seq: 8 })).toBe("updated");
    expect(q.get(1)!.alert.count).toBe(2);
  });

  it("ignores a copy older than the one held (a late REST answer)", () => {
    const q = new AlertQueue();
    q.apply(alert(1, { state: "acknowledged", updated: "2026-11-30T06:00:00+08:00" }), { seq: 3 });
    expect(q.apply(alert(1, { state: "new", updated: "2026-11-30T05:59:00+08:00" }))).toBe("ignored");
    expect(q.get(1)!.alert.state).toBe("acknowledged");
  });

  it("clears the highlight when an alert is acknowledged", () => {
    const q = new AlertQueue();
    q.apply(alert(3), { seq: 1, fresh: true });
    q.apply(alert(3, { state: "acknowledged", updated: "2026-11-30T06:00:00+08:00" }), { seq: 2 });
    expect(q.get(3)!.fresh).toBe(false);
    expect(q.get(3)!.alert.state).toBe("acknowledged");
  });

  it("orders new first, then by priority, then newest", () => {
    const q = new AlertQueue();
    q.apply(alert(1, { priority: 1, state: "acknowledged" }));
    q.apply(alert(2, { priority: 3 }));
    q.apply(alert(3, { priority: 1 }));
    q.apply(alert(4, { priority: 3 }));
    q.apply(alert(5, { state: "closed", priority: 1 }));
    expect(q.list().map((e) => e.alert.id)).toEqual([3, 4, 2, 1, 5]);
  });

  it("keeps at most maxSize, dropping closed and handled ones first", () => {
    const q = new AlertQueue(3);
    q.apply(alert(1, { state: "closed" }));
    q.apply(alert(2, { state: "acknowledged" }));
    q.apply(alert(3));
    q.apply(alert(4));
    expect(q.size).toBe(3);
    expect(q.get(1)).toBeUndefined();
    q.apply(alert(5));
    expect(q.get(2)).toBeUndefined();
    expect(q.list().map((e) => e.alert.id)).toEqual([5, 4, 3]);
  });

  it("rejects malformed input", () => {
    const q = new AlertQueue();
    expect(q.apply({ id: "x" } as unknown as Alert)).toBe("ignored");
    expect(q.size).toBe(0);
  });

  it("offers only forward steps", () => {
    expect(nextStates("new")).toEqual(["acknowledged", "dispatched"]);
    expect(nextStates("acknowledged")).toEqual(["dispatched"]);
    expect(nextStates("closed")).toEqual([]);
    expect(incidentTypeForAlert(alert(1, { category: "stolen_vehicle" }))).toBe("criminal");
    expect(incidentTypeForAlert(alert(1, { category: "other" }))).toBe("other");
  });
});
