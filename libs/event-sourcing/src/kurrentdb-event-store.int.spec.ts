import { describe } from 'vitest';
import { eventStoreContract } from './event-store.contract';
import { createKurrentDBEventStore } from './kurrentdb-event-store';

// The one test suite allowed to skip: no KurrentDB server runs on the project's own machines. It says so loudly.
const url = process.env.KURRENTDB_URL;
const NOT_RUN = 'KurrentDB contract NOT RUN: set KURRENTDB_URL=kurrentdb://host:2113?tls=false to run it';
if (!url) console.warn(NOT_RUN);

describe.skipIf(!url)(url ? `KurrentDB at ${url}` : NOT_RUN, () => {
  eventStoreContract('KurrentDB', async () => {
    const store = createKurrentDBEventStore(url!);
    return { store, close: () => store.close() };
  });
});
