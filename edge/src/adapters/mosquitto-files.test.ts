import { describe, expect, it } from "vitest";

import {
  mosquittoAclFile,
  mosquittoPasswordFile,
  mosquittoPasswordHash,
  parseMosquittoPasswordFile,
} from "./mosquitto-files.js";

/** `mosquitto_passwd -c -b file alice secret123` of Mosquitto 2.0.11. */
const MOSQUITTO_PASSWD_LINE =
  "alice:$7$101$W66Alm3PRePSg7Mw$Ykm1EE4+4KOuNeH+2Hjg+r3wkQstjFSWuD2v7s2qQ9+Do4Ag2zJBYrPi+5C3YSMU108mwsSbvjjjyCwje46qMw==";

describe("Mosquitto password file", () => {
  it("hashes as mosquitto_passwd does", () => {
    const [, hash] = MOSQUITTO_PASSWD_LINE.split(":");
    const salt = Buffer.from(hash?.split("$")[3] ?? "", "base64");
    expect(mosquittoPasswordHash("secret123", salt)).toBe(hash);
  });

  it("draws a fresh 12-byte salt for every hash", () => {
    const first = mosquittoPasswordHash("secret123");
    const second = mosquittoPasswordHash("secret123");
    expect(first).not.toBe(second);
    const [, type, iterations, salt, hash] = first.split("$");
    expect([type, iterations]).toEqual(["7", "101"]);
    expect(Buffer.from(salt ?? "", "base64")).toHaveLength(12);
    expect(Buffer.from(hash ?? "", "base64")).toHaveLength(64);
  });

  it("writes one line per user and reads back only well-formed $7$ lines", () => {
    const alice = MOSQUITTO_PASSWD_LINE.slice("alice:".length);
    const text = mosquittoPasswordFile("hq", [
      { username: "alice", hash: alice },
      { username: "pir-1", hash: mosquittoPasswordHash("pw") },
    ]);
    expect(text.split("\n")[0]).toMatch(/^# /);
    expect(text.split("\n").filter((line) => !line.startsWith("#") && line !== "")).toHaveLength(2);
    const parsed = parseMosquittoPasswordFile(`${text}bob:$6$c2FsdA==$aGFzaA==\ncut:$7$101$W66Alm3P\n`);
    expect([...parsed.keys()]).toEqual(["alice", "pir-1"]);
    expect(parsed.get("alice")).toBe(alice);
  });
});

describe("Mosquitto ACL file", () => {
  it("lets the gateway read every device, the observer read the site, each device write its own topics", () => {
    expect(mosquittoAclFile("hq", { gateway: "desk-edge-hq", observer: "edge-observer", devices: ["pir-1", "cnt-1"] }))
      .toBe(`# Mosquitto ACL file of site hq, rewritten by the edge's provisioning: do not edit.
user desk-edge-hq
topic read desksharing/v1/hq/devices/+/+
user edge-observer
topic read desksharing/v1/hq/#
user pir-1
topic write desksharing/v1/hq/devices/pir-1/state
topic write desksharing/v1/hq/devices/pir-1/status
user cnt-1
topic write desksharing/v1/hq/devices/cnt-1/state
topic write desksharing/v1/hq/devices/cnt-1/status
`);
  });
});
