// Hand-run benchmark of the vault's pure hot spots: policy evaluation and scrubbing.
//   pnpm run build && node libs/domain/bench/vault.bench.mjs
// Prints figures; asserts nothing. Numbers depend on the machine (and on anyone else using it).
import { performance } from 'node:perf_hooks';
import { capabilitiesFor, scrub } from '@portcullis/domain';

function bench(name, iterations, fn) {
  for (let i = 0; i < Math.min(iterations, 1000); i++) fn(i); // warm up
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn(i);
  const ms = performance.now() - t0;
  console.log(`${name.padEnd(52)} ${((ms * 1000) / iterations).toFixed(2).padStart(9)} µs/op  (${iterations} ops)`);
}

const rules = Array.from({ length: 20 }, (_, i) => ({ path: i % 2 ? `team-${i}/**` : `team-${i}/*`, capabilities: ['read', 'lease'] }));
rules.push({ path: '**/shared', capabilities: ['list'] });
bench('capabilitiesFor: 21 rules, deep path', 200_000, (i) => capabilitiesFor(rules, `team-${i % 20}/svc/db/shared`));

const values = Array.from({ length: 100 }, (_, i) => ({ label: `svc/${i}`, value: `value-${i}-${'x'.repeat(24)}` }));
const filler = 'The quick brown fox jumps over the lazy dog. '.repeat(200); // ~9 KB
const text = `${filler} sk-proj-${'a1B2'.repeat(12)} ${values[42].value} AKIAIOSFODNN7EXAMPLE ${filler}`;
bench('scrub: 18 KB text, 100 vault values, all shapes', 2_000, () => scrub(text, values));
bench('scrub: 18 KB text, no vault values', 2_000, () => scrub(text));
const small = `calling the API with sk-proj-${'a1B2'.repeat(12)} now`;
bench('scrub: 60 B text, 100 vault values', 50_000, () => scrub(small, values));
