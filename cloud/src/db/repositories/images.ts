import { createHash } from "node:crypto";

import type { FloorImage } from "@desksharing/protocol";

import type { ImageType } from "../../domain/image.js";
import type { Db } from "../database.js";

type ImageRow = Omit<NonNullable<Awaited<ReturnType<Db["floorImage"]["findFirst"]>>>, "data">;

const META = { id: true, floorId: true, contentType: true, size: true, sha256: true, createdAt: true } as const;

function toImage(row: Pick<ImageRow, keyof typeof META>): FloorImage {
  return {
    id: row.id,
    floorId: row.floorId,
    contentType: row.contentType as ImageType,
    size: row.size,
    sha256: row.sha256,
    createdAt: row.createdAt.toISOString(),
  };
}

export function imageRepository(db: Db) {
  return {
    async create(
      orgId: string,
      floorId: string,
      image: { contentType: ImageType; data: Uint8Array },
      actor: string,
    ): Promise<FloorImage | null> {
      const floor = await db.floor.findFirst({ where: { orgId, id: floorId }, select: { id: true } });
      if (!floor) return null;
      const row = await db.floorImage.create({
        data: {
          orgId,
          floorId,
          contentType: image.contentType,
          size: image.data.byteLength,
          sha256: createHash("sha256").update(image.data).digest("hex"),
          data: new Uint8Array(image.data),
          createdBy: actor,
        },
        select: META,
      });
      return toImage(row);
    },

    async list(orgId: string, floorId: string): Promise<FloorImage[] | null> {
      const floor = await db.floor.findFirst({ where: { orgId, id: floorId }, select: { id: true } });
      if (!floor) return null;
      const rows = await db.floorImage.findMany({
        where: { orgId, floorId },
        select: META,
        orderBy: { createdAt: "asc" },
      });
      return rows.map(toImage);
    },

    async content(
      orgId: string,
      imageId: string,
    ): Promise<{ contentType: string; data: Uint8Array; siteId: string } | null> {
      const row = await db.floorImage.findFirst({
        where: { orgId, id: imageId },
        select: { contentType: true, data: true, floor: { select: { siteId: true } } },
      });
      return row && { contentType: row.contentType, data: row.data, siteId: row.floor.siteId };
    },
  };
}
export type ImageRepository = ReturnType<typeof imageRepository>;
