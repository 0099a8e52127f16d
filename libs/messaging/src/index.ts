export * from './message-bus';
export * from './postgres-message-bus';
export * from './kafka-message-bus';
export * from './cloudevents-headers';
export * from './relay';
export * from './consumer-runner';
export * from './integration-message';
export * from './keyed-concurrency';
