-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "allowed_upstreams" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "budgets" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "provider_base_url" TEXT,
ADD COLUMN     "provider_kind" TEXT,
ADD COLUMN     "sealed_provider_key" TEXT;

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "allow_provider_keys" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "default_provider_base_url" TEXT,
ADD COLUMN     "default_provider_kind" TEXT,
ADD COLUMN     "sealed_default_provider_key" TEXT;
