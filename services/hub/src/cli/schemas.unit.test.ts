import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventJsonSchemas } from '@hub/domain';
import { connectDocuments, graphqlSdl, staleSchemas } from './commands.js';

describe('committed JSON Schemas', () => {
  it('match what the catalogue generates (run `npm run schemas` after changing an event)', () => {
    const dir = join(__dirname, '../../../../schemas/events');
    const generated = eventJsonSchemas().map((s) => ({
      file: s.file,
      text: `${JSON.stringify(s.schema, null, 2)}\n`,
    }));
    expect(staleSchemas(dir, generated)).toEqual([]);
  });

  it('include the GraphQL SDL as the server builds it (run `npm run schemas` after changing it)', () => {
    const committed = readFileSync(
      join(__dirname, '../../../../schemas/graphql/hub.graphql'),
      'utf8',
    );
    expect(committed).toBe(graphqlSdl());
    expect(committed).toContain('type Query');
  });

  it('include the OpenAPI document, the event catalogue and the client’s types as generated (run `npm run schemas`)', () => {
    const documents = connectDocuments();
    expect(documents.map((d) => d.file).sort()).toEqual([
      'packages/client/src/generated/event-types.ts',
      'schemas/catalogue.json',
      'schemas/openapi/hub.openapi.json',
    ]);
    for (const { file, text } of documents)
      expect({
        file,
        text: readFileSync(join(__dirname, '../../../..', file), 'utf8'),
      }).toEqual({
        file,
        text,
      });
  });

  it('describe money as an integer number of fen', () => {
    const fine = JSON.parse(
      readFileSync(join(__dirname, '../../../../schemas/events/FineImposed.v2.json'), 'utf8'),
    ) as {
      properties: { amountFen: { type: string } };
    };
    expect(fine.properties.amountFen.type).toBe('integer');
  });
});
