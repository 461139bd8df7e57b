/**
 * The request examples of the OpenAPI document. A test sends each one to a running hub and
 * expects it accepted, so a vendor can copy them as they are.
 */
export const OPENAPI_EXAMPLES = {
  publishEvents: {
    inspection: {
      summary: '执法检查及查出问题 / An inspection and its finding',
      value: {
        events: [
          {
            id: '0b6f1f8e-6d0e-4a53-9b1e-2f9c8a7d1e01',
            type: 'InspectionConducted',
            schemaVersion: 1,
            reportingUnit: '310105',
            occurredAt: '2024-06-20T10:00:00+08:00',
            actor: { officerId: 'E-042' },
            data: {
              inspectionId: 'INS-2024-0001',
              subjectKind: 'employer',
              subject: { creditCode: '914403001922038216', name: '示例机械有限公司' },
              method: 'special',
              inspectedOn: '2024-06-20',
              workersChecked: 12,
            },
          },
        ],
      },
    },
  },
  verifyCertificate: {
    check: {
      summary: '现场核验一张特种作业操作证 / Check a certificate on site',
      value: {
        verificationId: 'VER-2024-0001',
        reportingUnit: '310105',
        certificate: { type: '特种作业操作证', number: 'T310105198001010011' },
        printed: { operationCategory: '电工作业', operationItem: '低压电工作业' },
      },
    },
  },
} as const;
