/** What the control plane adds to every Express request. */
import type { TenantPrincipal } from './auth/principal.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by requestContext for every request; echoed as X-Request-Id and in every error body. */
    requestId: string;
    /** Set by TenantAuthGuard on /api/v1/admin routes. */
    principal?: TenantPrincipal;
  }
}
