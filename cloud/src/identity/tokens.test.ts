import { SignJWT, generateKeyPair, exportJWK } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { createMasterKeyRing, generateMasterKey } from "../crypto/master-key.js";
import { ROLE_SCOPES } from "./scopes.js";
import { InMemorySigningKeyStore, SigningKeyRing } from "./signing-keys.js";
import { AccessTokenService, type AccessTokenInput } from "./tokens.js";

const ISSUER = "https://desk.example.test";
const AUDIENCE = "desksharing-api";
const t0 = new Date("2026-03-01T08:00:00Z");
const seconds = (s: number) => new Date(t0.getTime() + s * 1000);
const input: AccessTokenInput = {
  sub: "u1",
  orgId: "org1",
  scopes: ROLE_SCOPES.employee,
  sid: "fam1",
  ver: 3,
  sites: ["hq"],
};

let ring: SigningKeyRing;
let service: AccessTokenService;

beforeEach(async () => {
  ring = await SigningKeyRing.open(
    {
      store: new InMemorySigningKeyStore(),
      masterKeys: createMasterKeyRing([generateMasterKey()]),
      retiredKeyGraceMs: 15 * 60_000,
    },
    t0,
  );
  service = new AccessTokenService({ keys: ring, issuer: ISSUER, audience: AUDIENCE });
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
}

/** Signs arbitrary header and claims with the ring's real current key. */
async function signWithRing(header: Record<string, unknown>, claims: Record<string, unknown>) {
  const { kid, key } = await ring.signingKey();
  return new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid, ...header }).sign(key);
}

async function validClaims() {
  return payloadOf((await service.issue(input, t0)).token);
}

describe("access tokens", () => {
  it("carry iss, aud, sub, jti, scope, sid, ver and org, typ at+jwt and a 10 minute lifetime", async () => {
    const { token, expiresAt } = await service.issue({ ...input, clientId: "web" }, t0);
    const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as Record<
      string,
      unknown
    >;
    expect(header).toMatchObject({ alg: "EdDSA", typ: "at+jwt", kid: (await ring.signingKey()).kid });
    expect(expiresAt).toEqual(seconds(600));
    const verified = await service.verify(token, seconds(30));
    expect(verified).toMatchObject({
      ok: true,
      claims: {
        iss: ISSUER,
        aud: AUDIENCE,
        sub: "u1",
        sid: "fam1",
        ver: 3,
        org: "org1",
        sites: ["hq"],
        clientId: "web",
      },
    });
    if (verified.ok) expect([...verified.claims.scopes].sort()).toEqual([...ROLE_SCOPES.employee].sort());
    expect(payloadOf(token).scope).toBe([...ROLE_SCOPES.employee].sort().join(" "));
  });

  it("get a fresh jti each time", async () => {
    expect((await service.issue(input, t0)).jti).not.toBe((await service.issue(input, t0)).jti);
  });
});

describe("security: refused tokens", () => {
  it("refuses alg: none", async () => {
    const { kid } = await ring.signingKey();
    const token = `${b64({ alg: "none", typ: "at+jwt", kid })}.${b64(await validClaims())}.`;
    expect(await service.verify(token, t0)).toEqual({ ok: false, code: "alg_not_allowed" });
  });

  it("refuses HS256 signed with the public key as the HMAC secret", async () => {
    const publicJwk = ring.jwks(t0).keys[0]!;
    for (const secret of [JSON.stringify(publicJwk), publicJwk.x ?? "", JSON.stringify(ring.jwks(t0))]) {
      const token = await new SignJWT(await validClaims())
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: publicJwk.kid })
        .sign(new TextEncoder().encode(secret));
      expect(await service.verify(token, t0)).toEqual({ ok: false, code: "alg_not_allowed" });
    }
  });

  it("refuses an expired token", async () => {
    const { token } = await service.issue(input, t0);
    expect((await service.verify(token, seconds(604))).ok).toBe(true);
    expect(await service.verify(token, seconds(606))).toEqual({ ok: false, code: "expired" });
  });

  it("refuses a token issued in the future", async () => {
    const { token } = await service.issue(input, seconds(60));
    expect(await service.verify(token, t0)).toEqual({ ok: false, code: "not_yet_valid" });
  });

  it("refuses a wrong audience and a wrong issuer", async () => {
    const otherAudience = new AccessTokenService({ keys: ring, issuer: ISSUER, audience: "another-api" });
    expect(await service.verify((await otherAudience.issue(input, t0)).token, t0)).toEqual({
      ok: false,
      code: "wrong_audience",
    });
    const otherIssuer = new AccessTokenService({ keys: ring, issuer: "https://evil.test", audience: AUDIENCE });
    expect(await service.verify((await otherIssuer.issue(input, t0)).token, t0)).toEqual({
      ok: false,
      code: "wrong_issuer",
    });
  });

  it("refuses an ID token (typ JWT) and a token without typ", async () => {
    const claims = await validClaims();
    expect(await service.verify(await signWithRing({ typ: "JWT" }, claims), t0)).toEqual({
      ok: false,
      code: "wrong_type",
    });
    expect(await service.verify(await signWithRing({}, claims), t0)).toEqual({ ok: false, code: "wrong_type" });
  });

  it("refuses an unknown key id and a token without one", async () => {
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const claims = await validClaims();
    const unknown = await new SignJWT(claims)
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: "nope" })
      .sign(privateKey);
    expect(await service.verify(unknown, t0)).toEqual({ ok: false, code: "unknown_key" });
    const noKid = await new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", typ: "at+jwt" }).sign(privateKey);
    expect(await service.verify(noKid, t0)).toEqual({ ok: false, code: "unknown_key" });
  });

  it("refuses a signature by another Ed25519 key under our key id", async () => {
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const { kid } = await ring.signingKey();
    const forged = await new SignJWT(await validClaims())
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid })
      .sign(privateKey);
    expect(await service.verify(forged, t0)).toEqual({ ok: false, code: "bad_signature" });
  });

  it("refuses a token that brings its own key in the header", async () => {
    const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const { kid } = await ring.signingKey();
    const jwk = await exportJWK(publicKey);
    const token = await new SignJWT(await validClaims())
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid, jwk })
      .sign(privateKey);
    expect(await service.verify(token, t0)).toEqual({ ok: false, code: "malformed" });
  });

  it("refuses a tampered payload", async () => {
    const { token } = await service.issue(input, t0);
    const [header, , signature] = token.split(".");
    const escalated = { ...payloadOf(token), scope: [...ROLE_SCOPES.admin].sort().join(" ") };
    expect(await service.verify(`${header}.${b64(escalated)}.${signature}`, t0)).toEqual({
      ok: false,
      code: "bad_signature",
    });
  });

  it("refuses tokens missing a required claim or living longer than the access-token lifetime", async () => {
    const { sid: _sid, ...withoutSid } = await validClaims();
    expect(await service.verify(await signWithRing({ typ: "at+jwt" }, withoutSid), t0)).toEqual({
      ok: false,
      code: "claim_invalid",
    });
    const longLived = { ...(await validClaims()), exp: Math.floor(t0.getTime() / 1000) + 86_400 };
    expect(await service.verify(await signWithRing({ typ: "at+jwt" }, longLived), t0)).toEqual({
      ok: false,
      code: "claim_invalid",
    });
  });

  it("refuses garbage", async () => {
    for (const token of ["", "abc", "a.b.c", `${b64({ alg: "EdDSA" })}.e30`]) {
      expect((await service.verify(token, t0)).ok).toBe(false);
    }
  });
});

describe("key rotation", () => {
  it("publishes current and next, public parts only", () => {
    const jwks = ring.jwks(t0);
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x"]);
      expect(key).toMatchObject({ alg: "EdDSA", use: "sig", crv: "Ed25519" });
    }
  });

  it("signs with the published next key after a rotation and keeps verifying old tokens until they expire", async () => {
    const old = await service.issue(input, t0);
    const nextKid = ring.jwks(t0).keys[1]!.kid;
    await ring.rotate(seconds(60));
    expect((await ring.signingKey()).kid).toBe(nextKid);
    expect(ring.jwks(seconds(60)).keys.map((k) => k.kid)).toContain(payloadKid(old.token));
    expect((await service.verify(old.token, seconds(120))).ok).toBe(true);
    const fresh = await service.issue(input, seconds(60));
    expect((await service.verify(fresh.token, seconds(120))).ok).toBe(true);
    await ring.rotate(seconds(60 + 16 * 60));
    expect(ring.jwks(seconds(60 + 16 * 60)).keys.map((k) => k.kid)).not.toContain(payloadKid(old.token));
  });

  it("drops every old key on an emergency rotation", async () => {
    const old = await service.issue(input, t0);
    await ring.emergencyRotate(seconds(10));
    expect(await service.verify(old.token, seconds(20))).toEqual({ ok: false, code: "unknown_key" });
    expect((await service.verify((await service.issue(input, seconds(20))).token, seconds(30))).ok).toBe(true);
  });
});

function payloadKid(token: string): string {
  return (JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as { kid: string }).kid;
}
