import { describe, expect, it } from "vitest";

import {
  AuditEventsQuery,
  LoginRequest,
  MachineCredentialCreate,
  UserCreate,
  UserRoleChange,
} from "./cloud-identity.js";

describe("cloud identity DTOs", () => {
  it("accepts a user with a role and optional site limits, and refuses unknown roles and keys", () => {
    const user = { name: "Ada Lovelace", email: "ada@example.com", role: "employee" };
    expect(UserCreate.safeParse(user).success).toBe(true);
    expect(UserCreate.safeParse({ ...user, siteIds: ["site-1"] }).success).toBe(true);
    expect(UserCreate.safeParse({ ...user, role: "root" }).success).toBe(false);
    expect(UserCreate.safeParse({ ...user, email: "not an address" }).success).toBe(false);
    expect(UserCreate.safeParse({ ...user, password: "chosen-by-admin" }).success).toBe(false);
    expect(UserRoleChange.safeParse({ role: "facilities", siteIds: [] }).success).toBe(false);
  });

  it("bounds login input without judging the password", () => {
    expect(LoginRequest.safeParse({ email: "a@b.c", password: "x" }).success).toBe(true);
    expect(LoginRequest.safeParse({ email: "a@b.c", password: "x".repeat(1025) }).success).toBe(false);
  });

  it("names machine kinds and scopes by their format", () => {
    const credential = { siteId: "s1", kind: "kiosk", name: "Lobby" };
    expect(MachineCredentialCreate.safeParse(credential).success).toBe(true);
    expect(MachineCredentialCreate.safeParse({ ...credential, scopes: ["kiosk:operate"] }).success).toBe(true);
    expect(MachineCredentialCreate.safeParse({ ...credential, scopes: ["KIOSK"] }).success).toBe(false);
    expect(MachineCredentialCreate.safeParse({ ...credential, kind: "robot" }).success).toBe(false);
  });

  it("reads the audit query from text, with a default, and refuses what is not a count in range", () => {
    expect(AuditEventsQuery.parse({})).toEqual({ limit: 100 });
    expect(AuditEventsQuery.parse({ limit: "500" })).toEqual({ limit: 500 });
    for (const limit of ["0", "501", "2.5", "ten", "", ["1", "2"]]) {
      expect(AuditEventsQuery.safeParse({ limit }).success, JSON.stringify(limit)).toBe(false);
    }
    expect(AuditEventsQuery.safeParse({ limit: "5", since: "yesterday" }).success).toBe(false);
  });
});
