export * from './channel-name.js';
export * from './close-codes.js';
export * from './event-id.js';
export * from './errors.js';
export * from './wire.js';
