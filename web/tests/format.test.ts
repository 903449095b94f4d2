import { describe, expect, it } from "vitest";
import { formatDistance, formatDuration, formatRatio } from "../src/format";

describe("ETA", () => {
  it("formats seconds, minutes and hours", () => {
    expect(formatDuration(42, "zh-CN")).toBe("42 秒");
    expect(formatDuration(188, "zh-CN")).toBe("3 分 8 秒");
    expect(formatDuration(188, "en")).toBe("3 min 8 s");
    expect(formatDuration(3900, "en")).toBe("1 h 5 min");
  });
  it("rounds to the second", () => {
    expect(formatDuration(59.6, "en")).toBe("1 min 0 s");
    expect(formatDuration(235.3, "en")).toBe("3 min 55 s");
  });
  it("shows a dash for missing or negative values", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(-1)).toBe("—");
    expect(formatDuration(NaN)).toBe("—");
  });
});

describe("distance", () => {
  it("uses metres under a kilometre", () => {
    expect(formatDistance(850.4, "zh-CN")).toBe("850 米");
    expect(formatDistance(999.4, "en")).toBe("999 m");
  });
  it("uses one decimal under 10 km, none above", () => {
    expect(formatDistance(2280.5, "zh-CN")).toBe("2.3 公里");
    expect(formatDistance(12345, "en")).toBe("12 km");
  });
  it("formats ratios as percentages", () => {
    expect(formatRatio(0.6134)).toBe("61.3 %");
    expect(formatRatio(undefined)).toBe("—");
  });
});

describe("recommendation warnings", () => {
  it("translates the server's warnings with their numbers", async () => {
    const { formatWarning } = await import("../src/format");
    expect(formatWarning("stale position: fix 692 s old", "zh-CN")).toBe("位置过期（11 分 32 秒前）");
    expect(formatWarning("stale position: fix 692 s old", "en")).toBe("stale position (11 min 32 s old)");
    expect(formatWarning("on foot: route length at 5 km/h", "zh-CN")).toBe("步行：按 5 公里/小时计");
    expect(formatWarning("position is the home base", "zh-CN")).toBe("按驻地位置");
    expect(formatWarning("something new", "zh-CN")).toBe("something new");
  });
});
