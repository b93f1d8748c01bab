/**
 * One pino logger per process. Secrets never reach it: request logs carry method, path, status,
 * duration and request id only, and the redaction list below is a second line of defence for anything
 * that logs an object with such fields by mistake.
 */
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'password',
  'value',
  'secret',
  'token',
  'runtimeToken',
  'adminApiKey',
  'key',
  'upstreamSecret',
  'apiKey',
  'authorization',
  '*.password',
  '*.value',
  '*.secret',
  '*.token',
  '*.authorization',
  '*.apiKey',
  // a provider key inside a logged body: { body: { provider | defaultProvider: { apiKey } } }
  '*.*.apiKey',
  'req.headers.authorization',
  'headers.authorization',
];

export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}

/** Routes Nest's own log lines through pino. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
