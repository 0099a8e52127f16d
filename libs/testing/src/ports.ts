import { createServer } from 'node:net';

const handedOut = new Set<number>();

/**
 * A TCP port that was free on 127.0.0.1 a moment ago and that this process has not handed out before: the
 * vitest projects start their brokers and databases at the same time in one process, and the kernel may
 * offer a port just closed by one `freePort` call to the next.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await anyFreePort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

function anyFreePort(): Promise<number> {
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

/**
 * Runs `start` (which picks its ports with {@link freePort}) again, up to three times in all, when it fails
 * because a port was taken between being picked and being bound.
 */
export async function onFreshPortsUntilBound<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const text = String(error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : error);
      if (attempt >= 3 || !/already in use|EADDRINUSE|bind/i.test(text)) throw error;
    }
  }
}
