export * from './health';
export * from './logger';
export * from './metrics';
export * from './nest-pino-logger';
export * from './tracing';
