/** The phone's tabs tell each other it is being wiped on the BroadcastChannel "testigo-wipe". */
export type WipeMessage = { kind: "signOut" } | { kind: "quickExit"; to: string };
