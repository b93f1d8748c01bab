/**
 * Vault policies: named sets of rules `{path, capabilities}`. A caller holds the union of the rules
 * of every policy it names; nothing is allowed unless a rule grants it (default deny).
 *
 * Path globs (matched against whole secret paths):
 *   `*`   any run of characters within one segment (never crosses `/`)
 *   `**`  any run of characters, across segments, including none: `a/**` matches `a/x` and
 *         `a/x/y`; a bare `**` matches every path
 *   anything else matches itself.
 *
 * Capabilities: read, list, write, delete, lease, proxy, admin.
 *   - `read` implies `list`;
 *   - `admin` implies every capability on the paths it covers;
 *   - `admin` on `**` makes the caller a vault admin (may create rotation links).
 */
export const CAPABILITIES = ['read', 'list', 'write', 'delete', 'lease', 'proxy', 'admin'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface PolicyRule {
  path: string;
  capabilities: Capability[];
}

/** Capabilities that hand the caller the value, or let it use the value (scrub covers these). */
export const USE_CAPABILITIES: readonly Capability[] = ['read', 'lease', 'proxy'];

export function isCapability(value: unknown): value is Capability {
  return typeof value === 'string' && (CAPABILITIES as readonly string[]).includes(value);
}

const GLOB_SEGMENT = /^(?:\*\*|[A-Za-z0-9._*-]+)$/;
export const POLICY_PATH_MAX_LENGTH = 256;

/** Why `glob` is not a valid policy path, or null. */
export function policyPathProblem(glob: string): string | null {
  if (glob.length === 0) return 'policy path is empty';
  if (glob.length > POLICY_PATH_MAX_LENGTH) return `policy path is longer than ${POLICY_PATH_MAX_LENGTH} characters`;
  if (glob.startsWith('/')) return 'policy path must not start with /';
  for (const s of glob.split('/')) {
    if (s === '') return 'policy path must not contain empty segments';
    if (s === '.' || s === '..') return 'policy path must not contain . or .. segments';
    if (!GLOB_SEGMENT.test(s)) return 'policy path segments hold letters, digits, . _ - and * (or are exactly **)';
    if (s.includes('**') && s !== '**') return '** must be a whole segment';
  }
  return null;
}

const compiled = new Map<string, RegExp>();

/** The glob as an anchored regular expression (cached: policies are few and reused). */
function globRegex(glob: string): RegExp {
  let re = compiled.get(glob);
  if (re) return re;
  const parts = glob.split('/');
  let src = '';
  parts.forEach((seg, i) => {
    const last = i === parts.length - 1;
    if (seg === '**') {
      // `**/` may stand for zero segments; a final `**` needs at least one character after the `/`.
      src += last ? '.+' : '(?:.*/)?';
      return;
    }
    // Segments hold only [A-Za-z0-9._*-] (policyPathProblem), so `.` is the one character to escape.
    src += seg.replace(/\./g, '\\.').replace(/\*/g, '[^/]*');
    if (!last) src += '/';
  });
  re = new RegExp(`^${src}$`);
  if (compiled.size > 10_000) compiled.clear();
  compiled.set(glob, re);
  return re;
}

export function globMatches(glob: string, path: string): boolean {
  return globRegex(glob).test(path);
}

/** Every capability the rules grant on `path`, with the implications applied. */
export function capabilitiesFor(rules: readonly PolicyRule[], path: string): Set<Capability> {
  const out = new Set<Capability>();
  for (const r of rules) {
    if (!globMatches(r.path, path)) continue;
    for (const c of r.capabilities) out.add(c);
  }
  if (out.has('admin')) for (const c of CAPABILITIES) out.add(c);
  if (out.has('read')) out.add('list');
  return out;
}

export function allows(rules: readonly PolicyRule[], path: string, capability: Capability): boolean {
  return capabilitiesFor(rules, path).has(capability);
}

/** True when the caller may do anything at all with `path` (this is what listings show). */
export function usable(rules: readonly PolicyRule[], path: string): boolean {
  return capabilitiesFor(rules, path).size > 0;
}

/** True when some rule grants `admin` on every path. */
export function isVaultAdmin(rules: readonly PolicyRule[]): boolean {
  return rules.some((r) => r.path === '**' && r.capabilities.includes('admin'));
}

/** For each capability, the globs that grant it (implications applied); for explaining a denial. */
export function grantsByCapability(rules: readonly PolicyRule[]): Map<Capability, string[]> {
  const out = new Map<Capability, string[]>(CAPABILITIES.map((c) => [c, []]));
  for (const r of rules) {
    const caps = new Set<Capability>(r.capabilities);
    if (caps.has('admin')) for (const c of CAPABILITIES) caps.add(c);
    if (caps.has('read')) caps.add('list');
    for (const c of caps) if (!out.get(c)!.includes(r.path)) out.get(c)!.push(r.path);
  }
  return out;
}

/** Canonical form: capabilities deduplicated and in CAPABILITIES order, rules in the given order. */
export function normaliseRules(rules: readonly PolicyRule[]): PolicyRule[] {
  return rules.map((r) => ({ path: r.path, capabilities: CAPABILITIES.filter((c) => r.capabilities.includes(c)) }));
}
