import pg from 'pg';

/** Told of a connection that failed outside any query (the database restarted, the network dropped it). */
export type ConnectionErrorListener = (error: Error) => void;

/** Options of {@link createPool}. */
export type PoolOptions = pg.PoolConfig & Readonly<{ connectionString: string; onConnectionError?: ConnectionErrorListener }>;

/**
 * The one way the platform opens a pool of PostgreSQL connections. node-postgres emits `'error'` on a pool for an
 * idle connection that dies and on a client for a checked-out connection that dies between queries (a database
 * restart, a CloudNativePG switchover): with no listener, Node ends the process. Here every pool and every
 * connection it makes has one, so a dead connection is logged and dropped (the pool opens a new one on the next
 * query, and the query that was running fails with the error), and the service stays up and reconnects by itself.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const { onConnectionError = ignore, ...config } = options;
  const pool = new pg.Pool(config);
  pool.on('error', onConnectionError);
  pool.on('connect', (client) => client.on('error', onConnectionError));
  return pool;
}

/**
 * The one way the platform opens a single PostgreSQL connection (a lock holder, LISTEN, the relay's cursor): with
 * its error listener, as {@link createPool}'s connections, so its death fails its work instead of the process.
 */
export function createClient(connectionString: string, onConnectionError: ConnectionErrorListener = ignore): pg.Client {
  const client = new pg.Client({ connectionString });
  client.on('error', onConnectionError);
  return client;
}

// The query in progress fails with the error anyway; the listener only keeps Node from ending the process.
const ignore: ConnectionErrorListener = () => undefined;
