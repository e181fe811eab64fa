/**
 * How many connections each pool of one server process opens when the environment does not say
 * (app/db/client.server.ts). With WEB_CONCURRENCY, the sizes left unset are shared out over the
 * workers (app/utils/workers.server.ts), so more processes do not multiply the connections.
 */
export const POOL_DEFAULTS = { DATABASE_POOL_SIZE: 10, DATABASE_READ_POOL_SIZE: 10, DATABASE_SYSTEM_POOL_SIZE: 4 } as const;
