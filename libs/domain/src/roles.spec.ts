import { describe, expect, it } from 'vitest';
import { httpStatusOf, ERROR_CODES } from './errors.js';
import { isRole, roleAllows } from './roles.js';

describe('roles', () => {
  it('orders admin > creator > member', () => {
    expect(roleAllows('admin', 'member')).toBe(true);
    expect(roleAllows('admin', 'admin')).toBe(true);
    expect(roleAllows('creator', 'creator')).toBe(true);
    expect(roleAllows('creator', 'admin')).toBe(false);
    expect(roleAllows('member', 'creator')).toBe(false);
    expect(isRole('owner')).toBe(false);
  });
});

describe('error codes', () => {
  it('map to 4xx/5xx statuses, each distinct', () => {
    const statuses = ERROR_CODES.map(httpStatusOf);
    expect(new Set(statuses).size).toBe(ERROR_CODES.length);
    expect(statuses.every((s) => s >= 400 && s < 600)).toBe(true);
  });
});
