-- CreateEnum
CREATE TYPE "WorkroomMessageKind" AS ENUM ('announce_intent', 'share_update', 'request_sync');

-- CreateTable
CREATE TABLE "workrooms" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "last_seq" INTEGER NOT NULL DEFAULT 0,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workrooms_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "workroom_members" (
    "workroom_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "joined_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workroom_members_pkey" PRIMARY KEY ("workroom_id","agent_id")
);

-- CreateTable
CREATE TABLE "workroom_messages" (
    "workroom_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "tenant_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "user_id" TEXT,
    "kind" "WorkroomMessageKind" NOT NULL,
    "body" TEXT NOT NULL,
    "request_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workroom_messages_pkey" PRIMARY KEY ("workroom_id","seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "workrooms_tenant_id_name_key" ON "workrooms"("tenant_id", "name");

-- CreateIndex
CREATE INDEX "workroom_members_tenant_id_agent_id_idx" ON "workroom_members"("tenant_id", "agent_id");

-- CreateIndex
CREATE UNIQUE INDEX "workroom_messages_request_id_key" ON "workroom_messages"("request_id");

-- AddForeignKey
ALTER TABLE "workroom_members" ADD CONSTRAINT "workroom_members_workroom_id_fkey" FOREIGN KEY ("workroom_id") REFERENCES "workrooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workroom_messages" ADD CONSTRAINT "workroom_messages_workroom_id_fkey" FOREIGN KEY ("workroom_id") REFERENCES "workrooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
