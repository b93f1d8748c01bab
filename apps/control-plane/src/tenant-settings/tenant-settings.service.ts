import { Inject, Injectable } from '@nestjs/common';
import { EnvelopeCipher, notFound } from '@portcullis/domain';
import { CIPHER } from '../infra/tokens.js';
import { SnapshotPublisher } from '../infra/snapshot-publisher.js';
import { prepareProvider, providerColumns } from '../llm/provider.rules.js';
import { TenantSettingsRepository, type TenantSettingsChange } from './tenant-settings.repository.js';
import { TenantSettingsResponseDto, type TenantSettingsUpdateDto } from './tenant-settings.dto.js';

/**
 * The caller's own tenant: its default LLM provider and whether callers may bring their own provider
 * key. Every change rewrites the tenant snapshot the proxies read.
 */
@Injectable()
export class TenantSettingsService {
  constructor(
    private readonly tenants: TenantSettingsRepository,
    private readonly publisher: SnapshotPublisher,
    @Inject(CIPHER) private readonly cipher: EnvelopeCipher,
  ) {}

  async get(tenantId: string): Promise<TenantSettingsResponseDto> {
    const t = await this.tenants.findById(tenantId);
    if (!t) throw notFound('tenant');
    return TenantSettingsResponseDto.from(t);
  }

  async update(tenantId: string, dto: TenantSettingsUpdateDto): Promise<TenantSettingsResponseDto> {
    // Checked and sealed before the transaction: bad input changes nothing.
    const provider =
      dto.defaultProvider !== undefined ? await prepareProvider(dto.defaultProvider, this.cipher, tenantId, 'defaultProvider') : undefined;
    const t = await this.tenants.update(tenantId, (current) => {
      const change: TenantSettingsChange = {};
      if (provider !== undefined) {
        const p = providerColumns(
          provider,
          { baseUrl: current.defaultProviderBaseUrl, sealedKey: current.sealedDefaultProviderKey },
          'defaultProvider',
        );
        change.defaultProviderKind = p.kind;
        change.defaultProviderBaseUrl = p.baseUrl;
        change.sealedDefaultProviderKey = p.sealedKey;
      }
      if (dto.allowProviderKeys !== undefined) change.allowProviderKeys = dto.allowProviderKeys;
      return change;
    });
    if (!t) throw notFound('tenant');
    await this.publisher.publishTenant(tenantId);
    return TenantSettingsResponseDto.from(t);
  }
}
