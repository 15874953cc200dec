export {
  DownlinkCache,
  type CachedKioskCredential,
  type CachedPlan,
  type CachedSettings,
  type DownlinkCacheStatus,
  type DownlinkPartStatus,
} from "./cache.js";
export { checkKioskToken, type KioskTokenCheck } from "./kiosk-tokens.js";
export { attachDownlink, type DownlinkOptions, type DownlinkSocket } from "./link.js";
