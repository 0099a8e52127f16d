export * from './command-handler';
export * from './decider-spec';
export * from './event-ids';
export * from './kurrentdb-event-store';
export * from './postgres-event-store';
export * from './stored-event';
export * from './transaction';
