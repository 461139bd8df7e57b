import { useState } from 'react';
import { Input, Space, Table, Tag, Typography } from 'antd';
import { gql } from '../api';
import { AGENCY_ZH, label, useLang, useT } from '../i18n';
import { shanghaiToday } from '../time';
import { ErrorBox, useAsync } from '../ui';

interface Day {
  agency: string;
  day: string;
  total: number;
  byType: Array<{ type: string; count: number }>;
}

/** What each agency published, per Asia/Shanghai day. */
export default function Activity() {
  const t = useT();
  const lang = useLang();
  const zh = lang === 'zh';
  const [from, setFrom] = useState(`${Number(shanghaiToday().slice(0, 4)) - 2}-01-01`);
  const [to, setTo] = useState(shanghaiToday());
  const rows = useAsync(
    () =>
      gql<{ agencyActivity: Day[] }>(
        `query($f:String!,$t:String!){ agencyActivity(from:$f,to:$t){ agency day total byType{ type count } } }`,
        { f: from, t: to },
      ),
    [from, to],
  );
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('activity')}</Typography.Title>
      <Space>
        <label htmlFor="act-from">{zh ? '起' : 'From'}</label>
        <Input id="act-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        <label htmlFor="act-to">{zh ? '止' : 'To'}</label>
        <Input id="act-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
      </Space>
      <ErrorBox error={rows.error} />
      <Table
        size="small"
        rowKey={(r) => `${r.agency}-${r.day}`}
        loading={rows.loading}
        dataSource={rows.data?.agencyActivity ?? []}
        columns={[
          { title: zh ? '日期（北京时间）' : 'Day (Asia/Shanghai)', dataIndex: 'day' },
          {
            title: t('agency'),
            dataIndex: 'agency',
            render: (a: string) => label(AGENCY_ZH, a, lang),
          },
          { title: zh ? '事件数' : 'Events', dataIndex: 'total', align: 'right' },
          {
            title: zh ? '事件类型' : 'Types',
            key: 'types',
            render: (_: unknown, r) =>
              r.byType.map((b) => (
                <Tag key={b.type}>
                  {b.type} × {b.count}
                </Tag>
              )),
          },
        ]}
      />
    </Space>
  );
}
