import { Space, Table, Typography } from 'antd';
import { rest } from '../api';
import { AGENCY_ZH, label, useLang, useT } from '../i18n';
import { ErrorBox, useAsync } from '../ui';

interface Flag {
  inspectionId: string;
  reportingUnit?: string;
  agency?: string;
  fakeFindingIds: string[];
  finedFen: string;
  rule: { id: string; zh: string; en: string };
}

const yuan = (fen: string) => {
  const n = BigInt(fen);
  return `${n / 100n}.${(n % 100n).toString().padStart(2, '0')}`;
};

/** Inspections fined and never transferred although the transfer criteria were met (以罚代刑). */
export default function Penalty() {
  const t = useT();
  const lang = useLang();
  const zh = lang === 'zh';
  const rows = useAsync(() => rest<Flag[]>('/console/api/penalty-instead-of-prosecution'), []);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('penalty')}</Typography.Title>
      <ErrorBox error={rows.error} />
      <Table
        size="small"
        rowKey="inspectionId"
        loading={rows.loading}
        dataSource={rows.data ?? []}
        columns={[
          { title: zh ? '检查编号' : 'Inspection', dataIndex: 'inspectionId' },
          {
            title: zh ? '部门' : 'Agency',
            dataIndex: 'agency',
            render: (a?: string) => label(AGENCY_ZH, a, lang),
          },
          { title: zh ? '单位' : 'Unit', dataIndex: 'reportingUnit' },
          {
            title: zh ? '查出假证（本）' : 'Fakes',
            key: 'fakes',
            align: 'right',
            render: (_: unknown, f) => f.fakeFindingIds.length,
          },
          {
            title: zh ? '罚款（元）' : 'Fined (yuan)',
            dataIndex: 'finedFen',
            align: 'right',
            render: yuan,
          },
          {
            title: t('rule'),
            key: 'rule',
            render: (_: unknown, f) => (zh ? f.rule.zh : f.rule.en),
          },
        ]}
      />
    </Space>
  );
}
