import { describe, expect, it } from "vitest";
import {
  type AuditEvent,
  type AuditRecord,
  AuditSecretError,
  appendAuditRecord,
  hashAuditRecord,
  verifyChain,
} from "./audit-chain.js";
import { findSecrets } from "./audit-redaction.js";
import { canonicalJson } from "./canonical-json.js";

function event(i: number): AuditEvent {
  return {
    at: new Date(Date.UTC(2026, 2, 1, 8, 0, i)).toISOString(),
    action: i % 2 ? "authn_login_fail" : "authn_login",
    actor: `user:u${i}`,
    orgId: "org1",
    details: { ip: "192.0.2.1", attempt: i },
  };
}

function chain(n: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (let i = 0; i < n; i += 1) records.push(appendAuditRecord(records.at(-1) ?? null, event(i)));
  return records;
}

describe("canonicalJson", () => {
  it("sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
  });
});

describe("audit chain", () => {
  it("verifies an intact chain and reports its head", () => {
    const records = chain(5);
    expect(verifyChain(records)).toEqual({ ok: true, count: 5, head: { seq: 5, hash: records[4]?.hash } });
    expect(verifyChain([])).toEqual({ ok: true, count: 0, head: null });
  });

  it("hashes absent and null optional fields alike, and is independent of key order", () => {
    const [record] = chain(1);
    if (!record) throw new Error("no record");
    const fromDb = {
      hash: record.hash,
      details: { attempt: 0, ip: "192.0.2.1" },
      target: null,
      outcome: null,
      seq: 1,
      prevHash: record.prevHash,
      actor: record.actor,
      action: record.action,
      at: record.at,
      orgId: "org1",
    };
    expect(hashAuditRecord(fromDb)).toBe(record.hash);
  });

  it("detects a changed field", () => {
    const records = chain(5);
    records[2] = { ...records[2]!, actor: "user:someone-else" };
    expect(verifyChain(records)).toEqual({ ok: false, index: 2, seq: 3, problem: "changed" });
  });

  it("detects a changed detail deep inside", () => {
    const records = chain(3);
    records[1] = { ...records[1]!, details: { ip: "198.51.100.7", attempt: 1 } };
    expect(verifyChain(records)).toMatchObject({ ok: false, index: 1, problem: "changed" });
  });

  it("detects a removed entry", () => {
    const records = chain(5);
    records.splice(2, 1);
    expect(verifyChain(records)).toEqual({ ok: false, index: 2, seq: 4, problem: "removed" });
  });

  it("detects reordered entries", () => {
    const records = chain(5);
    [records[1], records[2]] = [records[2]!, records[1]!];
    expect(verifyChain(records)).toEqual({ ok: false, index: 1, seq: 3, problem: "reordered" });
  });

  it("detects a changed prevHash, with or without the entry's own hash recomputed", () => {
    const records = chain(4);
    const forged = { ...records[2]!, prevHash: "f".repeat(64) };
    expect(verifyChain([...records.slice(0, 2), forged, records[3]!])).toMatchObject({ ok: false, problem: "changed" });
    const recomputed = { ...forged, hash: hashAuditRecord(forged) };
    expect(verifyChain([...records.slice(0, 2), recomputed])).toEqual({
      ok: false,
      index: 2,
      seq: 3,
      problem: "broken_link",
    });
  });

  it("detects a removal hidden by renumbering and re-hashing the rest", () => {
    const records = chain(4);
    const rest: AuditRecord[] = [records[0]!];
    for (const original of records.slice(2)) {
      const renumbered = { ...original, seq: rest.length + 1 };
      rest.push({ ...renumbered, hash: hashAuditRecord(renumbered) });
    }
    expect(verifyChain(rest)).toMatchObject({ ok: false, index: 1, problem: "broken_link" });
  });

  it("detects truncation and a rewritten head against an anchor kept elsewhere", () => {
    const records = chain(5);
    const anchor = { seq: 5, hash: records[4]!.hash };
    expect(verifyChain(records.slice(0, 3), { expectedHead: anchor })).toMatchObject({
      ok: false,
      problem: "truncated",
    });
    expect(verifyChain(records, { expectedHead: anchor }).ok).toBe(true);
    expect(verifyChain(records, { expectedHead: { seq: 5, hash: "0".repeat(64) } })).toMatchObject({
      ok: false,
      problem: "changed",
    });
  });

  it("verifies a slice after a known record", () => {
    const records = chain(6);
    const after = { seq: 3, hash: records[2]!.hash };
    expect(verifyChain(records.slice(3), { after })).toMatchObject({ ok: true, count: 3 });
    expect(verifyChain(records.slice(4), { after })).toMatchObject({ ok: false, problem: "removed" });
  });

  it("refuses timestamps that are not UTC", () => {
    expect(() => appendAuditRecord(null, { ...event(0), at: "2026-03-01T09:00:00+01:00" })).toThrow(/UTC/);
  });
});

describe("secret guard", () => {
  it("refuses events that carry secrets under secret-looking keys or as recognisable values", () => {
    const refresh = `dsr_${"A".repeat(43)}`;
    const jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl";
    const cases: Array<[AuditEvent["details"], string]> = [
      [{ password: "hunter2" }, "$.details.password"],
      [{ newPassword: "x" }, "$.details.newPassword"],
      [{ refresh_token: "abc" }, "$.details.refresh_token"],
      [{ clientSecret: "abc" }, "$.details.clientSecret"],
      [{ apiKey: "abc" }, "$.details.apiKey"],
      [{ badgePin: "1234" }, "$.details.badgePin"],
      [{ note: `leaked ${refresh}` }, "$.details.note"],
      [{ nested: [{ value: jwt }] }, "$.details.nested[0].value"],
      [{ header: "Bearer abcdefghijklmnopqrstuvwxyz" }, "$.details.header"],
      [{ stored: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA" }, "$.details.stored"],
      [{ machine: `dsk_kiosk_${"B".repeat(43)}abcdef` }, "$.details.machine"],
    ];
    for (const [details, path] of cases) {
      expect(() => appendAuditRecord(null, { ...event(0), details })).toThrow(AuditSecretError);
      expect(findSecrets({ details })).toContain(path);
    }
  });

  it("accepts metadata about secrets", () => {
    const details = {
      tokenVersion: 3,
      tokenFamilyId: "fam1",
      secretPrefix: "dsk_kiosk_AbCd",
      passwordChangedAt: "2026-03-01T08:00:00.000Z",
      reason: "token_reuse",
      scopes: ["kiosk:operate"],
      shipping: "no",
    };
    expect(findSecrets({ details })).toEqual([]);
    expect(() => appendAuditRecord(null, { ...event(0), details })).not.toThrow();
  });
});
