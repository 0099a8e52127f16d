export * from './ports';
export * from './postgres';
export * from './kafka';
export * from './fresh-schema';
export * from './service-process';
export * from './auth';
export * from './national-ids';
