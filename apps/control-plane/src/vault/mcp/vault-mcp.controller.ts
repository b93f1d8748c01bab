import { All, Controller, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { VaultAuthGuard } from '../auth/vault-auth.guard.js';
import { Caller, type TenantVaultPrincipal } from '../auth/vault-principal.js';
import { VaultMcpService } from './vault-mcp.service.js';

/**
 * `/v1/mcp`: the vault's MCP tools over Streamable HTTP, with the bearer token of the REST API.
 * Authentication happens here, per HTTP request, before any MCP message is read: a missing, invalid
 * or expired token, a suspended AppRole or a disabled bound agent is a 401 `{error, request_id}`.
 * The endpoint is stateless (see VaultMcpService), so GET (a server-to-client SSE stream) and DELETE
 * (ending a session) answer 405, as the transport specification provides for.
 */
@ApiTags('vault')
@ApiBearerAuth()
@UseGuards(VaultAuthGuard)
@Controller('v1/mcp')
export class VaultMcpController {
  constructor(private readonly mcp: VaultMcpService) {}

  @Post()
  @ApiOperation({ summary: 'MCP JSON-RPC messages (Streamable HTTP, JSON responses): the gatehouse_* vault tools' })
  async post(@Caller() p: TenantVaultPrincipal, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.mcp.handle(p, req, res);
  }

  @All()
  @ApiExcludeEndpoint()
  other(@Caller() _p: TenantVaultPrincipal, @Req() req: Request, @Res() res: Response): void {
    res
      .status(405)
      .setHeader('allow', 'POST')
      .json({
        error: `${req.method} is not offered on /v1/mcp: the endpoint is stateless (no SSE stream, no session to end); POST JSON-RPC messages with Accept: application/json, text/event-stream`,
        request_id: req.requestId,
      });
  }
}
