import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { HEADERS } from '@portcullis/contracts';
import type { Metrics } from './metrics.js';

const SAFE_ID = /^[A-Za-z0-9._-]{8,128}$/;
// One-time link tokens travel in the URL (/v1/onboard/<token>); they must not reach the log.
const LINK_TOKEN = /olt_[0-9A-Za-z]+/g;

/** Gives every request an id (the caller's X-Request-Id when sane), echoes it, and logs the outcome. */
export function requestContext(logger: Logger, metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.headers[HEADERS.requestId];
    req.requestId = typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader(HEADERS.requestId, req.requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The matched route pattern, not the raw path: ids must not explode label cardinality.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.latency.observe({ method: req.method, route }, ms / 1000);
      logger.info(
        {
          request_id: req.requestId,
          method: req.method,
          path: req.path.replace(LINK_TOKEN, 'olt_[redacted]'),
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
        },
        'request',
      );
    });
    next();
  };
}
