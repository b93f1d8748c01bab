import { Injectable } from '@nestjs/common';
import { DomainError, generateToken, hashToken, isTokenOfKind, notFound } from '@portcullis/domain';
import type { VaultLink } from '@portcullis/db';
import { InjectConfig, type Config } from '../../common/config.js';
import { pageOf, type Page, type PageQueryDto } from '../../common/pagination.js';
import { AppRolesRepository } from '../approles/approles.repository.js';
import { newCredentials } from '../approles/approles.service.js';
import { VaultIdentityService, type IssuedToken } from '../auth/vault-identity.service.js';
import type { AppRoleVaultPrincipal } from '../auth/vault-principal.js';
import { LinksRepository, type LinkKind, type LinkWithAppRole } from './links.repository.js';
import { linkMarkdown } from './links.markdown.js';

export const LINK_TTL_DEFAULT = 86_400;

export interface LinkCreated {
  id: string;
  url: string;
  token: string;
  expires_at: string;
}

export interface LinkView {
  id: string;
  approleId: string;
  status: 'open' | 'consumed' | 'expired';
  expiresAt: string;
  consumedAt: string | null;
  createdBy: string;
  createdAt: string;
}

const linkView = (l: VaultLink): LinkView => ({
  id: l.id,
  approleId: l.approleId,
  status: l.consumedAt ? 'consumed' : l.expiresAt <= new Date() ? 'expired' : 'open',
  expiresAt: l.expiresAt.toISOString(),
  consumedAt: l.consumedAt?.toISOString() ?? null,
  createdBy: l.createdBy,
  createdAt: l.createdAt.toISOString(),
});

const GONE = 'this link was already exchanged or has expired: ask your operator for a new one';

@Injectable()
export class LinksService {
  constructor(
    private readonly links: LinksRepository,
    private readonly approles: AppRolesRepository,
    private readonly identity: VaultIdentityService,
    @InjectConfig() private readonly config: Config,
  ) {}

  async create(
    tenantId: string,
    kind: LinkKind,
    approleId: string,
    ttlSeconds: number | undefined,
    createdBy: string,
  ): Promise<LinkCreated> {
    if (!(await this.approles.findById(tenantId, approleId))) throw notFound('AppRole');
    const token = generateToken('link');
    const link = await this.links.create(tenantId, {
      approleId,
      kind,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + (ttlSeconds ?? LINK_TTL_DEFAULT) * 1000),
      createdBy,
    });
    return { id: link.id, url: `${this.config.publicUrl}/v1/${kind}/${token}`, token, expires_at: link.expiresAt.toISOString() };
  }

  async list(tenantId: string, kind: LinkKind, page: PageQueryDto): Promise<Page<LinkView>> {
    const { rows, limit } = await this.links.list(tenantId, kind, page);
    return pageOf(rows, limit, linkView);
  }

  async delete(tenantId: string, kind: LinkKind, id: string): Promise<void> {
    if (!(await this.links.delete(tenantId, kind, id))) throw notFound('link');
  }

  /** 404 for a token that never existed, 410 once consumed or expired. */
  private async open(token: string, kind: LinkKind): Promise<LinkWithAppRole> {
    const link = isTokenOfKind(token, 'link') ? await this.links.findByToken(token, kind) : null;
    if (!link) throw new DomainError('not_found', 'no such link: check that you copied the whole URL');
    if (link.consumedAt || link.expiresAt <= new Date()) throw new DomainError('gone', GONE);
    return link;
  }

  async markdown(token: string, kind: LinkKind): Promise<string> {
    const link = await this.open(token, kind);
    return linkMarkdown({
      kind,
      baseUrl: this.config.publicUrl,
      token,
      identity: `approle:${link.approle.name}`,
      policies: link.approle.policies,
      expiresAt: link.expiresAt,
    });
  }

  /**
   * Consumes the link and rotates the AppRole's credentials in one transaction. The AppRole's checks
   * (suspension, bound agent, IP allowlist) run inside it, so a refused exchange leaves the link open.
   */
  private async exchange(token: string, kind: LinkKind, ip: string) {
    const link = await this.open(token, kind);
    const c = newCredentials();
    return this.links.transaction(async (tx) => {
      if (!(await this.links.consume(link.id, tx))) throw new DomainError('gone', GONE);
      const rotated = await this.approles.rotate(
        link.tenantId,
        link.approleId,
        { ...(kind === 'onboard' ? { roleId: c.roleId } : {}), secretIdHash: c.secretIdHash, secretIdHint: c.secretIdHint },
        tx,
      );
      const approle = rotated && (await this.approles.findForAuth(link.tenantId, link.approleId, tx));
      if (!approle) throw new DomainError('gone', 'the AppRole behind this link was deleted');
      const issued = await this.identity.issue(approle, ip);
      return { approle, secretId: c.secretId, ...issued };
    });
  }

  async exchangeOnboard(
    token: string,
    ip: string,
  ): Promise<{ principal: AppRoleVaultPrincipal; body: IssuedToken & { role_id: string; secret_id: string; base_url: string } }> {
    const r = await this.exchange(token, 'onboard', ip);
    return {
      principal: r.principal,
      body: { role_id: r.approle.roleId, secret_id: r.secretId, ...r.issued, base_url: this.config.publicUrl },
    };
  }

  async exchangeRotate(
    token: string,
    ip: string,
  ): Promise<{
    principal: AppRoleVaultPrincipal;
    body: { role_id: string; secret_id: string; base_url: string; role_display_name: string };
  }> {
    const r = await this.exchange(token, 'rotate', ip);
    return {
      principal: r.principal,
      body: { role_id: r.approle.roleId, secret_id: r.secretId, base_url: this.config.publicUrl, role_display_name: r.approle.name },
    };
  }
}
