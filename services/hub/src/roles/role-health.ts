import { createServer, type Server } from 'node:http';
import type { HubConfig } from '../config.js';
import type { LeaseRole, RoleLease } from './role-lease.js';

export interface RoleHealthServer {
  url: string;
  server: Server;
}

/**
 * What the orchestrator asks a process of a leased role: /healthz (alive, whether it is the
 * active one, and its lease state: active, standby or electing), /readyz (connected to
 * PostgreSQL, active or standing by) and, when given, /metrics.
 */
export async function serveRoleHealth(
  config: HubConfig,
  role: LeaseRole,
  lease: RoleLease,
  metrics?: { metrics(): Promise<string>; contentType: string },
): Promise<RoleHealthServer> {
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/healthz')
      return json(200, { status: 'ok', role, active: lease.isActive, lease: lease.state });
    if (req.url === '/readyz')
      return lease.isConnected
        ? json(200, { status: 'ready', active: lease.isActive })
        : json(503, {
            status: 'not ready',
            reason: '未连接数据库 / no connection to the database',
          });
    if (req.url === '/metrics' && metrics) {
      void metrics.metrics().then((text) => {
        res.writeHead(200, { 'Content-Type': metrics.contentType });
        res.end(text);
      });
      return;
    }
    json(404, { status: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  return { url: `http://${config.HOST}:${port}`, server };
}
