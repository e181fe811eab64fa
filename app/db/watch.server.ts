import pg from "pg";

export interface ChannelWatch {
  /** True while the LISTEN connection is up: only then can a cache trust that it hears every change. */
  readonly listening: boolean;
  stop(): Promise<void>;
}

/**
 * LISTENs on `channel` over a connection of its own (a session, never a transaction-pooled one),
 * reconnecting with backoff. `onChange` runs for every notification, and whenever the connection
 * is lost or made again: changes may have been missed meanwhile. By default as the requests'
 * login: LISTEN needs no privilege.
 */
export function watchChannel(channel: string, onChange: () => void, databaseUrl = process.env.DATABASE_APP_URL ?? process.env.DATABASE_URL): ChannelWatch {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Not a channel name: ${channel}`);
  let client: pg.Client | null = null;
  let listening = false;
  let stopped = false;
  let delay = 250;
  let timer: NodeJS.Timeout | undefined;

  const retry = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay * (0.5 + Math.random() / 2));
    timer.unref();
    delay = Math.min(30_000, delay * 2);
  };

  async function connect() {
    const candidate = new pg.Client({ connectionString: databaseUrl, application_name: `testigo_watch_${channel}`, keepAlive: true });
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      if (client === candidate) client = null;
      listening = false;
      onChange();
      candidate.end().catch(() => {});
      retry();
    };
    candidate.on("error", onLost);
    candidate.on("end", onLost);
    candidate.on("notification", (message) => {
      if (message.channel === channel) onChange();
    });
    try {
      if (!databaseUrl) throw new Error("DATABASE_URL is not set");
      await candidate.connect();
      await candidate.query(`listen ${channel}`);
      if (stopped || lost) {
        await candidate.end().catch(() => {});
        return;
      }
      client = candidate;
      listening = true;
      delay = 250;
      onChange();
    } catch {
      onLost();
    }
  }

  void connect();
  return {
    get listening() {
      return listening;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      listening = false;
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
