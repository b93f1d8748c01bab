/**
 * Learned call patterns. The control plane queues one ProxyPatternEvent per vault proxy call on
 * QUEUES.patterns (shapes only: method, URL template as the agent wrote it, header names, body
 * schemas, status); this processor folds it into one row per (tenant, secret path, method, template).
 *
 * - A success creates the pattern or updates it: its shapes become the latest successful ones, the
 *   caller joins the verifiers (distinct, at most 100), `last_used_at` moves forward.
 * - A failure only counts against a pattern that already exists, so failing guesses never appear
 *   as patterns (nor as suggestions).
 * - A secret path holds at most MAX_PATTERNS_PER_SECRET patterns; new templates beyond that are dropped.
 * Each event is one SQL statement per path, so a retried job cannot half-apply; the job id is a fresh
 * uuid, so BullMQ runs each event once.
 */
import type { Job, Processor } from 'bullmq';
import type { PrismaClient } from '@portcullis/db';
import { QUEUES, type ProxyPatternEvent } from '@portcullis/contracts';

export const PATTERNS_QUEUE = QUEUES.patterns;
const MAX_VERIFIERS = 100;
/** Storage stays bounded however many distinct URLs an agent calls; known patterns keep updating. */
export const MAX_PATTERNS_PER_SECRET = 500;

export type PatternOutcome = 'recorded' | 'dropped-at-limit' | 'failure-counted' | 'failure-unknown-pattern';

/** Canonical JSON of a schema (keys sorted), so equal schemas are equal text. */
const canonical = (schema: Record<string, string> | null): string | null =>
  schema ? JSON.stringify(Object.fromEntries(Object.entries(schema).sort(([a], [b]) => (a < b ? -1 : 1)))) : null;

export function createPatternsProcessor({ prisma }: { prisma: PrismaClient }): Processor<ProxyPatternEvent, PatternOutcome> {
  return async (job: Job<ProxyPatternEvent>): Promise<PatternOutcome> => {
    const e = job.data;
    const at = new Date(e.at);
    if (!e.success) {
      let counted = 0;
      for (const path of e.secretPaths) {
        counted += await prisma.$executeRaw`UPDATE vault_proxy_patterns
          SET failures = failures + 1, last_used_at = GREATEST(last_used_at, ${at}), updated_at = now()
          WHERE tenant_id = ${e.tenantId}::uuid AND secret_path = ${path} AND method = ${e.method} AND url_template = ${e.urlTemplate}`;
      }
      return counted > 0 ? 'failure-counted' : 'failure-unknown-pattern';
    }
    const requestSchema = canonical(e.requestSchema);
    const responseSchema = canonical(e.responseSchema);
    let written = 0;
    for (const path of e.secretPaths) {
      written += await prisma.$executeRaw`INSERT INTO vault_proxy_patterns AS p
          (id, tenant_id, secret_path, method, url_template, host, request_headers, request_schema,
           response_status, response_schema, successes, failures, verifiers, last_used_at, created_at, updated_at)
        SELECT gen_random_uuid(), ${e.tenantId}::uuid, ${path}, ${e.method}, ${e.urlTemplate}, ${e.host}, ${e.requestHeaders}::text[],
           ${requestSchema}, ${e.responseStatus}, ${responseSchema}, 1, 0, ARRAY[${e.holder}]::text[], ${at}, now(), now()
        WHERE (SELECT count(*) FROM vault_proxy_patterns WHERE tenant_id = ${e.tenantId}::uuid AND secret_path = ${path}) < ${MAX_PATTERNS_PER_SECRET}
           OR EXISTS (SELECT 1 FROM vault_proxy_patterns WHERE tenant_id = ${e.tenantId}::uuid AND secret_path = ${path}
                      AND method = ${e.method} AND url_template = ${e.urlTemplate})
        ON CONFLICT (tenant_id, secret_path, method, url_template) DO UPDATE SET
          host = EXCLUDED.host,
          request_headers = EXCLUDED.request_headers,
          request_schema = EXCLUDED.request_schema,
          response_status = EXCLUDED.response_status,
          response_schema = COALESCE(EXCLUDED.response_schema, p.response_schema),
          successes = p.successes + 1,
          verifiers = CASE WHEN ${e.holder} = ANY(p.verifiers) OR cardinality(p.verifiers) >= ${MAX_VERIFIERS}
                           THEN p.verifiers ELSE p.verifiers || ${e.holder}::text END,
          last_used_at = GREATEST(p.last_used_at, EXCLUDED.last_used_at),
          updated_at = now()`;
    }
    return written > 0 ? 'recorded' : 'dropped-at-limit';
  };
}
