-- CreateTable
CREATE TABLE "vault_policies" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "rules" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "vault_policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vault_approles" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role_id" TEXT NOT NULL,
    "secret_id_hash" TEXT NOT NULL,
    "secret_id_hint" TEXT NOT NULL,
    "policies" TEXT[],
    "ip_allowlist" TEXT[],
    "suspended" BOOLEAN NOT NULL DEFAULT false,
    "token_ttl_seconds" INTEGER NOT NULL,
    "agent_id" UUID,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "vault_approles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vault_links" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "approle_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "consumed_at" TIMESTAMP(3),
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vault_links_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vault_secrets" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "current_version" INTEGER NOT NULL,
    "metadata" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "vault_secrets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vault_secret_versions" (
    "id" UUID NOT NULL,
    "secret_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "sealed_value" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vault_secret_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vault_leases" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "holder" TEXT NOT NULL,
    "approle_id" UUID,
    "agent_id" UUID,
    "path" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "revoked_at" TIMESTAMP(3),
    "expired_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vault_leases_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "vault_policies_tenant_id_created_at_idx" ON "vault_policies"("tenant_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "vault_policies_tenant_id_name_key" ON "vault_policies"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "vault_approles_role_id_key" ON "vault_approles"("role_id");

-- CreateIndex
CREATE UNIQUE INDEX "vault_approles_secret_id_hash_key" ON "vault_approles"("secret_id_hash");

-- CreateIndex
CREATE INDEX "vault_approles_tenant_id_created_at_idx" ON "vault_approles"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "vault_approles_agent_id_idx" ON "vault_approles"("agent_id");

-- CreateIndex
CREATE UNIQUE INDEX "vault_approles_tenant_id_name_key" ON "vault_approles"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "vault_links_token_hash_key" ON "vault_links"("token_hash");

-- CreateIndex
CREATE INDEX "vault_links_tenant_id_kind_created_at_idx" ON "vault_links"("tenant_id", "kind", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "vault_secrets_tenant_id_path_key" ON "vault_secrets"("tenant_id", "path");

-- CreateIndex
CREATE UNIQUE INDEX "vault_secret_versions_secret_id_version_key" ON "vault_secret_versions"("secret_id", "version");

-- CreateIndex
CREATE INDEX "vault_leases_tenant_id_holder_expires_at_idx" ON "vault_leases"("tenant_id", "holder", "expires_at");

-- CreateIndex
CREATE INDEX "vault_leases_tenant_id_path_idx" ON "vault_leases"("tenant_id", "path");

-- AddForeignKey
ALTER TABLE "vault_policies" ADD CONSTRAINT "vault_policies_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vault_approles" ADD CONSTRAINT "vault_approles_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vault_links" ADD CONSTRAINT "vault_links_approle_id_fkey" FOREIGN KEY ("approle_id") REFERENCES "vault_approles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vault_secrets" ADD CONSTRAINT "vault_secrets_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vault_secret_versions" ADD CONSTRAINT "vault_secret_versions_secret_id_fkey" FOREIGN KEY ("secret_id") REFERENCES "vault_secrets"("id") ON DELETE CASCADE ON UPDATE CASCADE;
