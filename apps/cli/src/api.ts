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

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    const target = `${this.url}${path}${qs.size ? `?${qs.toString()}` : ''}`;
    let res: Response;
    try {
      res = await fetch(target, { headers: { authorization: `Bearer ${this.apiKey}`, accept: 'application/json' } });
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
