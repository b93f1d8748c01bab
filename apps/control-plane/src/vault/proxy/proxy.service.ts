/**
 * Vault proxy mode: the agent describes an HTTP call with secret references, Portcullis fills in the
 * values, makes the call behind the SSRF guard, and streams the upstream's answer back with every
 * injected value scrubbed out. The agent never holds the credential.
 *
 * Invariants:
 * - every secret path used needs `proxy`; a call that uses no secret is refused (it would make the
 *   control plane an open relay);
 * - the call is held to the strictest of its secrets (proxy-settings.ts);
 * - the response (status line excepted) passes through a scrubber that knows every injected value
 *   in each form an echo may take; compressed answers are decoded first, since a scrubber cannot
 *   see into gzip (we also ask for `identity`);
 * - templates for learned patterns are built from the request as the agent wrote it, never from the
 *   rendered request; nothing with a value is logged, stamped or queued.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { Transform, pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Logger } from 'pino';
import {
  DomainError,
  capabilitiesFor,
  httpStatusOf,
  classifyAddress,
  createScrubStream,
  headerNames,
  planInjection,
  schemaOfBody,
  scrubValues,
  secretVariants,
  urlTemplate,
  type AddressVerdict,
  type Redaction,
} from '@portcullis/domain';
import { InjectConfig, type Config } from '../../common/config.js';
import { LOGGER } from '../../common/logger.provider.js';
import { guardedRequest, type GuardedResponse } from '../../outbound/guarded-request.js';
import { ipAllowed, parseCidr } from '../approles/ip-allowlist.js';
import { requireCapability } from '../auth/access.js';
import type { TenantVaultPrincipal } from '../auth/vault-principal.js';
import { PatternsService } from '../patterns/patterns.service.js';
import { checkPath, SecretsService } from '../secrets/secrets.service.js';
import { VaultQueues } from '../stamps/vault-queues.js';
import { proxySettings } from './proxy-settings.js';
import type { ProxyRequestDto } from './proxy.dto.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the ones this hop recomputes. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
const MAX_HEADERS = 64;
/** How much of a JSON response is kept to learn its schema; larger answers get none. */
const SCHEMA_CAPTURE_BYTES = 256 * 1024;

export const PROXY_HEADERS = {
  upstream: 'x-portcullis-upstream',
  secrets: 'x-portcullis-secrets',
  suggestions: 'x-portcullis-suggestions',
} as const;

export interface ProxyAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Readable;
  /** Call once the agent has the whole body (or gave up): queues the pattern event. */
  done(completed: boolean): void;
}

/** What a failed or refused call tells the caller's stamp: the paths and, once known, the host. */
export interface ProxyAttempt {
  paths: string[];
  method: string;
  host: string | null;
}

function stringMap(value: Record<string, unknown> | undefined, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADERS) throw new DomainError('bad_request', `${field} holds at most ${MAX_HEADERS} entries`);
  for (const [k, v] of entries) {
    if (!HEADER_NAME.test(k)) throw new DomainError('bad_request', `${field}: "${k.slice(0, 64)}" is not a valid header name`);
    if (typeof v !== 'string') throw new DomainError('bad_request', `${field}.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url.replace(/\{\{[^}]*\}\}/g, 'x')).host;
  } catch {
    return null;
  }
}

function templateOf(url: string): string | null {
  try {
    return urlTemplate(url);
  } catch {
    return null;
  }
}

function decoderFor(encoding: string | undefined): Transform | null {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case '':
    case 'identity':
      return null;
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      // An encoding we cannot decode is one we cannot scrub.
      throw new DomainError(
        'upstream_failed',
        `the upstream answered with content-encoding ${encoding}, which the proxy cannot scrub; ask for identity`,
      );
  }
}

@Injectable()
export class ProxyService {
  private readonly classify: (address: string) => AddressVerdict;

  constructor(
    private readonly secrets: SecretsService,
    private readonly patterns: PatternsService,
    private readonly queues: VaultQueues,
    @InjectConfig() private readonly config: Config,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const internal = config.proxyPrivateCidrs.map((c) => parseCidr(c)!);
    // Ranges the operator opened are reachable; everything else is judged by the SSRF rule.
    this.classify = internal.length
      ? (a) => (ipAllowed(internal, a) ? { allowed: true, address: a, family: a.includes(':') ? 6 : 4 } : classifyAddress(a))
      : classifyAddress;
  }

  /**
   * Makes the call and stamps it (agent-bound AppRoles): `proxy` with method, host and status once
   * the upstream answered, before anything is sent to the caller; `proxy.denied` for a refusal; a
   * failure without an answer counts against the learned pattern, and refusals carry the secrets'
   * known-good patterns as `suggestions`. Used by `POST /v1/proxy` and the `gatehouse_proxy` tool.
   */
  async callAudited(p: TenantVaultPrincipal, dto: ProxyRequestDto, requestId: string, tool?: string): Promise<ProxyAnswer> {
    const attempt: ProxyAttempt = { paths: [], method: dto.method.toUpperCase(), host: null };
    let answer: ProxyAnswer;
    try {
      answer = await this.call(p, dto, attempt);
    } catch (e) {
      throw await this.refused(p, dto, attempt, requestId, e, tool);
    }
    const paths = attempt.paths.join(',');
    try {
      await this.queues.stamp(p, 'proxy', paths, requestId, { method: attempt.method, host: attempt.host!, status: answer.status }, tool);
    } catch (e) {
      answer.body.destroy();
      throw e;
    }
    return answer;
  }

  /** Stamps the refusal or failure, counts an upstream failure against the pattern, adds suggestions. */
  private async refused(
    p: TenantVaultPrincipal,
    dto: ProxyRequestDto,
    attempt: ProxyAttempt,
    requestId: string,
    e: unknown,
    tool: string | undefined,
  ): Promise<unknown> {
    if (!(e instanceof DomainError)) return e;
    const paths = attempt.paths.length ? attempt.paths.join(',') : null;
    const status = httpStatusOf(e.code);
    if (e.code === 'forbidden') await this.queues.stamp(p, 'proxy.denied', paths, requestId, undefined, tool);
    else if (status >= 500 && e.code !== 'unavailable') {
      await this.queues.stamp(p, 'proxy', paths, requestId, { method: attempt.method, host: attempt.host ?? 'unknown', status }, tool);
      this.recordFailure(p, dto, attempt, status);
    }
    if (attempt.paths.length === 0 || status === 401) return e;
    const suggestions = await this.suggestions(p, attempt.paths);
    return suggestions.length ? new DomainError(e.code, e.message, { ...e.details, suggestions }) : e;
  }

  /**
   * Makes the call. `attempt` is filled in as the request is understood, so a refusal can be
   * stamped with the paths it concerned.
   */
  async call(p: TenantVaultPrincipal, dto: ProxyRequestDto, attempt: ProxyAttempt): Promise<ProxyAnswer> {
    const headers = stringMap(dto.headers, 'headers');
    const inject = stringMap(dto.inject, 'inject');
    let body: string | undefined;
    if (typeof dto.body === 'string') body = dto.body;
    else if (dto.body !== undefined && dto.body !== null) {
      body = JSON.stringify(dto.body);
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const method = dto.method.toUpperCase();
    attempt.method = method;
    attempt.host = hostOf(dto.url);
    const plan = planInjection({ method, url: dto.url, headers, body, inject });
    attempt.paths = [...plan.paths].sort();
    if (plan.paths.length === 0) {
      throw new DomainError(
        'bad_request',
        'this call uses no secret: name one with inject {"Authorization": "<path>"} or {{secret:<path>}} in the URL, a header or the body (call the API directly when no secret is needed)',
      );
    }
    for (const path of attempt.paths) requireCapability(p, checkPath(path), 'proxy');
    const used = await Promise.all(attempt.paths.map((path) => this.secrets.openForProxy(p.tenantId, path)));
    const settings = proxySettings(used, this.config.proxyAllowPrivate);
    const rendered = plan.render(new Map(used.map((s) => [s.path, s.value])));

    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(rendered.headers))
      if (!HOP_BY_HOP.has(k.toLowerCase()) && k.toLowerCase() !== 'accept-encoding') outHeaders[k] = v;
    outHeaders['accept-encoding'] = 'identity';
    const sensitive = [
      ...Object.keys(inject),
      ...Object.entries(headers)
        .filter(([, v]) => v.includes('{{'))
        .map(([k]) => k),
    ];
    const bodyHoldsSecret = (body ?? '').includes('{{');
    const redactions: Redaction[] = used.map((s) => {
      const values = secretVariants(s.value);
      // A user:password secret may come back as its password alone.
      const colon = s.value.indexOf(':');
      if (colon > 0 && s.value.length - colon > 4) values.push(...secretVariants(s.value.slice(colon + 1)));
      return { replacement: `[REDACTED:vault:${s.path}]`, values };
    });

    const scrubText = (text: string): string => scrubValues(text, redactions).text;
    // Built from the request as the agent wrote it, before anything is sent; null if it has no template.
    const template = templateOf(dto.url);
    let upstream: GuardedResponse;
    try {
      upstream = await guardedRequest({
        method: rendered.method,
        url: rendered.url,
        headers: outHeaders,
        ...(rendered.body !== undefined ? { body: Buffer.from(rendered.body, 'utf8') } : {}),
        allowPrivate: settings.allowPrivate,
        ...(settings.allowedHosts ? { allowedHosts: settings.allowedHosts } : {}),
        tlsInsecure: settings.tlsInsecure,
        connectTimeoutMs: this.config.proxyConnectTimeoutMs,
        idleTimeoutMs: this.config.proxyTimeoutMs,
        maxResponseBytes: this.config.proxyMaxResponseBytes,
        // A redirect would resend a body that holds a secret, possibly to another origin: hand the 3xx back instead.
        maxRedirects: bodyHoldsSecret ? 0 : 3,
        sensitiveHeaders: sensitive,
        privateHint: settings.privateHint,
        classify: this.classify,
      });
    } catch (e) {
      // Messages name hosts and addresses, which come from the rendered URL: scrub them too.
      if (e instanceof DomainError) throw new DomainError(e.code, scrubText(e.message), e.details);
      throw e;
    }
    attempt.host = scrubText(new URL(upstream.url).host);
    const patternHost = hostOf(dto.url) ?? attempt.host;

    let decoder: Transform | null;
    try {
      // Refuse a declared oversize answer before any of it is sent; an undeclared one is cut off mid-stream.
      if (Number(upstream.headers['content-length'] ?? 0) > this.config.proxyMaxResponseBytes) {
        throw new DomainError(
          'upstream_failed',
          `upstream response larger than ${this.config.proxyMaxResponseBytes} bytes (PORTCULLIS_PROXY_MAX_RESPONSE_BYTES)`,
        );
      }
      decoder = decoderFor(upstream.headers['content-encoding']);
    } catch (e) {
      upstream.body.destroy();
      throw e;
    }
    const responseHeaders = this.passHeaders(upstream.headers, redactions, decoder !== null);
    responseHeaders[PROXY_HEADERS.upstream] = attempt.host;
    responseHeaders[PROXY_HEADERS.secrets] = attempt.paths.join(',');
    if (upstream.status >= 400) {
      const suggestions = await this.patterns.suggestions(p.tenantId, attempt.paths);
      // Kept well under clients' header size limits (16 KiB in Node): as many whole patterns as fit in 4 KiB.
      const lines: string[] = [];
      for (const s of suggestions) if (JSON.stringify([...lines, s.pattern]).length <= 4096) lines.push(s.pattern);
      if (lines.length) responseHeaders[PROXY_HEADERS.suggestions] = JSON.stringify(lines);
    }

    // Upstream (decoded) → scrubber → tap that keeps the start of a JSON answer for its schema.
    // pipeline() tears every stage down when any ends early, the agent's side included.
    const captured: Buffer[] = [];
    let capturedBytes = 0;
    const json = /json/i.test(String(upstream.headers['content-type'] ?? ''));
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        if (json && capturedBytes <= SCHEMA_CAPTURE_BYTES) {
          capturedBytes += chunk.length;
          if (capturedBytes <= SCHEMA_CAPTURE_BYTES) captured.push(chunk);
        }
        cb(null, chunk);
      },
    });
    const scrub = createScrubStream(redactions);
    if (decoder) pipeline(upstream.body, decoder, scrub, tap, () => undefined);
    else pipeline(upstream.body, scrub, tap, () => undefined);

    const requestHeaders = headerNames({ ...headers, ...inject });
    const requestSchema = schemaOfBody(body);
    let reported = false;
    return {
      status: upstream.status,
      headers: responseHeaders,
      body: tap,
      done: (completed) => {
        if (reported) return;
        reported = true;
        if (template === null || (!completed && upstream.status < 400)) return; // a cut-off answer proves nothing about the pattern
        const responseSchema =
          completed && capturedBytes <= SCHEMA_CAPTURE_BYTES ? schemaOfBody(Buffer.concat(captured).toString('utf8')) : null;
        this.queues.recordPattern({
          tenantId: p.tenantId,
          secretPaths: attempt.paths,
          holder: p.holder,
          method,
          urlTemplate: template,
          host: patternHost,
          requestHeaders,
          requestSchema,
          responseStatus: upstream.status,
          responseSchema,
          success: upstream.status < 400,
          at: new Date().toISOString(),
        });
      },
    };
  }

  /** Failure of a call that never got an answer: counts against a known pattern (502/504 only). */
  recordFailure(p: TenantVaultPrincipal, dto: ProxyRequestDto, attempt: ProxyAttempt, status: number): void {
    const template = templateOf(dto.url);
    if (!attempt.host || attempt.paths.length === 0 || template === null) return;
    this.queues.recordPattern({
      tenantId: p.tenantId,
      secretPaths: attempt.paths,
      holder: p.holder,
      method: attempt.method,
      urlTemplate: template,
      host: attempt.host,
      requestHeaders: [],
      requestSchema: null,
      responseStatus: status,
      responseSchema: null,
      success: false,
      at: new Date().toISOString(),
    });
  }

  /** Known-good patterns of the paths the caller may see patterns of (`proxy` or `read`). */
  suggestions(p: TenantVaultPrincipal, paths: string[]) {
    const visible = paths.filter((path) => {
      const caps = capabilitiesFor(p.rules, path);
      return caps.has('proxy') || caps.has('read');
    });
    return this.patterns.suggestions(p.tenantId, visible);
  }

  private passHeaders(upstream: IncomingHttpHeaders, redactions: Redaction[], decoded: boolean): Record<string, string | string[]> {
    const named = new Set(
      String(upstream.connection ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    );
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(upstream)) {
      if (v === undefined || HOP_BY_HOP.has(k) || named.has(k) || k.startsWith('x-portcullis-')) continue;
      if (decoded && k === 'content-encoding') continue;
      const clean = (x: string): string => scrubValues(x, redactions).text;
      out[k] = Array.isArray(v) ? v.map(clean) : clean(v);
    }
    return out;
  }

  logFailure(requestId: string, err: unknown): void {
    this.logger.debug({ request_id: requestId, code: err instanceof DomainError ? err.code : 'internal' }, 'proxy call failed');
  }
}
