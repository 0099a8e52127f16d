import type { Logger } from '@varde/telemetry';

/** DI token of the service's whole {@link Infrastructure} (consumers start their subscriptions with it). */
export const INFRASTRUCTURE = Symbol('INFRASTRUCTURE');
/** DI token of the service's PostgreSQL pool (its sessions use the service's schema). */
export const DB_POOL = Symbol('DB_POOL');
/** DI token of the service's Emmett event store. */
export const EVENT_STORE = Symbol('EVENT_STORE');
/** DI token of the service's pino logger. */
export const LOGGER = Symbol('LOGGER');
/** DI token of the validated {@link PlatformConfig}. */
export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');

export type { Logger };
