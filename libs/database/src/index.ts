export * from './schema';
export * from './schema-migrations';
