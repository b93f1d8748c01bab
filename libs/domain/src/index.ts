export * from './tokens.js';
export * from './envelope.js';
export * from './errors.js';
export * from './roles.js';
export * from './names.js';
export * from './password.js';
export * from './ssrf.js';
export * from './patterns.js';
