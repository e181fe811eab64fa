// Loaded into the bench's servers only (node --expose-gc --import ./bench/live-gc-probe.mjs):
// on SIGUSR2, collect garbage and print the memory figures, so the bench measures what stays.
process.on("SIGUSR2", () => {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.stdout.write(`LIVE-BENCH-MEMORY ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })}\n`);
});
