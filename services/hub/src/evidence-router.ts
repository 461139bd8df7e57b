import { Router } from 'express';
import type { AuditRecorder } from '@hub/audit';
import type { ChainNotary, CheckpointStore, HubSigningKey } from '@hub/evidence';
import { audited, noteAudit } from '@hub/ingestion';

/**
 * What agencies fetch to hold the hub's history to account: the latest signed checkpoint
 * (signed afresh when the history moved since) and the hub's public key to check it with.
 */
export function evidenceRouter(deps: {
  notary: ChainNotary;
  checkpoints: CheckpointStore;
  key: HubSigningKey;
  audit: AuditRecorder;
}): Router {
  const router = Router();
  router.get(
    '/v1/evidence/checkpoint',
    audited(deps.audit, 'evidence.checkpoint'),
    async (_req, res) => {
      const checkpoint = (await deps.notary.signNow()) ?? (await deps.checkpoints.latest());
      if (checkpoint) noteAudit(res, { subject: { count: checkpoint.count } });
      if (!checkpoint) {
        res.status(204).end();
        return;
      }
      res.setHeader('Cache-Control', 'no-store');
      res.json(checkpoint);
    },
  );
  router.get('/v1/evidence/public-key', (_req, res) => {
    res.type('application/x-pem-file').send(deps.key.publicKeyPem);
  });
  return router;
}
