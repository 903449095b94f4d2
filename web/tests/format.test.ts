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
