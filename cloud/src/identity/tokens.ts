import { randomBytes } from "node:crypto";
import { type JWTHeaderParameters, SignJWT, errors, jwtVerify } from "jose";
import { z } from "zod";
import { type Scope, formatScopes, parseScopes } from "./scopes.js";
import { SIGNING_ALGORITHM, type SigningKeyRing } from "./signing-keys.js";

/** RFC 9068: the media type of an OAuth access token in JWT form; an ID token (`JWT`) is not one. */
export const ACCESS_TOKEN_TYPE = "at+jwt";

export interface AccessTokenInput {
  sub: string;
  orgId: string;
  scopes: readonly Scope[];
  /** session id: the refresh-token family this access token belongs to */
  sid: string;
  /** the user's token version at issue time; bumping it revokes every token of the user */
  ver: number;
  /** the sites the subject may act on, or "*" for all */
  sites: readonly string[] | "*";
  clientId?: string;
}

export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  exp: number;
  jti: string;
  sid: string;
  ver: number;
  org: string;
  scopes: Scope[];
  sites: string[] | "*";
  clientId: string | null;
}

const PayloadSchema = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
  jti: z.string().min(16),
  sid: z.string().min(1),
  ver: z.number().int().nonnegative(),
  org: z.string().min(1),
  scope: z.string(),
  sites: z.union([z.literal("*"), z.array(z.string())]),
  client_id: z.string().optional(),
});

export type AccessTokenError =
  | "malformed"
  | "alg_not_allowed"
  | "wrong_type"
  | "unknown_key"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_issuer"
  | "wrong_audience"
  | "claim_invalid";

export type VerifyAccessTokenResult = { ok: true; claims: AccessTokenClaims } | { ok: false; code: AccessTokenError };

export interface AccessTokenServiceOptions {
  keys: SigningKeyRing;
  issuer: string;
  audience: string;
  /** About 10 minutes: short enough that the per-user and platform layers rarely matter for long. */
  ttlSeconds?: number;
  clockToleranceSeconds?: number;
}

const REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti", "sid", "ver", "org", "scope", "sites"];

/** Header parameters that point at or carry a key: a token never chooses its own verification key. */
const KEY_CARRYING_HEADERS = ["jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"] as const;

export class AccessTokenService {
  private readonly keys: SigningKeyRing;
  private readonly issuer: string;
  private readonly audience: string;
  readonly ttlSeconds: number;
  private readonly clockToleranceSeconds: number;

  constructor(options: AccessTokenServiceOptions) {
    this.keys = options.keys;
    this.issuer = options.issuer;
    this.audience = options.audience;
    this.ttlSeconds = options.ttlSeconds ?? 600;
    this.clockToleranceSeconds = options.clockToleranceSeconds ?? 5;
  }

  async issue(input: AccessTokenInput, now: Date): Promise<{ token: string; jti: string; expiresAt: Date }> {
    const { kid, key } = await this.keys.signingKey();
    const iat = Math.floor(now.getTime() / 1000);
    const jti = randomBytes(16).toString("base64url");
    const token = await new SignJWT({
      sid: input.sid,
      ver: input.ver,
      org: input.orgId,
      scope: formatScopes(input.scopes),
      sites: input.sites === "*" ? "*" : [...input.sites],
      ...(input.clientId === undefined ? {} : { client_id: input.clientId }),
    })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(input.sub)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .sign(key);
    return { token, jti, expiresAt: new Date((iat + this.ttlSeconds) * 1000) };
  }

  /**
   * Verifies signature, algorithm, type, issuer, audience and lifetime. It does not check revocation: pass the
   * claims to `revocationDecision` with the current jti denylist, user token version and platform epoch.
   */
  async verify(token: string, now: Date): Promise<VerifyAccessTokenResult> {
    try {
      const { payload } = await jwtVerify(token, (header: JWTHeaderParameters) => this.keyFor(header, now), {
        algorithms: [SIGNING_ALGORITHM],
        typ: ACCESS_TOKEN_TYPE,
        issuer: this.issuer,
        audience: this.audience,
        requiredClaims: REQUIRED_CLAIMS,
        clockTolerance: this.clockToleranceSeconds,
        maxTokenAge: this.ttlSeconds + this.clockToleranceSeconds,
        currentDate: now,
      });
      const parsed = PayloadSchema.safeParse(payload);
      if (!parsed.success) return { ok: false, code: "claim_invalid" };
      const claims = parsed.data;
      if (claims.iat > claims.exp || claims.exp - claims.iat > this.ttlSeconds)
        return { ok: false, code: "claim_invalid" };
      return {
        ok: true,
        claims: {
          iss: claims.iss,
          aud: this.audience,
          sub: claims.sub,
          iat: claims.iat,
          exp: claims.exp,
          jti: claims.jti,
          sid: claims.sid,
          ver: claims.ver,
          org: claims.org,
          scopes: parseScopes(claims.scope),
          sites: claims.sites,
          clientId: claims.client_id ?? null,
        },
      };
    } catch (error) {
      return { ok: false, code: classify(error) };
    }
  }

  private async keyFor(header: JWTHeaderParameters, now: Date) {
    if (KEY_CARRYING_HEADERS.some((name) => header[name] !== undefined)) {
      throw new errors.JWSInvalid("key-carrying header parameters are not accepted");
    }
    const key = header.kid === undefined ? undefined : await this.keys.verificationKey(header.kid, now);
    if (!key) throw new errors.JWKSNoMatchingKey();
    return key;
  }
}

function classify(error: unknown): AccessTokenError {
  if (error instanceof errors.JOSEAlgNotAllowed) return "alg_not_allowed";
  if (error instanceof errors.JWKSNoMatchingKey) return "unknown_key";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "bad_signature";
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "typ":
        return "wrong_type";
      case "iss":
        return "wrong_issuer";
      case "aud":
        return "wrong_audience";
      case "nbf":
        return "not_yet_valid";
      case "iat":
        return error.reason === "check_failed" ? "not_yet_valid" : "claim_invalid";
      default:
        return "claim_invalid";
    }
  }
  return "malformed";
}
