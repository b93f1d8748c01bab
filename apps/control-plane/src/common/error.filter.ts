/**
 * The one error body: `{"error": "...", "request_id": "..."}` (plus safe detail fields).
 * Domain errors map by code; Nest's HTTP exceptions and body-parser errors keep their status;
 * anything else (a database or driver fault) becomes a generic 500 whose cause goes to the log only.
 */
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { DomainError, httpStatusOf } from '@portcullis/domain';
import type { ErrorBody } from '@portcullis/contracts';

interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
}

function messageOf(response: unknown, fallback: string): string {
  if (typeof response === 'string') return response;
  if (response && typeof response === 'object' && 'message' in response) {
    const m = response.message;
    if (Array.isArray(m)) return m.map(String).join('; ');
    if (typeof m === 'string') return m;
  }
  return fallback;
}

/** The status and body the error filter answers with; also what the vault's MCP tools report. */
export function describeError(exception: unknown, requestId: string): [number, ErrorBody] {
  if (exception instanceof DomainError) {
    return [httpStatusOf(exception.code), { ...exception.details, error: exception.message, request_id: requestId }];
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 413) return [413, { error: 'request body too large', request_id: requestId }];
    const message = status >= 500 ? 'internal error' : messageOf(exception.getResponse(), exception.message);
    return [status, { error: message, request_id: requestId }];
  }
  const bp = exception as BodyParserError;
  if (bp && typeof bp === 'object' && typeof bp.type === 'string') {
    const status = bp.status ?? bp.statusCode ?? 400;
    if (bp.type === 'entity.too.large') return [413, { error: 'request body too large', request_id: requestId }];
    if (bp.type === 'entity.parse.failed') return [400, { error: 'request body is not valid JSON', request_id: requestId }];
    if (status >= 400 && status < 500) return [status, { error: 'malformed request body', request_id: requestId }];
  }
  return [500, { error: 'internal error', request_id: requestId }];
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const requestId = req.requestId ?? 'unknown';
    const [status, body] = describeError(exception, requestId);
    if (status >= 500) {
      this.logger.error(
        { request_id: requestId, err: exception instanceof Error ? { name: exception.name, stack: exception.stack } : undefined },
        'request failed',
      );
    }
    if (res.headersSent) return;
    res.status(status).json(body);
  }
}
