/** Column types shared by the schema files. */
import { customType, timestamp } from 'drizzle-orm/pg-core';

/** bytea as a Buffer on both drivers (PGlite returns Uint8Array, postgres-js Buffer). */
export const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
