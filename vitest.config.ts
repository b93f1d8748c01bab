import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const libs = ['domain', 'contracts', 'config', 'db', 'testing'];
const alias = Object.fromEntries(
  libs.map((l) => [`@portcullis/${l}`, fileURLToPath(new URL(`./libs/${l}/src/index.ts`, import.meta.url))]),
);

// Tests run against the libraries' sources (no build needed); e2e tests drive the built apps as
// separate processes. SWC keeps Nest's decorator metadata, which esbuild cannot emit.
export default defineConfig({
  plugins: [
    swc.vite({
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
      },
    }),
  ],
  resolve: { alias },
  test: {
    reporters: ['default'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      ...libs.map((l) => ({ extends: true as const, test: { name: l, include: [`libs/${l}/src/**/*.spec.ts`] } })),
      ...['control-plane', 'proxy', 'worker', 'cli'].map((a) => ({
        extends: true as const,
        test: { name: a, include: [`apps/${a}/src/**/*.spec.ts`, `apps/${a}/test/**/*.spec.ts`] },
      })),
      { extends: true as const, test: { name: 'e2e', include: ['e2e/**/*.e2e.ts'], testTimeout: 60_000, fileParallelism: false } },
    ],
  },
});
