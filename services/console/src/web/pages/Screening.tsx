import { useEffect, useState } from 'react';
import { Alert, Button, Card, Input, Progress, Select, Space, Table, Tag, Typography } from 'antd';
import { download, getCsrf, gql, HubError, problemMessage, type ProblemBody } from '../api';
import { inLang, useLang, useT } from '../i18n';
import { useUser } from '../session';
import { ErrorBox, UnitSelect } from '../ui';

interface Status {
  status: string;
  rows: number;
  rejectedRows: number;
  negativeRows: number;
  anomalies: number;
}
interface Result {
  line: number;
  rejected?: string;
  certificateType?: string;
  numberMasked?: string;
  holderMasked?: string;
  result?: string;
  evidence?: string[];
  anomalies?: string[];
}

const RESULT_ZH: Record<string, string> = {
  valid: '有效',
  pending_registry: '发证数据未导入',
  unknown_number: '查无此证号',
  revoked: '已注销',
  holder_mismatch: '持证人不符',
  data_mismatch: '信息不符',
  expired: '已过期',
  review_overdue: '逾期未复审',
  other_department: '其他部门核发',
  not_valid_for_job: '与作业类别不符',
};
const MAX_SHOWN = 2000;

/** Sends a file with the upload's progress (fetch cannot report it). */
function upload(
  path: string,
  file: File,
  onProgress: (percent: number) => void,
): Promise<{ screeningId: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('X-CSRF-Token', getCsrf());
    xhr.setRequestHeader(
      'Content-Type',
      file.name.toLowerCase().endsWith('.xlsx')
        ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
        : 'text/csv',
    );
    xhr.upload.onprogress = (e) =>
      e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () => {
      const body = JSON.parse(xhr.responseText || '{}') as {
        screeningId?: string;
      } & ProblemBody;
      if (xhr.status === 202 && body.screeningId) resolve({ screeningId: body.screeningId });
      else
        reject(
          new HubError(
            problemMessage(body) ??
              `上传失败（${xhr.status}），请重试 / the upload failed (${xhr.status}): try again`,
            body.code,
            xhr.status,
          ),
        );
    };
    xhr.onerror = () =>
      reject(
        new HubError(
          '无法连接平台，请检查网络后重试 / the hub cannot be reached: check the network and try again',
        ),
      );
    xhr.send(file);
  });
}

/** A roster screened against the registry: upload, progress, results with filters, XLSX. */
export default function Screening() {
  const t = useT();
  const lang = useLang();
  const zh = lang === 'zh';
  const user = useUser();
  const [unit, setUnit] = useState(user.units?.[0] ?? '');
  const [purpose, setPurpose] = useState('');
  const [file, setFile] = useState<File>();
  const [sent, setSent] = useState<number>();
  const [id, setId] = useState<string>();
  const [status, setStatus] = useState<Status>();
  const [results, setResults] = useState<Result[]>([]);
  const [truncated, setTruncated] = useState(false);
  const [filter, setFilter] = useState('');
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);

  const start = () => {
    if (!file)
      return setError('请选择名单文件（CSV 或 XLSX） / choose a roster file (CSV or XLSX)');
    setError(undefined);
    setStatus(undefined);
    setResults([]);
    setSent(0);
    upload(
      `/console/api/screenings?${new URLSearchParams({ purpose, reportingUnit: unit })}`,
      file,
      setSent,
    )
      .then((r) => setId(r.screeningId))
      .catch((e: unknown) => {
        setSent(undefined);
        setError((e as Error).message);
      });
  };

  // The screening's progress, asked every half second until it ends; then its results.
  useEffect(() => {
    if (!id) return;
    let live = true;
    const poll = async () => {
      while (live) {
        const s = (
          await gql<{ screening: Status | null }>(
            `query($id:ID!){ screening(screeningId:$id){ status rows rejectedRows negativeRows anomalies } }`,
            { id },
          )
        ).screening;
        if (!live || !s) return;
        setStatus(s);
        if (s.status !== 'running') break;
        await new Promise((r) => setTimeout(r, 500));
      }
      if (!live) return;
      let after: string | undefined;
      const rows: Result[] = [];
      for (;;) {
        const page = (
          await gql<{
            screeningResults: {
              edges: Array<{ node: Result }>;
              pageInfo: { hasNextPage: boolean; endCursor?: string };
            };
          }>(
            `query($id:ID!,$after:String){ screeningResults(screeningId:$id, first:100, after:$after){ edges{ node{ line rejected certificateType numberMasked holderMasked result evidence anomalies } } pageInfo{ hasNextPage endCursor } } }`,
            { id, ...(after ? { after } : {}) },
          )
        ).screeningResults;
        rows.push(...page.edges.map((e) => e.node));
        if (!live) return;
        setResults([...rows]);
        if (!page.pageInfo.hasNextPage) return;
        if (rows.length >= MAX_SHOWN) return setTruncated(true);
        after = page.pageInfo.endCursor;
      }
    };
    poll().catch((e: unknown) => live && setError((e as Error).message));
    return () => {
      live = false;
    };
  }, [id]);

  const shown = results.filter((r) =>
    filter === ''
      ? true
      : filter === 'negative'
        ? r.result !== 'valid' || Boolean(r.rejected)
        : filter === 'anomalies'
          ? (r.anomalies?.length ?? 0) > 0
          : r.result === filter,
  );
  const running = status?.status === 'running' || (sent !== undefined && !status);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('screening')}</Typography.Title>
      <Card>
        <Space wrap>
          <label htmlFor="screen-unit">{t('unit')}</label>
          <UnitSelect id="screen-unit" value={unit} onChange={setUnit} />
          <label htmlFor="screen-purpose">{zh ? '比对事由' : 'Purpose'}</label>
          <Input
            id="screen-purpose"
            style={{ width: 260 }}
            value={purpose}
            onChange={(e) => setPurpose(e.target.value)}
            placeholder={zh ? '如：2024年专项检查在岗人员核查' : 'e.g. on-site staff check'}
          />
          <label htmlFor="screen-file">
            {zh ? '名单文件（CSV 或 XLSX）' : 'Roster (CSV or XLSX)'}
          </label>
          <input
            id="screen-file"
            type="file"
            accept=".csv,.xlsx"
            onChange={(e) => setFile(e.target.files?.[0])}
          />
          <Button type="primary" id="screen-start" onClick={start} loading={running}>
            {zh ? '上传并比对' : 'Upload and screen'}
          </Button>
        </Space>
        {sent !== undefined ? (
          <div style={{ marginTop: 16 }}>
            <Typography.Text>{zh ? '上传' : 'Upload'}</Typography.Text>
            <Progress percent={sent} aria-label={zh ? '上传进度' : 'Upload progress'} />
          </div>
        ) : null}
        {status ? (
          <div role="status" style={{ marginTop: 8 }}>
            <Typography.Text>
              {status.status === 'running'
                ? zh
                  ? `正在比对… 已比对 ${status.rows} 行`
                  : `Screening… ${status.rows} rows so far`
                : status.status === 'done'
                  ? zh
                    ? `比对完成：共 ${status.rows} 行，问题 ${status.negativeRows} 行，未能比对 ${status.rejectedRows} 行，异常 ${status.anomalies} 处`
                    : `Done: ${status.rows} rows, ${status.negativeRows} negative, ${status.rejectedRows} rejected, ${status.anomalies} anomalies`
                  : zh
                    ? '比对失败，请检查文件后重新上传'
                    : 'The screening failed: check the file and upload it again'}
            </Typography.Text>
            <Progress
              percent={status.status === 'running' ? 50 : 100}
              status={
                status.status === 'running'
                  ? 'active'
                  : status.status === 'done'
                    ? 'success'
                    : 'exception'
              }
              showInfo={false}
            />
          </div>
        ) : null}
      </Card>
      <ErrorBox error={error} />
      {status?.status === 'done' ? (
        <>
          <Space wrap>
            <label htmlFor="screen-filter">{zh ? '筛选' : 'Filter'}</label>
            <Select
              id="screen-filter"
              style={{ width: 200 }}
              value={filter}
              onChange={setFilter}
              options={[
                { value: '', label: t('all') },
                { value: 'negative', label: zh ? '只看有问题的' : 'Problems only' },
                { value: 'anomalies', label: zh ? '只看异常' : 'Anomalies only' },
                ...Object.keys(RESULT_ZH).map((k) => ({ value: k, label: zh ? RESULT_ZH[k] : k })),
              ]}
            />
            <Button
              id="screen-xlsx"
              loading={saving}
              onClick={() => {
                setSaving(true);
                download(`/console/api/screenings/${id}/results.xlsx`, () => undefined)
                  .catch((e: unknown) => setError((e as Error).message))
                  .finally(() => setSaving(false));
              }}
            >
              {t('download')} XLSX
            </Button>
            {truncated ? (
              <Alert
                type="info"
                message={
                  zh
                    ? `仅显示前 ${MAX_SHOWN} 行，完整结果请下载 XLSX`
                    : `First ${MAX_SHOWN} rows shown: download the XLSX for all`
                }
              />
            ) : null}
          </Space>
          <Table<Result>
            size="small"
            rowKey="line"
            dataSource={shown}
            pagination={{ pageSize: 50 }}
            columns={[
              { title: zh ? '行号' : 'Line', dataIndex: 'line', width: 70 },
              { title: zh ? '证书编号' : 'Number', dataIndex: 'numberMasked' },
              { title: zh ? '持证人' : 'Holder', dataIndex: 'holderMasked' },
              {
                title: zh ? '结果' : 'Result',
                key: 'r',
                render: (_: unknown, r) =>
                  r.rejected ? (
                    <Tag color="orange">{inLang(r.rejected, lang)}</Tag>
                  ) : (
                    <Tag color={r.result === 'valid' ? 'green' : 'red'}>
                      {zh ? (RESULT_ZH[r.result ?? ''] ?? r.result) : r.result}
                    </Tag>
                  ),
              },
              {
                title: t('evidence'),
                key: 'e',
                render: (_: unknown, r) => (r.evidence ?? []).join('；'),
              },
              {
                title: zh ? '异常' : 'Anomalies',
                key: 'a',
                render: (_: unknown, r) => (r.anomalies ?? []).join('；'),
              },
            ]}
          />
        </>
      ) : null}
    </Space>
  );
}
