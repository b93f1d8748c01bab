export * from './redis.js';
export * from './snapshots.js';
export * from './http.js';
export * from './queues.js';
export * from './wallet.js';
