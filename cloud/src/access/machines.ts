import type { MachineCredential, MachineCredentialCreate } from "@desksharing/protocol";

import type { Repositories } from "../db/repositories/index.js";
import {
  generateMachineSecret,
  hashMachineSecret,
  machineCredentialDecision,
  shouldRecordUse,
  type MachineCredentialRecord,
} from "../identity/machine-secrets.js";
import { MACHINE_DEFAULT_SCOPES, validateMachineScopes, type Principal } from "../identity/scopes.js";
import { reachOf, subjectOfActor, type Actor, type Disconnect } from "./accounts.js";
import type { AuditTrail } from "./audit-trail.js";

export function machineCredentialOf(record: MachineCredentialRecord): MachineCredential {
  return {
    id: record.id,
    siteId: record.siteId,
    kind: record.kind,
    name: record.name,
    scopes: [...record.scopes],
    hint: record.hint,
    createdBy: record.createdBy,
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt?.toISOString() ?? null,
    revokedAt: record.revokedAt?.toISOString() ?? null,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
  };
}

/** A credential was created or revoked (stored and audited). */
export interface MachineCredentialChange {
  orgId: string;
  siteId: string;
  kind: MachineCredentialRecord["kind"];
  id: string;
}

export type RevokeMachineResult =
  { ok: true; credential: MachineCredential } | { ok: false; code: "not_found" | "site_not_allowed" };

/** Machines are bound to one site, so an actor limited to some sites manages only the machines of those. */
function inReach(actor: Actor, siteId: string): boolean {
  const reach = reachOf(actor);
  return reach === "all" || reach.includes(siteId);
}

export type CreateMachineResult =
  | { ok: true; credential: MachineCredential; secret: string }
  | { ok: false; code: "unknown_site" | "expiry_in_past" }
  | { ok: false; code: "scope_not_allowed"; notAllowed: string[] };

/** Credentials of gateways, kiosks and integrations: one site, chosen scopes, optional expiry, shown once. */
export class MachineCredentials {
  private readonly listeners: ((change: MachineCredentialChange) => void)[] = [];

  constructor(
    private readonly repos: Repositories,
    private readonly audit: AuditTrail,
    private readonly disconnect: Disconnect,
  ) {}

  /** The downlink tells a site's gateways about its kiosk credentials through this. */
  onChange(listener: (change: MachineCredentialChange) => void): void {
    this.listeners.push(listener);
  }

  private changed(change: MachineCredentialChange): void {
    for (const listener of this.listeners) listener(change);
  }

  async create(orgId: string, input: MachineCredentialCreate, actor: string, now: Date): Promise<CreateMachineResult> {
    const scopes = validateMachineScopes(input.kind, input.scopes ?? MACHINE_DEFAULT_SCOPES[input.kind]);
    if (!scopes.ok) return { ok: false, code: scopes.code, notAllowed: scopes.notAllowed };
    const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
    if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) return { ok: false, code: "expiry_in_past" };
    const { secret, hash, hint } = generateMachineSecret(input.kind);
    const record = await this.repos.machineCredentials.create(
      orgId,
      {
        siteId: input.siteId,
        kind: input.kind,
        name: input.name,
        scopes: scopes.scopes,
        hash,
        hint,
        createdBy: actor,
        expiresAt,
      },
      now,
    );
    if (!record) return { ok: false, code: "unknown_site" };
    await this.audit.record({
      at: now,
      action: "machine_credential_create",
      actor,
      orgId,
      target: `machine:${record.id}`,
      outcome: "success",
      details: {
        kind: record.kind,
        siteId: record.siteId,
        scopes: record.scopes,
        expiresAt: expiresAt?.toISOString() ?? null,
      },
    });
    this.changed({ orgId, siteId: record.siteId, kind: record.kind, id: record.id });
    return { ok: true, credential: machineCredentialOf(record), secret };
  }

  /** The credentials of the sites the viewer may see. */
  async list(orgId: string, viewer: Actor): Promise<MachineCredential[]> {
    const records = await this.repos.machineCredentials.list(orgId);
    return records.filter((record) => inReach(viewer, record.siteId)).map(machineCredentialOf);
  }

  async revoke(orgId: string, id: string, by: Actor, now: Date): Promise<RevokeMachineResult> {
    const known = await this.repos.machineCredentials.get(orgId, id);
    if (!known) return { ok: false, code: "not_found" };
    if (!inReach(by, known.siteId)) return { ok: false, code: "site_not_allowed" };
    const actor = subjectOfActor(by);
    await this.repos.machineCredentials.revoke(orgId, id, now);
    this.disconnect([`machine:${id}`]);
    await this.audit.record({
      at: now,
      action: "machine_credential_revoke",
      actor,
      orgId,
      target: `machine:${id}`,
      outcome: "success",
    });
    this.changed({ orgId, siteId: known.siteId, kind: known.kind, id });
    // The repository keeps the first revocation time of a credential revoked twice.
    return { ok: true, credential: machineCredentialOf({ ...known, revokedAt: known.revokedAt ?? now }) };
  }

  async authenticate(secret: string, now: Date): Promise<Principal | null> {
    const hash = hashMachineSecret(secret);
    const record = hash === null ? null : await this.repos.machineCredentials.byHash(hash);
    const decision = machineCredentialDecision(secret, record, now);
    if (!decision.ok) return null;
    if (shouldRecordUse(record!.lastUsedAt, now)) await this.repos.machineCredentials.recordUse(record!.id, now);
    return decision.principal;
  }
}
