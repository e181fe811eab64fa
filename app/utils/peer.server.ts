/**
 * Whether a socket's peer is this machine: 127.0.0.0/8, ::1, or either as an IPv4-mapped IPv6
 * address. The socket's own address, never a header (a client writes X-Forwarded-For itself)
 * and never the address the server is bound to (a server bound to 127.0.0.1 behind a reverse
 * proxy on the same machine still serves the whole internet).
 */
export function isLoopbackPeer(address: string | undefined | null): boolean {
  if (!address) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)) return true;
  return address === "::1" || address === "0:0:0:0:0:0:0:1";
}
