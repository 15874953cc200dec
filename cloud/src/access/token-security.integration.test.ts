import { createHmac, randomBytes } from "node:crypto";

import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Jwks } from "@desksharing/protocol";

import { ROLE_SCOPES } from "../identity/scopes.js";
import { SigningKeyRing } from "../identity/signing-keys.js";
import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";
import { masterKeyRing } from "./index.js";

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Every check of an access token, over HTTP against the running server. */
describe.each(PROVIDERS_UNDER_TEST)("access-token checks on %s", (provider) => {
  let t: TestCloud;
  let key: { kid: string; key: CryptoKey };
  let claims: Record<string, unknown>;

  const status = async (token: string): Promise<number> => (await t.admin.as(token).get("/api/v1/me")).status;

  /** A token signed with the cloud's real current key, with any header and claims the test wants. */
  const signed = (payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> =>
    new SignJWT(payload).setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: key.kid, ...header }).sign(key.key);

  beforeAll(async () => {
    t = await startTestCloud(provider);
    const ring = await SigningKeyRing.open(
      { store: t.cloud.repos.signingKeys, masterKeys: await masterKeyRing(t.cloud.config), retiredKeyGraceMs: 605_000 },
      new Date(),
    );
    key = await ring.signingKey();
    const real = JSON.parse(Buffer.from(t.admin.token!.split(".")[1]!, "base64url").toString()) as Record<
      string,
      unknown
    >;
    const now = Math.floor(Date.now() / 1000);
    claims = { ...real, iat: now, exp: now + 600, jti: randomBytes(16).toString("base64url") };
  });
  afterAll(() => t?.stop());

  it("accepts a token made the right way (so the refusals below are about the one thing changed)", async () => {
    expect(await status(await signed(claims))).toBe(200);
    expect(await status(t.admin.token!)).toBe(200);
  });

  it("refuses alg none and HS256 signed with the public key", async () => {
    const none = `${b64({ alg: "none", typ: "at+jwt", kid: key.kid })}.${b64(claims)}.`;
    expect(await status(none)).toBe(401);
    const jwks = (await t.admin.as(null).get("/.well-known/jwks.json")).json as Jwks;
    const publicJwk = jwks.keys.find((candidate) => candidate.kid === key.kid)!;
    for (const secret of [JSON.stringify(publicJwk), Buffer.from(publicJwk.x, "base64url")]) {
      const input = `${b64({ alg: "HS256", typ: "at+jwt", kid: key.kid })}.${b64(claims)}`;
      const mac = createHmac("sha256", secret).update(input).digest("base64url");
      expect(await status(`${input}.${mac}`)).toBe(401);
    }
  });

  it("refuses expired, not yet valid and over-long tokens", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await status(await signed({ ...claims, iat: now - 1200, exp: now - 600 }))).toBe(401);
    expect(await status(await signed({ ...claims, iat: now + 3600, exp: now + 4200 }))).toBe(401);
    expect(await status(await signed({ ...claims, exp: now + 86_400 }))).toBe(401);
    const expired = await t.cloud.access.signing.issue(
      {
        sub: String(claims.sub),
        orgId: String(claims.org),
        scopes: ROLE_SCOPES.admin,
        sid: String(claims.sid),
        ver: 0,
        sites: "*",
      },
      new Date(Date.now() - 11 * 60_000),
    );
    expect(await status(expired.token)).toBe(401);
  });

  it("refuses a wrong audience, issuer or type (an ID token is not an access token)", async () => {
    expect(await status(await signed({ ...claims, aud: "urn:someone-else" }))).toBe(401);
    expect(await status(await signed({ ...claims, iss: "https://evil.example" }))).toBe(401);
    expect(await status(await signed(claims, { typ: "JWT" }))).toBe(401);
    expect(await status(await signed(claims, { typ: undefined }))).toBe(401);
    const idTokenLike = { ...claims, nonce: "n-0S6_WzA2Mj", auth_time: claims.iat, azp: "console" };
    expect(await status(await signed(idTokenLike, { typ: "JWT" }))).toBe(401);
  });

  it("refuses an unknown key id, a foreign key and a key the token brings along", async () => {
    const foreign = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const foreignToken = (kid: string, extra: Record<string, unknown> = {}) =>
      new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid, ...extra }).sign(foreign.privateKey);
    expect(await status(await foreignToken("unknown-kid"))).toBe(401);
    expect(await status(await foreignToken(key.kid))).toBe(401);
    const jwk = await exportJWK(foreign.publicKey);
    expect(await status(await foreignToken("unknown-kid", { jwk }))).toBe(401);
    expect(await status(await signed(claims, { kid: undefined }))).toBe(401);
  });

  it("refuses a tampered payload and a missing claim", async () => {
    const employee = await t.clientWith(["sites:read"]);
    const [header, payload, signature] = employee.token!.split(".");
    const escalated = {
      ...(JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>),
      scope: ROLE_SCOPES.admin.join(" "),
    };
    expect(await status(`${header}.${b64(escalated)}.${signature}`)).toBe(401);
    const withoutJti: Record<string, unknown> = { ...claims };
    delete withoutJti.jti;
    expect(await status(await signed(withoutJti))).toBe(401);
    expect(await status(await signed({ ...claims, ver: 7 }))).toBe(401);
    expect(await status(await signed({ ...claims, org: "another-organisation" }))).toBe(401);
  });
});
