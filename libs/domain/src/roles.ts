/**
 * Tenant roles, strongest first. Each role includes everything the roles after it may do:
 * admins manage users, keys, credentials and issuers; creators create and manage agents; members read.
 */
export const ROLES = ['admin', 'creator', 'member'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `held` is at least as strong as `required`. */
export function roleAllows(held: Role, required: Role): boolean {
  return ROLES.indexOf(held) <= ROLES.indexOf(required);
}
