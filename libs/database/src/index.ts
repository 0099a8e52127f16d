export * from './schema';
export * from './schema-migrations';
export * from './connections';
export * from './transactions';
export * from './time-bounds';
