export * from './client-key';
export * from './dpop';
export * from './dpop-verification';
export * from './helseid-client';
export * from './local-helseid';
