/** Where the e2e server keeps its data: one folder per port, so runs on other ports never collide. */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
export const E2E_DATA_DIR = E2E_PORT === 3100 ? ".data/e2e" : `.data/e2e-${E2E_PORT}`;
