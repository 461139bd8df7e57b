import { useState } from 'react';
import { Button, Descriptions, Drawer, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { gql } from '../api';
import { CLUES_QUERY, gqlOnce } from '../queries';
import { AGENCY_ZH, STAGE_ZH, STATUS_ZH, label, useLang, useT } from '../i18n';
import { shanghai } from '../time';
import { ErrorBox, EventType, useAsync } from '../ui';

interface Step {
  ruleId: string;
  labelZh: string;
  party: string;
  startedAt: string;
  dueBy?: string;
  endedAt?: string;
  status: string;
  source: string;
}
interface Clue {
  clueId: string;
  transferringAgency?: string;
  reportingUnit?: string;
  toPoliceUnit?: string;
  fakeCertificates?: number;
  suspects?: number;
  stage: string;
  open: boolean;
  steps: Step[];
}
interface Page {
  clues: { edges: Array<{ node: Clue }>; pageInfo: { hasNextPage: boolean; endCursor?: string } };
}

const isOverdue = (c: Clue) => c.steps.some((s) => s.status === 'overdue');

export function StepStatus({ status }: { status: string }) {
  const lang = useLang();
  const color =
    status === 'overdue'
      ? 'red'
      : status === 'late'
        ? 'orange'
        : ['due', 'open', 'pending_no_deadline'].includes(status)
          ? 'blue'
          : status === 'expired'
            ? 'default'
            : 'green';
  return <Tag color={color}>{label(STATUS_ZH, status, lang)}</Tag>;
}

/** The clue ledger: filters, overdue highlighted, a clue's statutory steps and timeline. */
export default function Ledger() {
  const t = useT();
  const lang = useLang();
  const zh = lang === 'zh';
  const params = new URLSearchParams(window.location.search);
  const [unit, setUnit] = useState(params.get('unit') ?? '');
  const [agency, setAgency] = useState(params.get('agency') ?? '');
  const [due, setDue] = useState(params.get('due') ?? '');
  const [status, setStatus] = useState(params.get('status') ?? '');
  const [filter, setFilter] = useState(() => ({ unit, agency, due, status }));
  const [pages, setPages] = useState<string[]>([]);
  const [more, setMore] = useState<Clue[]>([]);
  const [open, setOpen] = useState<string>();
  const query = (after?: string) =>
    gqlOnce<Page>(CLUES_QUERY, {
      filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v)),
      ...(after ? { after } : {}),
    });
  const first = useAsync(() => query(), [filter]);
  const [next, setNext] = useState<Page['clues']['pageInfo']>();
  const info = next ?? first.data?.clues.pageInfo;
  const rows = [...(first.data?.clues.edges.map((e) => e.node) ?? []), ...more];
  const apply = () => {
    setMore([]);
    setNext(undefined);
    setPages([]);
    const f = { unit, agency, due, status };
    window.history.replaceState(
      null,
      '',
      `/ledger?${new URLSearchParams(Object.entries(f).filter(([, v]) => v))}`,
    );
    setFilter(f);
  };
  const loadMore = () =>
    info?.endCursor &&
    void query(info.endCursor).then((p) => {
      setMore((m) => [...m, ...p.clues.edges.map((e) => e.node)]);
      setNext(p.clues.pageInfo);
      setPages((x) => [...x, info.endCursor!]);
    });

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('ledger')}</Typography.Title>
      <Space wrap>
        <label htmlFor="ledger-unit">{t('unit')}</label>
        <Input
          id="ledger-unit"
          style={{ width: 110 }}
          value={unit}
          placeholder="310105"
          onChange={(e) => setUnit(e.target.value.trim())}
        />
        <label htmlFor="ledger-agency">{zh ? '移送部门' : 'Transferring agency'}</label>
        <Select
          id="ledger-agency"
          style={{ width: 150 }}
          value={agency}
          onChange={setAgency}
          options={[
            { value: '', label: t('all') },
            ...Object.keys(AGENCY_ZH).map((a) => ({ value: a, label: label(AGENCY_ZH, a, lang) })),
          ]}
        />
        <label htmlFor="ledger-due">{zh ? '期限' : 'Deadline'}</label>
        <Select
          id="ledger-due"
          style={{ width: 120 }}
          value={due}
          onChange={setDue}
          options={[
            { value: '', label: t('all') },
            { value: 'overdue', label: t('overdue') },
            { value: 'due', label: t('due') },
          ]}
        />
        <label htmlFor="ledger-status">{t('status')}</label>
        <Select
          id="ledger-status"
          style={{ width: 120 }}
          value={status}
          onChange={setStatus}
          options={[
            { value: '', label: t('all') },
            { value: 'open', label: t('open') },
            { value: 'closed', label: zh ? '已办结' : 'Closed' },
          ]}
        />
        <Button type="primary" id="ledger-apply" onClick={apply}>
          {t('query')}
        </Button>
      </Space>
      <ErrorBox error={first.error} />
      <Table<Clue>
        size="small"
        rowKey="clueId"
        loading={first.loading}
        dataSource={rows}
        pagination={false}
        rowClassName={(c) => (isOverdue(c) ? 'row-overdue' : '')}
        onRow={(c) => ({ style: isOverdue(c) ? { background: '#fff1f0' } : {} })}
        columns={[
          {
            title: t('clueId'),
            dataIndex: 'clueId',
            render: (id: string) => (
              <a
                href={`#${id}`}
                onClick={(e) => {
                  e.preventDefault();
                  setOpen(id);
                }}
              >
                {id}
              </a>
            ),
          },
          {
            title: zh ? '移送部门' : 'Agency',
            dataIndex: 'transferringAgency',
            render: (a?: string) => label(AGENCY_ZH, a, lang),
          },
          { title: zh ? '移送单位' : 'Unit', dataIndex: 'reportingUnit' },
          { title: zh ? '接收公安' : 'Police unit', dataIndex: 'toPoliceUnit' },
          { title: zh ? '假证数' : 'Fakes', dataIndex: 'fakeCertificates', align: 'right' },
          {
            title: t('stage'),
            dataIndex: 'stage',
            render: (s: string) => label(STAGE_ZH, s, lang),
          },
          {
            title: zh ? '当前待办' : 'Waiting on',
            key: 'waiting',
            render: (_: unknown, c) => {
              const s =
                c.steps.find((x) => x.status === 'overdue') ??
                c.steps.find((x) => ['due', 'open', 'pending_no_deadline'].includes(x.status));
              return s ? (
                <>
                  {s.labelZh} <StepStatus status={s.status} /> {s.dueBy ? shanghai(s.dueBy) : ''}
                </>
              ) : (
                '—'
              );
            },
          },
        ]}
      />
      {info?.hasNextPage ? (
        <Button onClick={loadMore}>
          {zh ? `加载更多（已显示 ${rows.length} 条）` : `More (${rows.length} shown)`}
        </Button>
      ) : (
        <Typography.Text type="secondary">
          {zh ? `共 ${rows.length} 条` : `${rows.length} clues`}
        </Typography.Text>
      )}
      <span hidden>{pages.length}</span>
      <Drawer
        open={Boolean(open)}
        onClose={() => setOpen(undefined)}
        title={`${t('clueId')} ${open ?? ''}`}
        size="large"
      >
        {open ? <ClueTimeline clueId={open} /> : null}
      </Drawer>
    </Space>
  );
}

/** A clue's statutory steps (rule, article, due time, status) and its events across agencies. */
export function ClueTimeline({ clueId }: { clueId: string }) {
  const t = useT();
  const lang = useLang();
  const zh = lang === 'zh';
  const clue = useAsync(
    () =>
      gql<{
        clue:
          | (Clue & {
              timeline: Array<{
                eventId: string;
                type: string;
                agency: string;
                reportingUnit: string;
                occurredAt: string;
                recordedLate: boolean;
              }>;
            })
          | null;
      }>(
        `query($id:ID!){ clue(clueId:$id){ clueId transferringAgency reportingUnit toPoliceUnit fakeCertificates suspects stage open
          steps{ ruleId labelZh party startedAt dueBy endedAt status source }
          timeline{ eventId type agency reportingUnit occurredAt recordedLate } } }`,
        { id: clueId },
      ),
    [clueId],
  );
  const c = clue.data?.clue;
  return (
    <>
      <ErrorBox error={clue.error} />
      {c ? (
        <>
          <Descriptions
            size="small"
            column={2}
            items={[
              {
                label: zh ? '移送部门' : 'Agency',
                children: label(AGENCY_ZH, c.transferringAgency, lang),
              },
              { label: t('stage'), children: label(STAGE_ZH, c.stage, lang) },
              { label: zh ? '移送单位' : 'Unit', children: c.reportingUnit },
              { label: zh ? '接收公安' : 'Police unit', children: c.toPoliceUnit ?? '—' },
            ]}
          />
          <Typography.Title level={5}>{t('step')}</Typography.Title>
          <Table
            size="small"
            rowKey={(s) => `${s.ruleId}-${s.startedAt}`}
            pagination={false}
            dataSource={c.steps}
            columns={[
              { title: t('step'), dataIndex: 'labelZh' },
              { title: t('article'), dataIndex: 'source' },
              {
                title: zh ? '承办方' : 'Party',
                dataIndex: 'party',
                render: (p: string) => label(AGENCY_ZH, p, lang),
              },
              { title: zh ? '起算' : 'Started', dataIndex: 'startedAt', render: shanghai },
              {
                title: t('dueBy'),
                dataIndex: 'dueBy',
                render: (d?: string) => (d ? shanghai(d) : zh ? '未设期限' : 'no deadline'),
              },
              { title: zh ? '办结' : 'Done', dataIndex: 'endedAt', render: shanghai },
              {
                title: t('status'),
                dataIndex: 'status',
                render: (s: string) => <StepStatus status={s} />,
              },
            ]}
          />
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('timeline')}
          </Typography.Title>
          <Table
            size="small"
            rowKey="eventId"
            pagination={false}
            dataSource={c.timeline}
            columns={[
              { title: zh ? '发生时间' : 'Occurred', dataIndex: 'occurredAt', render: shanghai },
              {
                title: t('agency'),
                dataIndex: 'agency',
                render: (a: string) => label(AGENCY_ZH, a, lang),
              },
              {
                title: zh ? '事项' : 'Event',
                dataIndex: 'type',
                render: (type: string) => <EventType type={type} />,
              },
              { title: t('unit'), dataIndex: 'reportingUnit' },
            ]}
          />
        </>
      ) : clue.loading ? null : (
        <Typography.Text>
          {zh ? '无此线索或不在您的辖区' : 'No such clue in your units'}
        </Typography.Text>
      )}
    </>
  );
}
