import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import express, { Router } from 'express';
import { eventCatalogue } from '@hub/domain';
import { openApiDocument } from './openapi-document.js';

/** Swagger UI's static files, from the npm package: the reference page needs no CDN. */
const swaggerUiDir = dirname(
  createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
);

/** The reference page: Swagger UI from the hub itself, reading /v1/openapi.json. */
const REFERENCE_PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>接口说明 · Hub API reference</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'">
<link rel="stylesheet" href="/docs/api/assets/swagger-ui.css">
</head>
<body>
<div id="api"></div>
<script src="/docs/api/assets/swagger-ui-bundle.js"></script>
<script src="/docs/api/start.js"></script>
</body>
</html>
`;
const START_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#api', deepLinking: true, validatorUrl: null });\n`;

/**
 * What a vendor reads before it has a credential: the OpenAPI document, the event catalogue
 * and the reference page. Mounted before the agency credential is asked for.
 */
export function openApiRouter(): Router {
  const router = Router();
  const document = JSON.stringify(openApiDocument());
  const catalogue = JSON.stringify(eventCatalogue());
  router.get('/v1/openapi.json', (_req, res) => {
    res.type('application/json').send(document);
  });
  router.get('/v1/catalogue', (_req, res) => {
    res.type('application/json').send(catalogue);
  });
  router.get('/docs/api', (_req, res) => {
    res.type('html').send(REFERENCE_PAGE);
  });
  router.get('/docs/api/start.js', (_req, res) => {
    res.type('text/javascript').send(START_SCRIPT);
  });
  router.use(
    '/docs/api/assets',
    express.static(swaggerUiDir, { index: false, fallthrough: false }),
  );
  return router;
}
