/** A listening port is taken; the message names the setting to change. */
export class PortInUseError extends Error {
  override name = "PortInUseError";
  readonly code = "UNAVAILABLE";
  constructor(what: string, host: string, port: number, envName: string) {
    super(`${what} port ${port} on ${host} is already in use: set ${envName} to a free port (0 picks one)`);
  }
}

/** The external MQTT broker cannot be reached or refused the gateway; the message names the setting. */
export class BrokerUnreachableError extends Error {
  override name = "BrokerUnreachableError";
  readonly code = "UNAVAILABLE";
  constructor(url: string, reason: string) {
    super(
      `cannot reach the MQTT broker at ${url}: ${reason} (check DESK_EDGE_MQTT_URL, or unset it for the embedded broker)`,
    );
  }
}

/** Listens on `host:port`, turning EADDRINUSE into a PortInUseError. */
export function listen(
  server: {
    listen(port: number, host: string): unknown;
    once(event: "error" | "listening", fn: (e?: unknown) => void): unknown;
    off(event: "error", fn: (e?: unknown) => void): unknown;
  },
  host: string,
  port: number,
  what: string,
  envName: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error?: unknown): void => {
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      reject(code === "EADDRINUSE" ? new PortInUseError(what, host, port, envName) : (error as Error));
    };
    server.once("error", onError);
    server.once("listening", () => {
      server.off("error", onError);
      resolve();
    });
    server.listen(port, host);
  });
}
