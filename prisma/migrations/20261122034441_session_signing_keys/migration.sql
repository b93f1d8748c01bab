-- CreateEnum
CREATE TYPE "SessionKeyAlg" AS ENUM ('EdDSA', 'ES256');

-- CreateTable
CREATE TABLE "session_signing_keys" (
    "kid" TEXT NOT NULL,
    "alg" "SessionKeyAlg" NOT NULL,
    "sealed_private_key" TEXT NOT NULL,
    "public_jwk" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMP(3),

    CONSTRAINT "session_signing_keys_pkey" PRIMARY KEY ("kid")
);

-- CreateIndex
CREATE INDEX "session_signing_keys_retired_at_idx" ON "session_signing_keys"("retired_at");
