import { PROTOCOL_VERSION } from "@desksharing/protocol";
import { io, type Socket } from "socket.io-client";

/**
 * A socket.io client of a test cloud on `namespace`, as an edge or a browser connects (websocket only, no
 * reconnection); kept in `opened` for closing after the test. Resolves once connected; rejects with the refusal's
 * code (or the transport's message).
 */
export function connectSocket<S extends Socket = Socket>(
  cloud: { url: string; caCertificate: string },
  namespace: string,
  token: string,
  opened: Socket[],
): Promise<S> {
  const socket = io(`${cloud.url}${namespace}`, {
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    ca: cloud.caCertificate,
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
  }) as S;
  opened.push(socket);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (error: Error & { data?: { code?: string } }) =>
      reject(new Error(error.data?.code ?? error.message)),
    );
  });
}
