import { randomBytes } from 'node:crypto';

/** A unique schema name so tests sharing one server never see each other's data. */
export const freshSchema = (prefix: string): string => `${prefix.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
