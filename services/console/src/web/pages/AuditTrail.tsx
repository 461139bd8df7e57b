import { useState } from 'react';
import { Button, Input, Space, Table, Tag, Typography } from 'antd';
import { gql } from '../api';
import { useLang, useT } from '../i18n';
import { ErrorBox, useAsync } from '../ui';

interface Rec {
  id: string;
  atShanghai: string;
  actionLabel: string;
  action: string;
  purpose?: string;
  actor: { kind: string; id: string; name?: string; role?: string };
  subject: { view?: string; unit?: string; form?: string; userId?: string };
  from: { ip?: string };
  result: { outcome: string; code?: string };
}

/** The audit trail: who accessed, exported or changed what, when, why, with what result. */
export default function AuditTrail() {
  const t = useT();
  const zh = useLang() === 'zh';
  const [action, setAction] = useState('');
  const [filter, setFilter] = useState('');
  const recs = useAsync(
    () =>
      gql<{ auditTrail: { edges: Array<{ node: Rec }> } }>(
        `query($filter:AuditFilter){ auditTrail(filter:$filter, first:100){ edges{ node{ id atShanghai action actionLabel purpose actor{ kind id name role } subject{ view unit form userId } from{ ip } result{ outcome code } } } } }`,
        { filter: filter ? { action: filter } : {} },
      ),
    [filter],
  );
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('auditTrail')}</Typography.Title>
      <Space>
        <label htmlFor="audit-action">
          {zh ? '操作代码（如 auth、export）' : 'Action code (e.g. auth, export)'}
        </label>
        <Input
          id="audit-action"
          value={action}
          onChange={(e) => setAction(e.target.value.trim())}
          style={{ width: 200 }}
        />
        <Button type="primary" onClick={() => setFilter(action)}>
          {t('query')}
        </Button>
      </Space>
      <ErrorBox error={recs.error} />
      <Table
        size="small"
        rowKey={(r) => r.id}
        loading={recs.loading}
        dataSource={recs.data?.auditTrail.edges.map((e) => e.node) ?? []}
        pagination={{ pageSize: 50 }}
        columns={[
          { title: zh ? '时间（北京时间）' : 'At (Asia/Shanghai)', dataIndex: 'atShanghai' },
          {
            title: zh ? '操作' : 'Action',
            key: 'a',
            render: (_: unknown, r) => (zh ? r.actionLabel.split(' / ')[0] : r.action),
          },
          {
            title: zh ? '操作人' : 'Actor',
            key: 'who',
            render: (_: unknown, r) =>
              `${r.actor.name ?? r.actor.id}${r.actor.role ? `（${r.actor.role}）` : ''}`,
          },
          {
            title: zh ? '对象' : 'Subject',
            key: 's',
            render: (_: unknown, r) =>
              [r.subject.view, r.subject.form, r.subject.unit, r.subject.userId]
                .filter(Boolean)
                .join(' · '),
          },
          { title: zh ? '事由' : 'Purpose', dataIndex: 'purpose' },
          { title: zh ? '来源' : 'From', key: 'ip', render: (_: unknown, r) => r.from.ip ?? '' },
          {
            title: zh ? '结果' : 'Result',
            key: 'r',
            render: (_: unknown, r) => (
              <Tag color={r.result.outcome === 'ok' ? 'green' : 'red'}>
                {r.result.outcome}
                {r.result.code ? ` ${r.result.code}` : ''}
              </Tag>
            ),
          },
        ]}
      />
    </Space>
  );
}
