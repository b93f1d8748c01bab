import { Inject, Injectable } from '@nestjs/common';
import type { VaultSecret } from '@portcullis/db';
import {
  DomainError,
  EnvelopeCipher,
  capabilitiesFor,
  notFound,
  secretPathProblem,
  secretPrefixProblem,
  usable,
  USE_CAPABILITIES,
} from '@portcullis/domain';
import { CIPHER } from '../../infra/tokens.js';
import { requireAny, requireCapability } from '../auth/access.js';
import type { TenantVaultPrincipal } from '../auth/vault-principal.js';
import type { SecretListItem, SecretMetadata, SecretPutDto } from './secrets.dto.js';
import { PatternsService } from '../patterns/patterns.service.js';
import { parseAllowedDomains } from '../proxy/proxy-settings.js';
import { SecretsRepository } from './secrets.repository.js';

const LIST_LIMIT = 1000;
const LIST_BATCH = 500;

/** Associated data of a sealed version: moving it to another tenant, path or version fails to open. */
export const secretAad = (tenantId: string, path: string, version: number): string => `vault:${tenantId}:${path}:${version}`;

export function checkPath(path: string): string {
  const problem = secretPathProblem(path);
  if (problem) throw new DomainError('bad_request', problem);
  return path;
}

function checkMetadata(m: Record<string, unknown> | undefined): Record<string, string> {
  if (!m) return {};
  const entries = Object.entries(m);
  if (entries.length > 32) throw new DomainError('bad_request', 'metadata holds at most 32 keys');
  for (const [k, v] of entries) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(k))
      throw new DomainError('bad_request', `metadata key ${JSON.stringify(k.slice(0, 64))} must be 1-64 letters, digits, _ . -`);
    if (typeof v !== 'string' || v.length > 1024)
      throw new DomainError('bad_request', `metadata.${k} must be a string of at most 1024 characters`);
  }
  // Proxy mode reads this one; a malformed list is refused now rather than at the first call.
  if (typeof m.allowed_domains === 'string') parseAllowedDomains('this secret', m.allowed_domains);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1))) as Record<string, string>;
}

function listItem(s: VaultSecret, patterns: Map<string, { count: number; top: string }>): SecretListItem {
  const learned = patterns.get(s.path);
  return {
    path: s.path,
    version: s.currentVersion,
    created_at: s.createdAt.toISOString(),
    metadata: JSON.parse(s.metadata) as Record<string, string>,
    pattern_count: learned?.count ?? 0,
    ...(learned ? { top_pattern: learned.top } : {}),
  };
}

@Injectable()
export class SecretsService {
  constructor(
    private readonly secrets: SecretsRepository,
    private readonly patterns: PatternsService,
    @Inject(CIPHER) private readonly cipher: EnvelopeCipher,
  ) {}

  async list(p: TenantVaultPrincipal, prefix: string): Promise<{ secrets: SecretListItem[] }> {
    const problem = secretPrefixProblem(prefix);
    if (problem) throw new DomainError('bad_request', problem);
    // Filter in batches until LIST_LIMIT usable secrets are found, so unusable ones cannot crowd them out.
    const found: VaultSecret[] = [];
    let after: string | undefined;
    for (;;) {
      const rows = await this.secrets.list(p.tenantId, prefix, LIST_BATCH, after);
      for (const s of rows) if (s.path.startsWith(prefix) && usable(p.rules, s.path) && found.length < LIST_LIMIT) found.push(s);
      if (rows.length < LIST_BATCH || found.length >= LIST_LIMIT) break;
      after = rows[rows.length - 1]!.path;
    }
    const patterns = await this.patterns.summary(
      p.tenantId,
      found.map((s) => s.path),
    );
    return { secrets: found.map((s) => listItem(s, patterns)) };
  }

  async metadata(p: TenantVaultPrincipal, path: string): Promise<SecretMetadata> {
    const caps = requireAny(p, checkPath(path));
    const s = await this.secrets.find(p.tenantId, path);
    if (!s) throw notFound(`secret ${path}`);
    const patterns = await this.patterns.summary(p.tenantId, [path]);
    return { ...listItem(s, patterns), updated_at: s.updatedAt.toISOString(), versions: s._count.versions, capabilities: [...caps].sort() };
  }

  /** The value of the current version, or of `version` when given. Needs `read`. */
  async value(p: TenantVaultPrincipal, path: string, version?: number): Promise<{ path: string; value: string; version: number }> {
    requireCapability(p, checkPath(path), 'read');
    return this.open(p.tenantId, path, version);
  }

  /** Opens a version; callers have checked the capability (read, or lease for leases). */
  async open(tenantId: string, path: string, version?: number): Promise<{ path: string; value: string; version: number }> {
    const s = await this.secrets.find(tenantId, path);
    if (!s) throw notFound(`secret ${path}`);
    const v = await this.secrets.version(s.id, version ?? s.currentVersion);
    if (!v) throw notFound(`version ${version} of secret ${path}`);
    return { path, value: await this.cipher.open(v.sealedValue, secretAad(tenantId, path, v.version)), version: v.version };
  }

  /** The current value and the metadata, for proxy mode; the caller has checked `proxy`. */
  async openForProxy(tenantId: string, path: string): Promise<{ path: string; value: string; metadata: Record<string, string> }> {
    const s = await this.secrets.find(tenantId, path);
    if (!s) throw notFound(`secret ${path}`);
    const v = await this.secrets.version(s.id, s.currentVersion);
    if (!v) throw notFound(`secret ${path}`);
    const value = await this.cipher.open(v.sealedValue, secretAad(tenantId, path, v.version));
    return { path, value, metadata: JSON.parse(s.metadata) as Record<string, string> };
  }

  async versions(
    p: TenantVaultPrincipal,
    path: string,
  ): Promise<{ path: string; versions: { version: number; created_at: string; created_by: string }[] }> {
    requireCapability(p, checkPath(path), 'read');
    const s = await this.secrets.find(p.tenantId, path);
    if (!s) throw notFound(`secret ${path}`);
    const rows = await this.secrets.versions(s.id);
    return { path, versions: rows.map((r) => ({ version: r.version, created_at: r.createdAt.toISOString(), created_by: r.createdBy })) };
  }

  async put(p: TenantVaultPrincipal, path: string, dto: SecretPutDto): Promise<{ path: string; version: number; created_at: string }> {
    requireCapability(p, checkPath(path), 'write');
    const metadata = JSON.stringify(checkMetadata(dto.metadata));
    const { version } = await this.secrets.put(p.tenantId, path, metadata, p.identity, (n) =>
      this.cipher.seal(dto.value, secretAad(p.tenantId, path, n)),
    );
    return { path, version: version.version, created_at: version.createdAt.toISOString() };
  }

  async delete(p: TenantVaultPrincipal, path: string): Promise<void> {
    requireCapability(p, checkPath(path), 'delete');
    if (!(await this.secrets.delete(p.tenantId, path))) throw notFound(`secret ${path}`);
  }

  /** Every value (all versions) of the secrets the caller may use: read, lease or proxy. */
  async usableValues(p: TenantVaultPrincipal): Promise<{ label: string; value: string }[]> {
    const rows = await this.secrets.allVersions(p.tenantId);
    const out: { label: string; value: string }[] = [];
    for (const r of rows) {
      const caps = capabilitiesFor(p.rules, r.secret.path);
      if (!USE_CAPABILITIES.some((c) => caps.has(c))) continue;
      out.push({ label: r.secret.path, value: await this.cipher.open(r.sealedValue, secretAad(p.tenantId, r.secret.path, r.version)) });
    }
    return out;
  }
}
