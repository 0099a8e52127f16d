import { createServer } from 'node:net';

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A whole-platform test's port offset: its own `base` plus `VARDE_TEST_PORT_OFFSET`, so several checkouts
 * can run their end-to-end tests on one machine at once.
 */
export function platformPortOffset(base: number): number {
  return base + Number(process.env.VARDE_TEST_PORT_OFFSET ?? 0);
}
