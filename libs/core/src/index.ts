export * from './decider';
export * from './errors';
export * from './vital-signs';
export * from './access-log-entry';
export * from './national-id';
export * from './canonical-json';
export * from './nesting-depth';
