/**
 * Learned call patterns, read side: ranking by `patternConfidence`, the listing summary
 * (`pattern_count`, `top_pattern`), and the suggestions a failing proxy call carries.
 */
import { Injectable } from '@nestjs/common';
import type { VaultProxyPattern } from '@portcullis/db';
import { capabilitiesFor, patternConfidence } from '@portcullis/domain';
import { forbidden } from '../auth/access.js';
import type { TenantVaultPrincipal } from '../auth/vault-principal.js';
import { checkPath } from '../secrets/secrets.service.js';
import { PatternsRepository } from './patterns.repository.js';

export interface PatternView {
  method: string;
  url_template: string;
  host: string;
  request_headers: string[];
  request_schema: Record<string, string> | null;
  response_status: number;
  response_schema: Record<string, string> | null;
  successes: number;
  failures: number;
  /** distinct AppRoles (and admins) whose calls succeeded */
  verified_by: number;
  last_used_at: string;
  confidence: number;
}

export interface Suggestion {
  secret: string;
  pattern: string;
  request_headers: string[];
  confidence: number;
}

const PATTERNS_LIMIT = 50;
const SUGGESTIONS_LIMIT = 5;

const json = (text: string | null): Record<string, string> | null => (text ? (JSON.parse(text) as Record<string, string>) : null);
const confidenceOf = (p: Pick<VaultProxyPattern, 'successes' | 'failures' | 'verifiers' | 'lastUsedAt'>, now: Date): number =>
  patternConfidence({ successes: p.successes, failures: p.failures, verifiers: p.verifiers.length, lastUsedAt: p.lastUsedAt }, now);
export const patternLine = (p: { method: string; urlTemplate: string }): string => `${p.method} ${p.urlTemplate}`;

function view(p: VaultProxyPattern, now: Date): PatternView {
  return {
    method: p.method,
    url_template: p.urlTemplate,
    host: p.host,
    request_headers: p.requestHeaders,
    request_schema: json(p.requestSchema),
    response_status: p.responseStatus,
    response_schema: json(p.responseSchema),
    successes: p.successes,
    failures: p.failures,
    verified_by: p.verifiers.length,
    last_used_at: p.lastUsedAt.toISOString(),
    confidence: confidenceOf(p, now),
  };
}

@Injectable()
export class PatternsService {
  constructor(private readonly patterns: PatternsRepository) {}

  /** `GET /v1/proxy/patterns?secret=<path>`: needs `proxy` or `read` on the path; best first. */
  async list(p: TenantVaultPrincipal, secretPath: string): Promise<{ secret: string; patterns: PatternView[] }> {
    const caps = capabilitiesFor(p.rules, checkPath(secretPath));
    if (!caps.has('proxy') && !caps.has('read')) throw forbidden(p, 'proxy', secretPath);
    const now = new Date();
    const rows = (await this.patterns.forSecret(p.tenantId, secretPath)).map((r) => view(r, now));
    rows.sort((a, b) => b.confidence - a.confidence || b.successes - a.successes);
    return { secret: secretPath, patterns: rows.slice(0, PATTERNS_LIMIT) };
  }

  /** Per secret path: how many patterns, and the best one as "METHOD url_template". */
  async summary(tenantId: string, secretPaths: string[]): Promise<Map<string, { count: number; top: string }>> {
    const now = new Date();
    const best = new Map<string, { count: number; top: string; confidence: number }>();
    for (const r of await this.patterns.forSecrets(tenantId, secretPaths)) {
      const c = confidenceOf(r, now);
      const cur = best.get(r.secretPath);
      if (!cur) best.set(r.secretPath, { count: 1, top: patternLine(r), confidence: c });
      else {
        cur.count++;
        if (c > cur.confidence) Object.assign(cur, { top: patternLine(r), confidence: c });
      }
    }
    return new Map([...best].map(([k, v]) => [k, { count: v.count, top: v.top }]));
  }

  /** The known-good patterns of the secrets a failing call used, best first. */
  async suggestions(tenantId: string, secretPaths: string[]): Promise<Suggestion[]> {
    const now = new Date();
    const out: Suggestion[] = [];
    for (const path of secretPaths) {
      for (const r of await this.patterns.forSecret(tenantId, path, 100)) {
        if (r.successes > 0)
          out.push({ secret: path, pattern: patternLine(r), request_headers: r.requestHeaders, confidence: confidenceOf(r, now) });
      }
    }
    return out.sort((a, b) => b.confidence - a.confidence).slice(0, SUGGESTIONS_LIMIT);
  }
}
