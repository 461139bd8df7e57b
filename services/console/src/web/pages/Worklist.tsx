import { useState } from 'react';
import { Descriptions, Drawer, Space, Table, Tag, Typography } from 'antd';
import { gql } from '../api';
import { AGENCY_ZH, STAGE_ZH, label, useLang, useT } from '../i18n';
import { shanghai } from '../time';
import { ErrorBox, EventType, useAsync } from '../ui';
import { ClueTimeline, StepStatus } from './Ledger';

const REASON_ZH: Record<string, string> = {
  early_intervention: '提前介入',
  awaiting_prosecution_decision: '审查起诉待决定',
  awaiting_penalty_after_non_prosecution: '不起诉后待行政处罚',
  awaiting_reply_to_opinion: '检察意见待回复（反向衔接）',
};
interface CaseRow {
  caseId: string;
  clueId?: string;
  stage: string;
  earlyIntervention: boolean;
  suspects?: number;
}

/** The procurator's worklist, and each case from clue to judgment. */
export default function Worklist() {
  const t = useT();
  const lang = useLang();
  const zh = lang === 'zh';
  const [open, setOpen] = useState<string>();
  // Filing supervision waits on the procuratorate in the clue ledger, not on a case.
  const supervision = useAsync(
    () =>
      gql<{
        clues: {
          edges: Array<{
            node: {
              clueId: string;
              reportingUnit?: string;
              steps: Array<{
                labelZh: string;
                party: string;
                status: string;
                dueBy?: string;
                source: string;
              }>;
            };
          }>;
        };
      }>(
        `{ clues(filter:{status:"open"}, first:100){ edges{ node{ clueId reportingUnit steps{ labelZh party status dueBy source } } } } }`,
      ).then((r) =>
        r.clues.edges
          .map((e) => e.node)
          .flatMap((c) =>
            c.steps
              .filter(
                (s) =>
                  s.party === 'procuratorate' &&
                  ['due', 'open', 'overdue', 'pending_no_deadline'].includes(s.status),
              )
              .map((s) => ({ clueId: c.clueId, unit: c.reportingUnit, ...s })),
          ),
      ),
    [],
  );
  const list = useAsync(
    () =>
      gql<{ procuratorWorklist: Array<{ case: CaseRow; reasons: string[] }> }>(
        `{ procuratorWorklist { reasons case { caseId clueId stage earlyIntervention suspects } } }`,
      ),
    [],
  );
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('worklist')}</Typography.Title>
      <ErrorBox error={list.error} />
      <Table
        size="small"
        rowKey={(w) => w.case.caseId}
        loading={list.loading}
        dataSource={list.data?.procuratorWorklist ?? []}
        pagination={{ pageSize: 50 }}
        columns={[
          {
            title: t('caseId'),
            key: 'case',
            render: (_: unknown, w) => (
              <a
                href={`#${w.case.caseId}`}
                onClick={(e) => {
                  e.preventDefault();
                  setOpen(w.case.caseId);
                }}
              >
                {w.case.caseId}
              </a>
            ),
          },
          { title: t('clueId'), key: 'clue', render: (_: unknown, w) => w.case.clueId ?? '—' },
          {
            title: t('stage'),
            key: 'stage',
            render: (_: unknown, w) => label(STAGE_ZH, w.case.stage, lang),
          },
          {
            title: zh ? '待办事项' : 'To do',
            key: 'reasons',
            render: (_: unknown, w) =>
              w.reasons.map((r) => (
                <Tag key={r} color="blue">
                  {zh ? (REASON_ZH[r] ?? r) : r}
                </Tag>
              )),
          },
          {
            title: zh ? '犯罪嫌疑人' : 'Suspects',
            key: 'suspects',
            align: 'right',
            render: (_: unknown, w) => w.case.suspects ?? '—',
          },
        ]}
      />
      <Typography.Title level={4}>
        {zh ? '立案监督（线索）' : 'Filing supervision (clues)'}
      </Typography.Title>
      <ErrorBox error={supervision.error} />
      <Table
        size="small"
        rowKey={(r) => `${r.clueId}-${r.labelZh}`}
        loading={supervision.loading}
        dataSource={supervision.data ?? []}
        pagination={false}
        columns={[
          { title: t('clueId'), dataIndex: 'clueId' },
          { title: t('unit'), dataIndex: 'unit' },
          { title: t('step'), dataIndex: 'labelZh' },
          { title: t('article'), dataIndex: 'source' },
          {
            title: t('dueBy'),
            dataIndex: 'dueBy',
            render: (d?: string) => (d ? shanghai(d) : zh ? '未设期限' : 'no deadline'),
          },
          {
            title: t('status'),
            dataIndex: 'status',
            render: (s: string) => <StepStatus status={s} />,
          },
        ]}
      />
      <Drawer
        open={Boolean(open)}
        onClose={() => setOpen(undefined)}
        title={`${t('caseId')} ${open ?? ''}`}
        size="large"
      >
        {open ? <CasePage caseId={open} /> : null}
      </Drawer>
    </Space>
  );
}

/** A case from the clue to the judgment. */
function CasePage({ caseId }: { caseId: string }) {
  const lang = useLang();
  const zh = lang === 'zh';
  const found = useAsync(
    () =>
      gql<{
        case: {
          caseId: string;
          clueId?: string;
          stage: string;
          earlyIntervention: boolean;
          suspects?: number;
          prosecutedPersons?: number;
          nonProsecutedPersons?: number;
          judgment?: { convictedPersons: number; acquittedPersons: number; deliveredOn: string };
          reverseLink?: { addressee: string; penaltyDecided: boolean; replied: boolean };
          timeline: Array<{ eventId: string; type: string; agency: string; occurredAt: string }>;
        } | null;
      }>(
        `query($id:ID!){ case(caseId:$id){ caseId clueId stage earlyIntervention suspects prosecutedPersons nonProsecutedPersons
          judgment{ convictedPersons acquittedPersons deliveredOn } reverseLink{ addressee penaltyDecided replied }
          timeline{ eventId type agency occurredAt } } }`,
        { id: caseId },
      ),
    [caseId],
  );
  const c = found.data?.case;
  return (
    <>
      <ErrorBox error={found.error} />
      {c ? (
        <>
          <Descriptions
            size="small"
            column={2}
            bordered
            items={[
              { label: zh ? '所处环节' : 'Stage', children: label(STAGE_ZH, c.stage, lang) },
              {
                label: zh ? '提前介入' : 'Early intervention',
                children: c.earlyIntervention ? (zh ? '是' : 'yes') : zh ? '否' : 'no',
              },
              { label: zh ? '犯罪嫌疑人' : 'Suspects', children: c.suspects ?? '—' },
              { label: zh ? '起诉人数' : 'Prosecuted', children: c.prosecutedPersons ?? '—' },
              {
                label: zh ? '不起诉人数' : 'Not prosecuted',
                children: c.nonProsecutedPersons ?? '—',
              },
              {
                label: zh ? '判决' : 'Judgment',
                children: c.judgment
                  ? `${zh ? '有罪' : 'convicted'} ${c.judgment.convictedPersons}，${c.judgment.deliveredOn}`
                  : '—',
              },
              {
                label: zh ? '反向衔接' : 'Reverse link',
                children: c.reverseLink
                  ? `${label(AGENCY_ZH, c.reverseLink.addressee, lang)}：${c.reverseLink.penaltyDecided ? (zh ? '已处罚' : 'penalised') : zh ? '待处罚' : 'penalty pending'}，${c.reverseLink.replied ? (zh ? '已回复' : 'replied') : zh ? '待回复' : 'reply due'}`
                  : '—',
              },
            ]}
          />
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {zh ? '案件过程' : 'Case timeline'}
          </Typography.Title>
          <Table
            size="small"
            rowKey="eventId"
            pagination={false}
            dataSource={c.timeline}
            columns={[
              { title: zh ? '发生时间' : 'Occurred', dataIndex: 'occurredAt', render: shanghai },
              {
                title: zh ? '部门' : 'Agency',
                dataIndex: 'agency',
                render: (a: string) => label(AGENCY_ZH, a, lang),
              },
              {
                title: zh ? '事项' : 'Event',
                dataIndex: 'type',
                render: (type: string) => <EventType type={type} />,
              },
            ]}
          />
          {c.clueId ? (
            <>
              <Typography.Title level={5} style={{ marginTop: 16 }}>
                {zh ? '线索' : 'Clue'} {c.clueId}
              </Typography.Title>
              <ClueTimeline clueId={c.clueId} />
            </>
          ) : null}
        </>
      ) : null}
    </>
  );
}
