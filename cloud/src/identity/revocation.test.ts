import { describe, expect, it } from "vitest";
import { revocationDecision, roomsToDisconnect, socketRooms } from "./revocation.js";

const claims = { iat: 1_000, ver: 4 };
const live = { jtiRevoked: false, userTokenVersion: 4, platformEpoch: 0 };

describe("revocationDecision", () => {
  it("accepts a token no layer has revoked", () => {
    expect(revocationDecision(claims, live)).toEqual({ ok: true });
    expect(revocationDecision(claims, { ...live, platformEpoch: 1_000 })).toEqual({ ok: true });
  });

  it("refuses each layer on its own", () => {
    expect(revocationDecision(claims, { ...live, jtiRevoked: true })).toEqual({ ok: false, reason: "token_revoked" });
    expect(revocationDecision(claims, { ...live, userTokenVersion: 5 })).toEqual({ ok: false, reason: "user_revoked" });
    expect(revocationDecision(claims, { ...live, userTokenVersion: null })).toEqual({
      ok: false,
      reason: "user_revoked",
    });
    expect(revocationDecision(claims, { ...live, platformEpoch: 1_001 })).toEqual({
      ok: false,
      reason: "platform_revoked",
    });
  });

  it("never lets one passing layer excuse another (all combinations)", () => {
    for (const jtiRevoked of [false, true]) {
      for (const userTokenVersion of [4, 5, null]) {
        for (const platformEpoch of [0, 2_000]) {
          const decision = revocationDecision(claims, { jtiRevoked, userTokenVersion, platformEpoch });
          const shouldPass = !jtiRevoked && userTokenVersion === 4 && platformEpoch === 0;
          expect(decision.ok).toBe(shouldPass);
        }
      }
    }
  });
});

describe("socket revocation", () => {
  it("maps each layer to the rooms to disconnect", () => {
    expect(socketRooms({ sub: "u1", sid: "f1" })).toEqual(["user:u1", "session:f1"]);
    expect(roomsToDisconnect({ layer: "token", sid: "f1", jti: "j" })).toEqual(["session:f1"]);
    expect(roomsToDisconnect({ layer: "user", sub: "u1" })).toEqual(["user:u1"]);
    expect(roomsToDisconnect({ layer: "platform" })).toBe("all");
  });
});
