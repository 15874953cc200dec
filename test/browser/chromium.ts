import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`); `npx playwright install` cannot work on our machines. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Headless Chromium as our tests and benchmarks use it. The background-networking flags keep it from calling home:
 * on a machine without internet those connections are refused, many at a time.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
}
