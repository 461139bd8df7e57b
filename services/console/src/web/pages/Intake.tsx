import { useEffect, useState } from 'react';
import { Alert, Button, Card, Progress, Select, Space, Table, Tag, Typography } from 'antd';
import { download, getCsrf, HubError, problemMessage, rest, type ProblemBody } from '../api';
import { useLang, useT } from '../i18n';
import { ErrorBox } from '../ui';

interface Column {
  key: string;
  header: string;
  aliases: string[];
  required: boolean;
  hintZh?: string;
}
interface Sheet {
  kind: string;
  titleZh: string;
  columns: Column[];
  sample?: string;
}
interface Problem {
  line: number;
  column?: string;
  header?: string;
  message: string;
}
interface Status {
  status: 'running' | 'done' | 'failed';
  rows: number;
  recorded?: number;
  alreadyRecorded?: number;
  problemCount?: number;
  problems?: Problem[];
  error?: string;
}

/** Sends the file with the upload's progress (fetch cannot report it). */
function upload(path: string, file: File, onProgress: (percent: number) => void) {
  return new Promise<{ importId: string }>((resolve, reject) => {
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
      const body = JSON.parse(xhr.responseText || '{}') as { importId?: string } & ProblemBody;
      if (xhr.status === 202 && body.importId) resolve({ importId: body.importId });
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

/**
 * An officer's monthly sheet recorded as its agency's events (the hub's spreadsheet intake):
 * the template, the upload with its progress, the counts and the problems row by row.
 */
export default function Intake() {
  const t = useT();
  const zh = useLang() === 'zh';
  const [sheets, setSheets] = useState<Sheet[]>([]);
  const [kind, setKind] = useState('inspections');
  const [file, setFile] = useState<File>();
  const [sent, setSent] = useState<number>();
  const [id, setId] = useState<string>();
  const [status, setStatus] = useState<Status>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    rest<Sheet[]>('/console/api/intake/sheets')
      .then(setSheets)
      .catch((e: unknown) => setError((e as Error).message));
  }, []);

  const start = () => {
    if (!file)
      return setError('请选择报表文件（CSV 或 XLSX） / choose the sheet file (CSV or XLSX)');
    setError(undefined);
    setStatus(undefined);
    setId(undefined);
    setSent(0);
    upload(
      `/console/api/intake?${new URLSearchParams({ sheet: kind, name: file.name })}`,
      file,
      setSent,
    )
      .then((r) => setId(r.importId))
      .catch((e: unknown) => {
        setSent(undefined);
        setError((e as Error).message);
      });
  };

  // The rows read so far, asked every half second until the upload is recorded.
  useEffect(() => {
    if (!id) return;
    let live = true;
    const poll = async () => {
      while (live) {
        const s = await rest<Status>(`/console/api/intake/${id}`);
        if (!live) return;
        setStatus(s);
        if (s.status !== 'running') return;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    poll().catch((e: unknown) => live && setError((e as Error).message));
    return () => {
      live = false;
    };
  }, [id]);

  const sheet = sheets.find((s) => s.kind === kind);
  const running = status?.status === 'running' || (sent !== undefined && !status);
  const save = (path: string) =>
    download(path, () => undefined).catch((e: unknown) => setError((e as Error).message));
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('intake')}</Typography.Title>
      <Card>
        <Space wrap>
          <label htmlFor="intake-sheet">{zh ? '报表种类' : 'Sheet'}</label>
          <Select
            id="intake-sheet"
            style={{ width: 200 }}
            value={kind}
            onChange={setKind}
            options={sheets.map((s) => ({ value: s.kind, label: zh ? s.titleZh : s.kind }))}
          />
          <label htmlFor="intake-file">
            {zh ? '报表文件（CSV 或 XLSX）' : 'File (CSV or XLSX)'}
          </label>
          <input
            id="intake-file"
            type="file"
            accept=".csv,.xlsx"
            onChange={(e) => setFile(e.target.files?.[0])}
          />
          <Button type="primary" id="intake-start" onClick={start} loading={running}>
            {zh ? '上传并记录' : 'Upload and record'}
          </Button>
        </Space>
        <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
          {zh
            ? '每个文件一张表（XLSX 读第一个工作表）。事件编号取自表中的编号，同一文件重复上传不会重复记录；有问题的行列出原因，其余各行照常记录，改正后重新上传整个文件即可。只能上报您辖区内单位的数据。'
            : 'One sheet per file (XLSX: its first worksheet). Event ids come from the numbers in the rows, so uploading a file again records nothing twice; rows with problems are listed, the others recorded. Only rows of your units are accepted.'}
        </Typography.Paragraph>
        {sent !== undefined ? (
          <div style={{ marginTop: 8 }}>
            <Typography.Text>{zh ? '上传' : 'Upload'}</Typography.Text>
            <Progress percent={sent} aria-label={zh ? '上传进度' : 'Upload progress'} />
          </div>
        ) : null}
        {status ? (
          <div role="status" id="intake-status" style={{ marginTop: 8 }}>
            <Typography.Text>
              {status.status === 'running'
                ? zh
                  ? `正在读取并记录… 已读取 ${status.rows} 行`
                  : `Reading and recording… ${status.rows} rows so far`
                : status.status === 'done'
                  ? zh
                    ? `完成：共 ${status.rows} 行，新记录事件 ${status.recorded} 个，此前已记录 ${status.alreadyRecorded} 个，问题 ${status.problemCount} 处`
                    : `Done: ${status.rows} rows, ${status.recorded} events recorded, ${status.alreadyRecorded} already recorded, ${status.problemCount} problems`
                  : (status.error ?? '')}
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
      {status?.status === 'done' && (status.problemCount ?? 0) > 0 ? (
        <Card title={zh ? '有问题的行' : 'Rows with problems'}>
          <Space wrap style={{ marginBottom: 8 }}>
            <Button
              id="intake-problems"
              onClick={() => void save(`/console/api/intake/${id}/problems.csv`)}
            >
              {zh ? '下载问题清单 CSV' : 'Download the problem report (CSV)'}
            </Button>
            {(status.problems?.length ?? 0) < (status.problemCount ?? 0) ? (
              <Alert
                type="info"
                message={
                  zh
                    ? `仅显示前 ${status.problems?.length} 处，完整清单请下载`
                    : `First ${status.problems?.length} shown: download the report for all`
                }
              />
            ) : null}
          </Space>
          <Table<Problem>
            size="small"
            rowKey={(p) => `${p.line}|${p.column ?? ''}|${p.message}`}
            dataSource={status.problems ?? []}
            pagination={{ pageSize: 50 }}
            columns={[
              { title: zh ? '行号' : 'Row', dataIndex: 'line', width: 70 },
              { title: zh ? '列' : 'Column', dataIndex: 'header', width: 160 },
              { title: zh ? '问题及修改方法' : 'Problem', dataIndex: 'message' },
            ]}
          />
        </Card>
      ) : null}
      {sheet ? (
        <Card
          title={zh ? `「${sheet.titleZh}」模板` : `Template: ${sheet.kind}`}
          extra={
            <Space>
              <Button
                id="intake-template"
                onClick={() => void save(`/console/api/intake/templates/${sheet.kind}.csv`)}
              >
                {zh ? '下载空白模板 CSV' : 'Blank template (CSV)'}
              </Button>
              {sheet.sample ? (
                <Button onClick={() => void save(`/console/api/intake/${sheet.sample}.csv`)}>
                  {zh ? '下载示例文件' : 'Sample file'}
                </Button>
              ) : null}
            </Space>
          }
        >
          <Table<Column>
            size="small"
            rowKey="key"
            pagination={false}
            dataSource={sheet.columns}
            columns={[
              {
                title: zh ? '列名' : 'Column',
                key: 'h',
                render: (_: unknown, c) => (
                  <>
                    {c.header}{' '}
                    {c.required ? <Tag color="red">{zh ? '必填' : 'required'}</Tag> : null}
                  </>
                ),
              },
              {
                title: zh ? '也可写作' : 'Also accepted',
                key: 'a',
                render: (_: unknown, c) => c.aliases.join('、'),
              },
              { title: zh ? '填写要求' : 'What to write', dataIndex: 'hintZh' },
            ]}
          />
        </Card>
      ) : null}
    </Space>
  );
}
