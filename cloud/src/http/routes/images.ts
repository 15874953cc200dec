import { ERROR_CODES, FloorImage } from "@desksharing/protocol";

import { IMAGE_TYPES, sniffImageType } from "../../domain/image.js";
import { ApiError, notFound } from "../errors.js";
import { defineRoute, type AnyRoute } from "../route.js";
import { subjectOf } from "../../identity/scopes.js";
import { requireSite } from "../site-access.js";
import { API, FloorParams, floorInReach, ImageParams, listOf, type RouteDeps } from "./common.js";

export function imageRoutes({ repos }: RouteDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "post",
      path: `${API}/floors/:floorId/images`,
      operationId: "uploadFloorImage",
      summary: "Upload a background image (PNG, JPEG or WebP; the bytes must match the declared type)",
      tag: "images",
      scope: "plans:write",
      params: FloorParams,
      body: { kind: "image" },
      response: { kind: "json", status: 201, schema: FloorImage, description: "The stored image" },
      handler: async ({ principal, params, body }) => {
        await floorInReach(repos, principal, params.floorId);
        const sniffed = sniffImageType(body);
        if (sniffed === null) {
          throw new ApiError(ERROR_CODES.UNSUPPORTED_MEDIA_TYPE, `the file is not a ${IMAGE_TYPES.join(", ")} image`);
        }
        const image = await repos.images.create(
          principal.orgId,
          params.floorId,
          { contentType: sniffed, data: body },
          subjectOf(principal),
        );
        if (!image) throw notFound("floor");
        return { status: 201, body: image };
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/floors/:floorId/images`,
      operationId: "listFloorImages",
      summary: "Background images of a floor",
      tag: "images",
      scope: "plans:read",
      params: FloorParams,
      response: { kind: "json", status: 200, schema: listOf(FloorImage), description: "The images" },
      handler: async ({ principal, params }) => {
        await floorInReach(repos, principal, params.floorId);
        const images = await repos.images.list(principal.orgId, params.floorId);
        if (!images) throw notFound("floor");
        return { status: 200, body: { items: images } };
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/images/:imageId`,
      operationId: "getFloorImage",
      summary: "The image's bytes",
      tag: "images",
      scope: "plans:read",
      params: ImageParams,
      response: { kind: "binary", status: 200, contentTypes: IMAGE_TYPES, description: "The image" },
      handler: async ({ principal, params }) => {
        const image = await repos.images.content(principal.orgId, params.imageId);
        if (!image) throw notFound("image");
        requireSite(principal, image.siteId);
        return { status: 200, binary: image.data, contentType: image.contentType };
      },
    }),
  ];
}
