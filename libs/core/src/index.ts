export * from './decider';
export * from './errors';
export * from './vital-signs';
