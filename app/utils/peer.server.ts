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

/**
 * The network a client address stands for, for rate limits (security review, finding 6): an IPv4
 * address as it is; an IPv6 address by its /64, since one subscriber holds a whole /64 and could
 * otherwise spread requests over billions of addresses. IPv4-mapped addresses count as IPv4.
 */
export function clientNetwork(address: string | undefined | null): string {
  if (!address) return "";
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "").toLowerCase();
  if (bare.startsWith("::ffff:") && /^\d{1,3}(\.\d{1,3}){3}$/.test(bare.slice(7))) return bare.slice(7);
  if (!bare.includes(":")) return bare;
  const [head = "", tail = ""] = bare.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  if (right.length && right[right.length - 1]!.includes(".")) right.splice(-1, 1, "0", "0"); // embedded IPv4: host bits
  const groups = bare.includes("::") ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (g || "0").replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
