// prisma.config.ts — Prisma 6.19.x, fully offline: JS (wasm) schema engine + @prisma/adapter-pg.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

// schema.prisma keeps `url = env("DATABASE_URL")` (Prisma 6.19 requires a url there even with an
// adapter). If that env var is unset the CLI cannot read the generator's engineType, falls back to
// "library" and tries to DOWNLOAD libquery_engine (fails offline). So always give it a value.
process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/postgres';
const url = process.env.DATABASE_URL;

// Workaround 1 (prisma/orm#27403): the wasm schema engine's introspection selects catalog
// columns of type `name` (OID 19) and `"char"` (OID 18). @prisma/adapter-pg's fieldToColumnType()
// throws UnsupportedNativeDataType for them *before* any type parser runs, so pg.types.setTypeParser
// or the adapter's userDefinedTypeParser (only OIDs >= 16384) do not help. Relabel those columns
// as `text` (OID 25) when pg receives the row description; their text wire format is identical.
// This file is only loaded by the Prisma CLI, so the patch never touches the application runtime.
const PgResult = (pg as unknown as { Result: { prototype: { addFields(f: { dataTypeID: number }[]): void } } }).Result;
// eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound with .call below
const origAddFields = PgResult.prototype.addFields;
PgResult.prototype.addFields = function (fields) {
  for (const f of fields) if (f.dataTypeID === 18 || f.dataTypeID === 19) f.dataTypeID = 25;
  return origAddFields.call(this, fields);
};

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// Workaround 2: stock PrismaPg.connectToShadowDb() (a) opens the shadow pool with
// {...config, database}, but a `connectionString` wins over `database`, so the "shadow" pool talks to
// the MAIN database (seen: P3006 'type "Role" already exists'); (b) runs DROP DATABASE before ending
// the shadow pool; (c) never ends its admin pool. Create the throwaway shadow DB ourselves, connect
// to it by URL, and drop it only after its pool has been closed.
class OfflinePrismaPg extends PrismaPg {
  override async connectToShadowDb() {
    const name = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
    await adminQuery(`CREATE DATABASE "${name}"`);
    const shadowUrl = new URL(url);
    shadowUrl.pathname = `/${name}`;
    const adapter = await new PrismaPg({ connectionString: shadowUrl.toString() }).connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose(); // ends the shadow pool
      await adminQuery(`DROP DATABASE IF EXISTS "${name}"`);
    };
    return adapter;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  // allowExitOnIdle: otherwise the pg Pool's 10 s idle timer keeps the CLI alive after it finished.
  adapter: () => Promise.resolve(new OfflinePrismaPg({ connectionString: url, allowExitOnIdle: true })),
});
