export * from './principal';
export * from './claims-mapping';
export * from './token-verifier';
export * from './authorization';
export * from './auth.guard';
export * from './auth.module';
