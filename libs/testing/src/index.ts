export * from './env.js';
export * from './http.js';
export * from './processes.js';
export * from './net.js';
export * from './fake-upstream.js';
export * from './postgres.js';
export * from './worker.js';
export * from './fake-provider.js';
