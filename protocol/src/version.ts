/** Wire protocol version, sent in socket.io handshakes; a mismatch is refused with CLIENT_TOO_OLD / SERVER_TOO_OLD. */
export const PROTOCOL_VERSION = 1;
