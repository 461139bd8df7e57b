import { useMemo, useState } from 'react';
import { Button, Drawer, Input, Radio, Select, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { download, gql } from '../api';
import { FORM_QUERY, FORMS_LIST_QUERY, formVariables, gqlOnce } from '../queries';
import { useLang, useT } from '../i18n';
import { useUser } from '../session';
import { ErrorBox, UnitSelect, useAsync } from '../ui';

interface Cell {
  figureId: string;
  column: number;
  display: string;
  headerZh: string;
  subHeaderZh?: string;
  groupZh: string[];
  columnZh?: string;
}
interface Row {
  unit: string;
  labelZh: string;
  kind: string;
  serial?: number;
  cells: Cell[];
}
interface FormData {
  formId: string;
  titleZh: string;
  periodLabelZh: string;
  periodNoteZh?: string;
  basisZh: string;
  columns: unknown[];
  rows: Row[];
}
interface Picked {
  formId: string;
  unit: string;
  period?: string;
  from?: string;
  to?: string;
}

/** The header over each value, nested as printed: group, header, 件/人, column. */
function headerPath(cell: Cell, columns: number): string[] {
  return [
    ...cell.groupZh,
    cell.headerZh,
    ...(cell.subHeaderZh ? [cell.subHeaderZh] : []),
    ...(columns > 1 && cell.columnZh ? [cell.columnZh] : []),
  ];
}

type Col = ColumnsType<Row>[number] & { children?: Col[] };

/** Pick a form, a unit and a period; the form laid out as printed; download; click a figure. */
export default function Forms() {
  const t = useT();
  const zh = useLang() === 'zh';
  const user = useUser();
  const params = new URLSearchParams(window.location.search);
  const [formId, setFormId] = useState(params.get('form') ?? 'shanghai-2024');
  const [unit, setUnit] = useState(params.get('unit') ?? user.units?.[0] ?? '');
  const [mode, setMode] = useState<'period' | 'range'>(params.get('from') ? 'range' : 'period');
  const [period, setPeriod] = useState(params.get('period') ?? '');
  const [from, setFrom] = useState(params.get('from') ?? '');
  const [to, setTo] = useState(params.get('to') ?? '');
  // The address names the form: the same variables the shell may have asked for already.
  const [picked, setPicked] = useState<Picked | undefined>(() =>
    formVariables(window.location.search),
  );
  const [cell, setCell] = useState<{ row: Row; cell: Cell }>();

  function read(): Picked {
    return { formId, unit, ...(mode === 'period' ? (period ? { period } : {}) : { from, to }) };
  }
  const templates = useAsync(
    () =>
      gqlOnce<{ forms: Array<{ formId: string; titleZh: string; namedPeriodZh: string }> }>(
        FORMS_LIST_QUERY,
      ),
    [],
  );
  const form = useAsync(
    async () =>
      picked ? (await gqlOnce<{ form: FormData }>(FORM_QUERY, { ...picked })).form : undefined,
    [picked],
  );
  const show = () => {
    const p = read();
    const q = new URLSearchParams({
      form: p.formId,
      unit: p.unit,
      ...(p.period ? { period: p.period } : {}),
      ...(p.from ? { from: p.from, to: p.to ?? '' } : {}),
    });
    window.history.replaceState(null, '', `/forms?${q}`);
    setPicked(p);
  };
  const file = (format: 'csv' | 'xlsx') => {
    if (!picked) return;
    const q = new URLSearchParams({
      unit: picked.unit,
      format,
      ...(picked.period ? { period: picked.period } : {}),
      ...(picked.from ? { from: picked.from, to: picked.to ?? '' } : {}),
    });
    return `/console/api/forms/${picked.formId}/file?${q}`;
  };

  const [fetching, setFetching] = useState<'csv' | 'xlsx'>();
  const [received, setReceived] = useState(0);
  const [saveError, setSaveError] = useState<string>();
  const save = (format: 'csv' | 'xlsx') => {
    const path = file(format);
    if (!path) return;
    setFetching(format);
    setReceived(0);
    setSaveError(undefined);
    download(path, setReceived)
      .catch((e: unknown) => setSaveError((e as Error).message))
      .finally(() => setFetching(undefined));
  };

  const columns = useMemo(() => {
    const data = form.data;
    if (!data?.rows[0]) return [];
    const n = data.columns.length;
    const root: Col[] = [
      {
        title: '序号',
        key: 'serial',
        width: 56,
        render: (_: unknown, r: Row) => r.serial ?? '',
      },
      {
        title: zh ? '单位' : 'Unit',
        key: 'unit',
        width: 140,
        render: (_: unknown, r: Row) =>
          r.kind === 'total' ? <strong>{r.labelZh}</strong> : r.labelZh,
      },
    ];
    data.rows[0].cells.forEach((c, i) => {
      const path = headerPath(c, n);
      let level = root;
      path.forEach((title, depth) => {
        const last = depth === path.length - 1;
        const existing = level[level.length - 1];
        if (!last && existing && existing.title === title && existing.children) {
          level = existing.children;
          return;
        }
        if (last) {
          level.push({
            title,
            key: `c${i}`,
            align: 'right',
            onHeaderCell: () => ({ style: { whiteSpace: 'normal', minWidth: 72 } }),
            render: (_: unknown, r: Row) => {
              const v = r.cells[i]!;
              return v.display === '0' || v.display === '' ? (
                <span>{v.display}</span>
              ) : (
                <a
                  href="#"
                  aria-label={`${r.labelZh} ${path.join(' ')} ${v.display}`}
                  onClick={(e) => {
                    e.preventDefault();
                    setCell({ row: r, cell: v });
                  }}
                >
                  {v.display}
                </a>
              );
            },
          });
        } else {
          const group: Col = {
            title,
            key: `g${i}-${depth}`,
            children: [],
            onHeaderCell: () => ({ style: { whiteSpace: 'normal' } }),
          };
          level.push(group);
          level = group.children!;
        }
      });
    });
    return root;
  }, [form.data, zh]);

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('forms')}</Typography.Title>
      <Space wrap>
        <label htmlFor="form-id">{t('form')}</label>
        <Select
          id="form-id"
          style={{ width: 360 }}
          value={formId}
          onChange={setFormId}
          options={(templates.data?.forms ?? []).map((f) => ({
            value: f.formId,
            label: f.titleZh,
          }))}
        />
        <label htmlFor="form-unit">{t('unit')}</label>
        <UnitSelect id="form-unit" value={unit} onChange={setUnit} />
        <Input
          aria-label={t('unit')}
          style={{ width: 100 }}
          value={unit}
          onChange={(e) => setUnit(e.target.value.trim())}
        />
      </Space>
      <Space wrap>
        <Radio.Group
          value={mode}
          onChange={(e) => setMode(e.target.value as 'period' | 'range')}
          options={[
            { value: 'period', label: t('namedPeriod') },
            { value: 'range', label: t('range') },
          ]}
        />
        {mode === 'period' ? (
          <>
            <label htmlFor="form-period">{t('period')}</label>
            <Input
              id="form-period"
              placeholder="YYYY-MM"
              style={{ width: 120 }}
              value={period}
              onChange={(e) => setPeriod(e.target.value.trim())}
            />
            <Typography.Text type="secondary">
              {templates.data?.forms.find((f) => f.formId === formId)?.namedPeriodZh}
            </Typography.Text>
          </>
        ) : (
          <>
            <label htmlFor="form-from">{zh ? '起' : 'From'}</label>
            <Input
              id="form-from"
              type="date"
              style={{ width: 160 }}
              value={from}
              onChange={(e) => setFrom(e.target.value)}
            />
            <label htmlFor="form-to">{zh ? '止' : 'To'}</label>
            <Input
              id="form-to"
              type="date"
              style={{ width: 160 }}
              value={to}
              onChange={(e) => setTo(e.target.value)}
            />
          </>
        )}
        <Button type="primary" onClick={show} id="form-show">
          {t('query')}
        </Button>
        <Button
          id="form-xlsx"
          loading={fetching === 'xlsx'}
          onClick={() => save('xlsx')}
          disabled={!form.data}
        >
          {t('download')} XLSX
        </Button>
        <Button
          id="form-csv"
          loading={fetching === 'csv'}
          onClick={() => save('csv')}
          disabled={!form.data}
        >
          {t('download')} CSV
        </Button>
        {fetching ? (
          <Typography.Text role="status">
            {zh
              ? `正在生成并下载… 已收到 ${Math.ceil(received / 1024)} KB`
              : `Preparing and downloading… ${Math.ceil(received / 1024)} KB received`}
          </Typography.Text>
        ) : null}
      </Space>
      <ErrorBox error={templates.error ?? form.error ?? saveError} />
      {form.data ? (
        <div className="printed-form">
          <Typography.Title level={4} style={{ textAlign: 'center' }}>
            {form.data.titleZh}
          </Typography.Title>
          {form.data.periodNoteZh ? (
            <Typography.Paragraph type="secondary">{form.data.periodNoteZh}</Typography.Paragraph>
          ) : null}
          <Table<Row>
            bordered
            size="small"
            rowKey={(r) => `${r.kind}-${r.unit}`}
            rowClassName={(r) => (r.kind === 'total' ? 'form-total' : '')}
            pagination={false}
            style={{ overflowX: 'auto' }}
            columns={columns}
            dataSource={form.data.rows}
            loading={form.loading}
          />
          <Typography.Paragraph type="secondary">{form.data.basisZh}</Typography.Paragraph>
        </div>
      ) : picked && form.loading ? (
        <Table loading columns={[]} />
      ) : null}
      <Drawer
        open={Boolean(cell)}
        onClose={() => setCell(undefined)}
        title={t('events')}
        size="large"
      >
        {cell && picked ? <CellEvents picked={picked} row={cell.row} cell={cell.cell} /> : null}
      </Drawer>
    </Space>
  );
}

function CellEvents({ picked, row, cell }: { picked: Picked; row: Row; cell: Cell }) {
  const zh = useLang() === 'zh';
  const events = useAsync(
    () =>
      gql<{
        formCellEventContents: Array<{
          eventId: string;
          type: string;
          typeZh: string;
          agency: string;
          reportingUnit: string;
          occurredAt: string;
          recordedAt: string;
          recordedLate: boolean;
          data: string;
        }>;
      }>(
        `query($formId:ID!,$figureId:ID!,$unit:String!,$period:String,$from:String,$to:String,$column:Int){
          formCellEventContents(formId:$formId, figureId:$figureId, unit:$unit, period:$period, from:$from, to:$to, column:$column, first:50){
            eventId type typeZh agency reportingUnit occurredAt recordedAt recordedLate data } }`,
        { ...picked, unit: row.unit, figureId: cell.figureId, column: cell.column },
      ),
    [picked, row, cell],
  );
  return (
    <>
      <Typography.Paragraph>
        {row.labelZh} ·{' '}
        {[...cell.groupZh, cell.headerZh, cell.subHeaderZh].filter(Boolean).join(' / ')} ={' '}
        <strong>{cell.display}</strong>
      </Typography.Paragraph>
      <ErrorBox error={events.error} />
      <Table
        size="small"
        rowKey="eventId"
        loading={events.loading}
        dataSource={events.data?.formCellEventContents ?? []}
        pagination={false}
        columns={[
          {
            title: zh ? '事件' : 'Event',
            dataIndex: 'typeZh',
            render: (v: string, e) => (
              <>
                {zh ? v : e.type}
                <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                  {e.eventId}
                </Typography.Text>
              </>
            ),
          },
          {
            title: zh ? '部门 / 填报单位' : 'Agency / unit',
            dataIndex: 'agency',
            render: (v: string, e) => `${v} / ${e.reportingUnit}`,
          },
          // Both already Asia/Shanghai (YYYY-MM-DD HH:mm), as the hub sends them.
          { title: zh ? '发生时间' : 'Occurred', dataIndex: 'occurredAt' },
          {
            title: zh ? '记录时间' : 'Recorded',
            dataIndex: 'recordedAt',
            render: (v: string, e) => (
              <>
                {v} {e.recordedLate ? <Tag color="orange">{zh ? '迟报' : 'late'}</Tag> : null}
              </>
            ),
          },
          {
            title: zh ? '事件内容' : 'Content',
            dataIndex: 'data',
            render: (v: string) => (
              <pre className="event-data" style={{ whiteSpace: 'pre-wrap', margin: 0 }}>
                {JSON.stringify(JSON.parse(v), null, 1)}
              </pre>
            ),
          },
        ]}
      />
      <Typography.Paragraph type="secondary">
        {zh
          ? '最多显示 50 条；身份证号已脱敏，加密的个人信息显示为“已加密”，不在此解密。'
          : 'At most 50 shown; ID numbers masked, sealed personal data shown as 已加密 and never opened here.'}
      </Typography.Paragraph>
    </>
  );
}
