import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ROLE_PERMISSIONS } from "../src/roles";

// src/roles.ts is a copy of the server's matrix (used while GET /api/v1/auth/me does not list
// the permissions): it must stay equal to src/govern/roles.json.
describe("role matrix", () => {
  it("equals src/govern/roles.json", () => {
    const path = fileURLToPath(new URL("../../src/govern/roles.json", import.meta.url));
    const roles = JSON.parse(readFileSync(path, "utf8")).roles as Record<string, { permissions: string[] }>;
    const server = Object.fromEntries(Object.entries(roles).map(([r, v]) => [r, [...v.permissions].sort()]));
    const client = Object.fromEntries(Object.entries(ROLE_PERMISSIONS).map(([r, v]) => [r, [...v].sort()]));
    expect(client).toEqual(server);
  });
});
