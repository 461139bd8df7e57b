import { lazy, Suspense, useMemo, useState } from 'react';
import { Card, Col, Input, Row, Space, Spin, Statistic, Steps, Typography } from 'antd';
import { gql, rest } from '../api';
import { AGENCY_ZH, label, useLang, useT } from '../i18n';
import { navigate, useUser } from '../session';
import { shanghaiToday } from '../time';
import { ErrorBox, UnitSelect, useAsync } from '../ui';

const Chart = lazy(() => import('../Chart'));

interface Rate {
  id: string;
  labelZh: string;
  numerator: number;
  denominator: number;
  perMille?: number;
}
/** Clues transferred (beyond approval), filed (a case exists), prosecuted, judged. */
const STAGES = [
  { zh: '移送', en: 'Transferred', of: (clue: string) => clue !== 'approved' },
  { zh: '立案', en: 'Filed', of: (_clue: string, kase?: string) => kase !== undefined },
  {
    zh: '起诉',
    en: 'Prosecuted',
    of: (_clue: string, kase?: string) => ['prosecuted', 'at_court', 'judged'].includes(kase ?? ''),
  },
  { zh: '判决', en: 'Judged', of: (_clue: string, kase?: string) => kase === 'judged' },
];

/** A unit's dashboard: the two 100% rates, overdue clues, the pipeline, publishing per agency. */
export default function Dashboard() {
  const user = useUser();
  const t = useT();
  const lang = useLang();
  const [unit, setUnit] = useState(user.units?.[0] ?? '');
  const [from, setFrom] = useState(`${Number(shanghaiToday().slice(0, 4)) - 2}-01-01`);
  const [to, setTo] = useState(shanghaiToday());
  const rates = useAsync(
    () => rest<Rate[]>(`/console/api/rates?unit=${unit}&from=${from}&to=${to}`),
    [unit, from, to],
  );
  const clues = useAsync(
    () =>
      gql<{
        all: {
          edges: Array<{ node: { clueId: string; stage: string } }>;
          pageInfo: { hasNextPage: boolean };
        };
        overdue: { edges: unknown[]; pageInfo: { hasNextPage: boolean } };
        cases: { edges: Array<{ node: { clueId?: string; stage: string } }> };
      }>(
        `query($unit:String){ all: clues(filter:{unit:$unit}, first:100){ edges{ node{ clueId stage } } pageInfo{ hasNextPage } }
          overdue: clues(filter:{unit:$unit, due:"overdue"}, first:100){ edges{ cursor } pageInfo{ hasNextPage } }
          cases(first:100){ edges{ node{ clueId stage } } } }`,
        { unit },
      ),
    [unit],
  );
  const activity = useAsync(
    () =>
      gql<{ agencyActivity: Array<{ agency: string; total: number }> }>(
        `query($f:String!,$t:String!){ agencyActivity(from:$f,to:$t){ agency total } }`,
        { f: from, t: to },
      ),
    [from, to],
  );
  const perAgency = useMemo(() => {
    const sums = new Map<string, number>();
    for (const a of activity.data?.agencyActivity ?? [])
      sums.set(a.agency, (sums.get(a.agency) ?? 0) + a.total);
    return [...sums];
  }, [activity.data]);
  const option = useMemo(
    () => ({
      tooltip: {},
      grid: { left: 100, right: 20, top: 10, bottom: 30 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: perAgency.map(([a]) => label(AGENCY_ZH, a, lang)) },
      series: [{ type: 'bar', data: perAgency.map(([, n]) => n), itemStyle: { color: '#1f4e9c' } }],
    }),
    [perAgency, lang],
  );
  const caseOf = new Map((clues.data?.cases.edges ?? []).map((e) => [e.node.clueId, e.node.stage]));
  const stages = (clues.data?.all.edges ?? []).map(
    (e) => [e.node.stage, caseOf.get(e.node.clueId)] as const,
  );
  const more = clues.data?.all.pageInfo.hasNextPage;

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('dashboard')}</Typography.Title>
      <Space wrap>
        <label htmlFor="dash-unit">{t('unit')}</label>
        <UnitSelect id="dash-unit" value={unit} onChange={setUnit} />
        <label htmlFor="dash-from">{lang === 'zh' ? '起' : 'From'}</label>
        <Input
          id="dash-from"
          type="date"
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          style={{ width: 160 }}
        />
        <label htmlFor="dash-to">{lang === 'zh' ? '止' : 'To'}</label>
        <Input
          id="dash-to"
          type="date"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          style={{ width: 160 }}
        />
      </Space>
      <ErrorBox error={rates.error ?? clues.error ?? activity.error} />
      <Row gutter={16}>
        {(rates.data ?? []).map((r) => (
          <Col span={8} key={r.id}>
            <Card title={r.labelZh} loading={rates.loading}>
              <Statistic
                value={r.perMille === undefined ? '—' : (r.perMille / 10).toFixed(1)}
                suffix="%"
              />
              <Typography.Text type="secondary">
                {r.numerator} / {r.denominator}
              </Typography.Text>
            </Card>
          </Col>
        ))}
        <Col span={8}>
          <Card title={lang === 'zh' ? '超期未办线索' : 'Clues overdue'} loading={clues.loading}>
            <a
              href="/ledger?due=overdue"
              onClick={(e) => {
                e.preventDefault();
                navigate('/ledger?due=overdue');
              }}
            >
              <Statistic
                value={`${clues.data?.overdue.edges.length ?? 0}${clues.data?.overdue.pageInfo.hasNextPage ? '+' : ''}`}
                valueStyle={{ color: '#cf1322' }}
              />
            </a>
          </Card>
        </Col>
      </Row>
      <Card title={t('pipeline')} loading={clues.loading}>
        <Steps
          items={STAGES.map((s) => ({
            title: lang === 'zh' ? s.zh : s.en,
            description: `${stages.filter(([clue, kase]) => s.of(clue, kase)).length}${more ? '+' : ''}`,
            status: 'finish' as const,
          }))}
        />
        {more ? (
          <Typography.Text type="secondary">
            {lang === 'zh' ? '按最近 100 条线索统计' : 'Counted over the latest 100 clues'}
          </Typography.Text>
        ) : null}
      </Card>
      <Card title={t('publishing')}>
        {activity.loading ? (
          <Spin />
        ) : (
          <Suspense fallback={<Spin />}>
            <Chart option={option} label={t('publishing')} />
          </Suspense>
        )}
      </Card>
    </Space>
  );
}
