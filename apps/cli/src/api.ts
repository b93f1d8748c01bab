/** The control plane's REST API, as the CLI uses it. Errors carry the server's message, never the key. */
export class CliError extends Error {
  constructor(
    message: string,
    /** 1 verification failed, 2 usage, 3 server or network */
    readonly exitCode: 1 | 2 | 3,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface ApiOptions {
  url: string | undefined;
  apiKey: string | undefined;
}

export class Api {
  private readonly url: string;
  private readonly apiKey: string;

  constructor(opts: ApiOptions) {
    if (!opts.url) throw new CliError('no control-plane URL: pass --url or set PORTCULLIS_URL', 2);
    if (!opts.apiKey) throw new CliError('no API key: pass --api-key or set PORTCULLIS_API_KEY', 2);
    this.url = opts.url.replace(/\/+$/, '');
    this.apiKey = opts.apiKey;
  }

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    return this.request<T>('GET', `${path}${qs.size ? `?${qs.toString()}` : ''}`);
  }

  /** A POST without a body (the actions the API names, e.g. `regenerate-token`). */
  post<T>(path: string): Promise<T> {
    return this.request<T>('POST', path);
  }

  private async request<T>(method: string, pathAndQuery: string): Promise<T> {
    const path = pathAndQuery.split('?', 1)[0]!;
    const target = `${this.url}${pathAndQuery}`;
    let res: Response;
    try {
      res = await fetch(target, { method, headers: { authorization: `Bearer ${this.apiKey}`, accept: 'application/json' } });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new CliError(`cannot reach the control plane at ${this.url}${cause ? ` (${cause})` : ''}`, 3);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(`the control plane answered ${res.status} with a body that is not JSON`, 3);
    }
    if (!res.ok) {
      const msg = (body as { error?: string } | undefined)?.error ?? res.statusText;
      const hint = res.status === 401 ? ' (check the API key)' : '';
      throw new CliError(`${path}: ${res.status} ${msg}${hint}`, 3);
    }
    return body as T;
  }
}
