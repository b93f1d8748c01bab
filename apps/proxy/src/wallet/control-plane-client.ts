/**
 * The wallet's window on Postgres: the control plane's internal wallet endpoints, called with the
 * internal token (the proxy never opens Postgres itself). A 4xx keeps the control plane's message (it
 * says which field is wrong, or which room is missing); anything else is a 503 the agent may retry.
 */
import { DomainError, type ErrorCode } from '@portcullis/domain';
import { WALLET_INTERNAL_PATH } from '@portcullis/contracts';

const CODES: Record<number, ErrorCode> = { 400: 'bad_request', 403: 'forbidden', 404: 'not_found', 409: 'conflict' };

export class ControlPlaneClient {
  constructor(
    private readonly baseUrl: string,
    private readonly internalToken: string,
    private readonly timeoutMs = 5_000,
  ) {}

  get<T>(tenantId: string, agentId: string, path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    return this.call<T>('GET', tenantId, agentId, path, query, undefined);
  }

  post<T>(tenantId: string, agentId: string, path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', tenantId, agentId, path, {}, body);
  }

  private async call<T>(
    method: string,
    tenantId: string,
    agentId: string,
    path: string,
    query: Record<string, string | number | undefined>,
    body: unknown,
  ): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    const url = `${this.baseUrl}${WALLET_INTERNAL_PATH}/tenants/${tenantId}/agents/${agentId}/${path}${qs.size ? `?${qs.toString()}` : ''}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.internalToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch {
      throw new DomainError('unavailable', 'the control plane cannot be reached; try again shortly');
    }
    if (res.ok) return JSON.parse(text) as T;
    const code = CODES[res.status];
    if (code) {
      let message = `control plane answered ${res.status}`;
      try {
        const e = JSON.parse(text) as { error?: unknown };
        if (typeof e.error === 'string') message = e.error;
      } catch {
        // keep the status line
      }
      throw new DomainError(code, message);
    }
    throw new DomainError('unavailable', `the control plane answered ${res.status}; try again shortly`);
  }
}
