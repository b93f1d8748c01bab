/**
 * How provider settings from the admin API become stored columns.
 *
 * URL normalisation (what the proxy compares `X-Portcullis-Upstream` against): parsed with WHATWG URL,
 * so scheme and host are lowercased and a default port dropped; the path is kept as given except for
 * trailing slashes, which are removed; credentials, a query or a fragment are refused.
 *   `HTTPS://API.OpenAI.com:443/v1/` → `https://api.openai.com/v1`, `http://ollama:11434/` → `http://ollama:11434`.
 */
import { BUDGET_WINDOWS, DomainError, type BudgetLimit, type EnvelopeCipher } from '@portcullis/domain';
import type { BudgetDto, ProviderInputDto } from './provider.dto.js';

export const MAX_ALLOWED_UPSTREAMS = 32;

export function normaliseProviderUrl(value: string, field: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new DomainError('bad_request', `${field} must be an http(s) URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DomainError('bad_request', `${field} must be an http(s) URL`);
  if (u.username || u.password) throw new DomainError('bad_request', `${field} must not carry credentials`);
  if (u.search || u.hash) throw new DomainError('bad_request', `${field} must not have a query or fragment`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** Normalised, duplicates dropped (first occurrence wins), order kept. */
export function normaliseUpstreams(list: string[]): string[] {
  if (list.length > MAX_ALLOWED_UPSTREAMS) {
    throw new DomainError('bad_request', `allowedUpstreams holds at most ${MAX_ALLOWED_UPSTREAMS} URLs`);
  }
  return [...new Set(list.map((u) => normaliseProviderUrl(u, 'allowedUpstreams')))];
}

/** At most one limit per window, each with requests and/or tokens; stored in window order. */
export function checkBudgets(list: BudgetDto[]): BudgetLimit[] {
  const seen = new Set<string>();
  for (const b of list) {
    if (seen.has(b.window)) throw new DomainError('bad_request', `budgets lists the ${b.window} window twice`);
    seen.add(b.window);
    if (b.requests === undefined && b.tokens === undefined) {
      throw new DomainError('bad_request', `budgets: the ${b.window} entry needs requests or tokens (or both)`);
    }
  }
  return [...list]
    .sort((a, b) => BUDGET_WINDOWS.indexOf(a.window) - BUDGET_WINDOWS.indexOf(b.window))
    .map((b) => ({
      window: b.window,
      ...(b.requests !== undefined ? { requests: b.requests } : {}),
      ...(b.tokens !== undefined ? { tokens: b.tokens } : {}),
    }));
}

/** A provider as stored: kind, base URL and the envelope-sealed key (null = keyless); all null = none. */
export interface ProviderColumns {
  kind: string | null;
  baseUrl: string | null;
  sealedKey: string | null;
}

export const NO_PROVIDER: ProviderColumns = { kind: null, baseUrl: null, sealedKey: null };

/** A provider write checked and its key sealed, before the transaction; `keep` = the current key stays. */
export type PreparedProvider = null | { kind: string; baseUrl: string; sealedKey: string | null | typeof KEEP_KEY };
export const KEEP_KEY = Symbol('keep the current provider key');

/**
 * Checks a provider write and seals its key with `aad` (the tenant id), outside any transaction:
 * `null` clears the provider; an object without `apiKey` keeps the current key; `apiKey: null` or
 * `""` stores none.
 */
export async function prepareProvider(
  input: ProviderInputDto | null,
  cipher: EnvelopeCipher,
  aad: string,
  field: string,
): Promise<PreparedProvider> {
  if (input === null) return null;
  const baseUrl = normaliseProviderUrl(input.baseUrl, `${field}.baseUrl`);
  let sealedKey: string | null | typeof KEEP_KEY;
  if (input.apiKey === undefined) sealedKey = KEEP_KEY;
  else if (input.apiKey === null || input.apiKey === '') sealedKey = null;
  else sealedKey = await cipher.seal(input.apiKey, aad);
  return { kind: input.kind, baseUrl, sealedKey };
}

/**
 * The columns a prepared write leaves, given what is stored now. A kept key stays only on the same
 * origin: moving the provider to another host needs the key sent again, or whoever may edit the agent
 * could point the stored key at a host of their own.
 */
export function providerColumns(
  p: PreparedProvider,
  current: { baseUrl: string | null; sealedKey: string | null },
  field: string,
): ProviderColumns {
  if (p === null) return NO_PROVIDER;
  if (p.sealedKey !== KEEP_KEY) return { kind: p.kind, baseUrl: p.baseUrl, sealedKey: p.sealedKey };
  if (current.sealedKey !== null && (current.baseUrl === null || new URL(current.baseUrl).origin !== new URL(p.baseUrl).origin)) {
    throw new DomainError('bad_request', `${field}.apiKey must be sent again when ${field}.baseUrl moves to another host`);
  }
  return { kind: p.kind, baseUrl: p.baseUrl, sealedKey: current.sealedKey };
}
