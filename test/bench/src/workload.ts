import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@hub/event-store';

/** ~320-byte JSON events, the size PEERS.md measured with. */
export function benchEvent(i: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'InspectionConducted',
    data: {
      inspectionId: `INS-${i}`,
      subjectKind: 'employer',
      subject: { creditCode: '914403001922038216', name: '示例机械有限公司' },
      method: 'special',
      inspectedOn: '2024-06-20',
      workersChecked: i % 40,
    },
    metadata: {
      agency: 'emergency',
      reportingUnit: '310105',
      occurredAt: '2024-06-20T10:00:00+08:00',
      correlationId: randomUUID(),
    },
  };
}
