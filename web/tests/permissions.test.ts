import { describe, expect, it } from "vitest";
import {
  canDispatch, permissionsOf, streamTopics, visibleLayers, visiblePanels,
} from "../src/permissions";

describe("permissions → what is shown", () => {
  it("shows an operator every layer and panel of the command map", () => {
    const p = permissionsOf({ id: "duty", role: "operator" });
    expect(visibleLayers(p)).toEqual([
      "basemap", "rings", "closureGaps", "reach", "reachGaps", "places", "checkpoints",
      "incidents", "units", "alerts",
    ]);
    expect(visiblePanels(p)).toEqual(["alerts", "incident", "newIncident", "kpi", "closure"]);
    expect(streamTopics(p)).toEqual(["alert", "unit", "incident"]);
    expect(canDispatch(p)).toBe(true);
  });
  it("hides alerts and incidents from an administrator", () => {
    const p = permissionsOf({ id: "admin", role: "admin" });
    const layers = visibleLayers(p);
    expect(layers).not.toContain("alerts");
    expect(layers).not.toContain("incidents");
    expect(layers).toContain("units");
    expect(visiblePanels(p)).toEqual(["closure"]);
    expect(streamTopics(p)).toEqual(["unit"]);
    expect(canDispatch(p)).toBe(false);
  });
  it("gives an analyst no stream and no dispatch", () => {
    const p = permissionsOf({ id: "ann", role: "analyst" });
    expect(streamTopics(p)).toEqual([]);
    expect(visibleLayers(p)).toContain("incidents");
    expect(visiblePanels(p)).not.toContain("newIncident");
    expect(visiblePanels(p)).not.toContain("alerts");
  });
  it("shows an auditor and an unknown role nothing on the map", () => {
    expect(visibleLayers(permissionsOf({ id: "x", role: "auditor" }))).toEqual([]);
    expect(visibleLayers(permissionsOf({ id: "x", role: "nobody" }))).toEqual([]);
  });
  it("prefers the permissions the server lists over the role's", () => {
    const p = permissionsOf({ id: "x", role: "operator", permissions: ["ring.read"] });
    expect(visibleLayers(p)).toEqual(["rings", "closureGaps"]);
    expect(streamTopics(p)).toEqual([]);
  });
});
