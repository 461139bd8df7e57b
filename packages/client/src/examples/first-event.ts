/**
 * A first accepted event from TypeScript, as README "Connecting an agency" runs it:
 *   AGENCY_TOKEN=hub_emergency_… node packages/client/dist/examples/first-event.js
 * (an agency's own code imports from '@hub/client' instead of '../index.js').
 */
import { HubClient, HubProblemError } from '../index.js';

const token = process.env.AGENCY_TOKEN;
if (!token) {
  console.error('请设置 AGENCY_TOKEN / set AGENCY_TOKEN to an agency credential');
  process.exit(2);
}
const hub = new HubClient({
  baseUrl: process.env.AGENCY_HUB_URL ?? 'http://127.0.0.1:4000',
  token,
});
const inspectionId = process.argv[2] ?? 'INS-TS-0001';

try {
  // The data is typed by the event type: a wrong field or value does not compile.
  const event = {
    reportingUnit: '310105',
    occurredAt: '2024-06-20T10:00:00+08:00',
    actor: { officerId: 'E-042' },
    data: {
      inspectionId,
      subjectKind: 'employer' as const,
      subject: { creditCode: '914403001922038216', name: '示例机械有限公司' },
      method: 'special' as const,
      inspectedOn: '2024-06-20',
      workersChecked: 12,
    },
  };
  const first = await hub.publish('InspectionConducted', event);
  console.log(`accepted=${first.accepted} duplicate=${first.duplicate} id=${first.eventIds[0]}`);
  // The same event id again: recorded once, answered as a duplicate.
  const again = await hub.publish('InspectionConducted', { ...event, id: first.eventIds[0] });
  console.log(`accepted=${again.accepted} duplicate=${again.duplicate} id=${again.eventIds[0]}`);
} catch (error) {
  if (error instanceof HubProblemError)
    console.error(`${error.code}: ${error.titleZh} / ${error.title}`);
  throw error;
}
