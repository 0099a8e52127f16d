export * from './event-hash';
export * from './checkpoint-signature';
export * from './event-chain.sealer';
export * from './event-chain.check';
export * from './migrations/event-chain.migrations';
