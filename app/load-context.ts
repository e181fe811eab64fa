import "@remix-run/node";

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** Per-request CSP nonce for the scripts we render. */
    cspNonce: string;
    /** Vite's HMR websocket port in development, for the CSP. */
    hmrPort?: number;
    /** A keyed hash of the client's address, for rate limits only; the address itself never enters the app. */
    clientKey: string;
    /** The request came over a socket from this machine (app/utils/peer.server.ts); never from a header. */
    loopbackPeer?: boolean;
    /** This request's context (app/modules/auth/guards.server.ts), filled on first use. */
    requestScope?: import("./modules/auth/guards.server").RequestScope;
  }
}

export {};
