import type { Role } from '@portcullis/domain';

/** Who is calling an admin route, resolved once by the guard. */
export interface TenantPrincipal {
  kind: 'user' | 'apiKey';
  tenantId: string;
  role: Role;
  /** user id or API key id */
  id: string;
  /** what audit lines call this caller: `user:<email>` or `api-key:<name>` */
  label: string;
}

/** Who a change is attributed to on the audit chain: a tenant principal, or an end user acting for themselves. */
export type Actor = Pick<TenantPrincipal, 'tenantId' | 'label'>;
