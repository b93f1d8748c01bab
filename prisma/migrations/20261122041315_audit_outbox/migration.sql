-- CreateTable
CREATE TABLE "audit_outbox" (
    "id" UUID NOT NULL,
    "event" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_outbox_created_at_idx" ON "audit_outbox"("created_at");
