export * from './tokens.js';
export * from './envelope.js';
export * from './errors.js';
export * from './roles.js';
export * from './names.js';
export * from './password.js';
export * from './user-jwt.js';
