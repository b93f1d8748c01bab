-- CreateTable
CREATE TABLE "vault_proxy_patterns" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "secret_path" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "url_template" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "request_headers" TEXT[],
    "request_schema" TEXT,
    "response_status" INTEGER NOT NULL,
    "response_schema" TEXT,
    "successes" INTEGER NOT NULL DEFAULT 0,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "verifiers" TEXT[],
    "last_used_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "vault_proxy_patterns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vault_dynamic_secrets" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "sealed_config" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "default_ttl" INTEGER NOT NULL,
    "max_ttl" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "vault_dynamic_secrets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vault_dynamic_leases" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "holder" TEXT NOT NULL,
    "approle_id" UUID,
    "agent_id" UUID,
    "path" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "sealed_config" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "revoked_at" TIMESTAMP(3),
    "expired_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vault_dynamic_leases_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "vault_proxy_patterns_tenant_id_secret_path_method_url_templ_key" ON "vault_proxy_patterns"("tenant_id", "secret_path", "method", "url_template");

-- CreateIndex
CREATE UNIQUE INDEX "vault_dynamic_secrets_tenant_id_path_key" ON "vault_dynamic_secrets"("tenant_id", "path");

-- CreateIndex
CREATE INDEX "vault_dynamic_leases_tenant_id_holder_expires_at_idx" ON "vault_dynamic_leases"("tenant_id", "holder", "expires_at");

-- CreateIndex
CREATE INDEX "vault_dynamic_leases_expires_at_idx" ON "vault_dynamic_leases"("expires_at");

-- AddForeignKey
ALTER TABLE "vault_dynamic_secrets" ADD CONSTRAINT "vault_dynamic_secrets_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
