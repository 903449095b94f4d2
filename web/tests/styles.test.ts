import { describe, expect, it } from "vitest";
import { basemapStyle, ringStyle, roadCasing, roadStyle, unitColor } from "../src/styles";
import { barLayout } from "../src/chart";

describe("map styles", () => {
  it("draws bigger roads wider, links thinner", () => {
    expect(roadStyle("motorway").weight).toBeGreaterThan(roadStyle("primary").weight);
    expect(roadStyle("primary").weight).toBeGreaterThan(roadStyle("residential").weight);
    expect(roadStyle("primary_link").weight).toBeLessThan(roadStyle("primary").weight);
    expect(roadStyle("primary_link").color).toBe(roadStyle("primary").color);
    expect(roadStyle("footway").weight).toBeLessThan(1);
    expect(roadCasing("residential").weight).toBeGreaterThan(roadStyle("residential").weight);
  });
  it("fills water and land use", () => {
    expect(basemapStyle({ layer: "water", class: "water" }).fillColor).toBe("#b9dcf0");
    expect(basemapStyle({ layer: "water", class: "river" }).weight).toBeGreaterThan(basemapStyle({ layer: "water", class: "stream" }).weight);
    expect(basemapStyle({ layer: "landuse", class: "park" }).fillColor).toBe("#d6ecc9");
    expect(basemapStyle({ layer: "landuse", class: "retail" }).fillColor).not.toBe(basemapStyle({ layer: "landuse", class: "park" }).fillColor);
    expect(basemapStyle({ layer: "road", class: "trunk" })).toEqual(roadStyle("trunk"));
  });
  it("styles rings by level and colours units by status", () => {
    expect(ringStyle("province").weight).toBeGreaterThan(ringStyle("county").weight);
    expect(ringStyle("nonsense")).toEqual(ringStyle("custom"));
    expect(unitColor("available")).not.toBe(unitColor("dispatched"));
    expect(unitColor(undefined)).toBe("#555555");
  });
});

describe("bar chart layout", () => {
  it("scales bars to the largest value", () => {
    const L = barLayout([{ label: "a", value: 10 }, { label: "b", value: 5 }, { label: "c", value: null }], 250, 20, 90);
    expect(L.rows[0].w).toBe(100);
    expect(L.rows[1].w).toBe(50);
    expect(L.rows[2].w).toBe(0);
    expect(L.rows[1].y).toBe(22);
    expect(L.height).toBe(64);
  });
  it("draws nothing for all-zero data", () => {
    const L = barLayout([{ label: "a", value: 0 }], 250);
    expect(L.rows[0].w).toBe(0);
  });
});
