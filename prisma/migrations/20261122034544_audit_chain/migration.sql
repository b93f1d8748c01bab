-- CreateTable
CREATE TABLE "chain_heads" (
    "agent_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL DEFAULT 0,
    "state_hash" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chain_heads_pkey" PRIMARY KEY ("agent_id")
);

-- CreateTable
CREATE TABLE "stamps" (
    "agent_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "tenant_id" UUID NOT NULL,
    "request_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "state_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stamps_pkey" PRIMARY KEY ("agent_id","seq")
);

-- CreateTable
CREATE TABLE "checkpoints" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "body" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checkpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "checkpoint_keys" (
    "key_id" TEXT NOT NULL,
    "public_key" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checkpoint_keys_pkey" PRIMARY KEY ("key_id")
);

-- CreateIndex
CREATE INDEX "chain_heads_tenant_id_idx" ON "chain_heads"("tenant_id");

-- CreateIndex
CREATE INDEX "stamps_request_id_idx" ON "stamps"("request_id");

-- CreateIndex
CREATE INDEX "stamps_agent_id_state_hash_idx" ON "stamps"("agent_id", "state_hash");

-- CreateIndex
CREATE INDEX "stamps_agent_id_created_at_idx" ON "stamps"("agent_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "stamps_agent_id_request_id_key" ON "stamps"("agent_id", "request_id");

-- CreateIndex
CREATE INDEX "checkpoints_tenant_id_created_at_idx" ON "checkpoints"("tenant_id", "created_at");
