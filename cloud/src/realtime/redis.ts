import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import type { Server } from "socket.io";

/**
 * Several cloud instances behind one address share their socket.io rooms through Redis, so a plan published on one
 * instance reaches browsers and gateways connected to another (DESIGN §6). A Redis that cannot be reached at start
 * fails the start; one that goes away later is retried.
 */
export async function attachRedisAdapter(
  io: Server,
  url: string,
  onError: (error: Error) => void,
): Promise<() => Promise<void>> {
  let started = false;
  const options = {
    url,
    socket: {
      connectTimeout: 5_000,
      reconnectStrategy: (retries: number, cause: Error) => (started ? Math.min(100 * 2 ** retries, 5_000) : cause),
    },
  };
  const pub = createClient(options);
  const sub = createClient(options);
  pub.on("error", onError);
  sub.on("error", onError);
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (error) {
    pub.destroy();
    sub.destroy();
    throw error;
  }
  started = true;
  io.adapter(createAdapter(pub, sub, { key: "desk-cloud" }));
  return async () => {
    await Promise.all([pub.quit(), sub.quit()]);
  };
}
