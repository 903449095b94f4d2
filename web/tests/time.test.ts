import { describe, expect, it } from "vitest";
import { formatClock, formatTime, shanghaiClock } from "../src/time";

describe("times in Asia/Shanghai", () => {
  it("shows a UTC instant in Beijing time with the zone named", () => {
    expect(formatTime("2026-11-29T14:10:05Z", "zh-CN")).toBe("2026-11-29 22:10:05 北京时间 (UTC+8)");
    expect(formatTime("2026-11-29T14:10:05Z", "en")).toBe("2026-11-29 22:10:05 CST (UTC+8)");
  });
  it("crosses the date line of the zone", () => {
    expect(shanghaiClock("2026-11-29T21:56:59Z")).toBe("2026-11-30 05:56:59");
  });
  it("keeps a time given with an offset", () => {
    expect(shanghaiClock("2026-11-30T05:56:59.201896+08:00")).toBe("2026-11-30 05:56:59");
    expect(shanghaiClock("2026-01-01T00:00:00-05:00")).toBe("2026-01-01 13:00:00");
  });
  it("uses 00 for midnight, not 24", () => {
    expect(shanghaiClock("2026-11-29T16:00:00Z")).toBe("2026-11-30 00:00:00");
  });
  it("does not depend on the machine's zone", () => {
    const d = new Date(Date.UTC(2026, 6, 1, 0, 0, 0));
    expect(formatClock(d)).toBe("08:00:00");
  });
  it("returns empty for missing or bad input", () => {
    expect(formatTime(null)).toBe("");
    expect(formatTime("")).toBe("");
    expect(formatTime("not a time")).toBe("");
  });
});
