import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Select, Space, Typography } from 'antd';
import { gql } from '../api';
import { useLang, useT } from '../i18n';
import { ErrorBox } from '../ui';

interface Verdict {
  result: string;
  findingKind?: string;
  evidence: string[];
  numberMasked: string;
}
const RESULT_ZH: Record<string, [string, 'success' | 'warning' | 'error' | 'info']> = {
  valid: ['证书真实有效', 'success'],
  pending_registry: ['发证数据尚未导入，暂无法判断', 'info'],
  unknown_number: ['登记库中查无此证号，疑似假证', 'error'],
  revoked: ['证书已注销', 'error'],
  holder_mismatch: ['持证人与登记不符，疑似冒用', 'error'],
  data_mismatch: ['证面信息与登记不符，疑似涂改', 'error'],
  expired: ['证书已过有效期', 'warning'],
  review_overdue: ['证书逾期未复审', 'warning'],
  other_department: ['该证由其他部门核发，请按证书类别重新核验', 'info'],
  not_valid_for_job: ['证书作业类别与所从事作业不符', 'error'],
};

/** A certificate checked against the shared registry: the verdict and its evidence. */
export default function Check() {
  const t = useT();
  const zh = useLang() === 'zh';
  const [verdict, setVerdict] = useState<Verdict>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const check = (v: Record<string, string | undefined>) => {
    setBusy(true);
    setError(undefined);
    const input = Object.fromEntries(Object.entries(v).filter(([, x]) => x));
    gql<{ verifyCertificate: Verdict }>(
      `query($input:VerificationInput!){ verifyCertificate(input:$input){ result findingKind evidence numberMasked } }`,
      { input },
    )
      .then((r) => setVerdict(r.verifyCertificate))
      .catch((e: unknown) => setError((e as Error).message))
      .finally(() => setBusy(false));
  };
  const shown = verdict ? RESULT_ZH[verdict.result] : undefined;
  return (
    <Space direction="vertical" style={{ width: '100%', maxWidth: 720 }}>
      <Typography.Title level={3}>{t('check')}</Typography.Title>
      <Card>
        <Form
          layout="vertical"
          onFinish={check}
          initialValues={{ certificateType: 'special_operations' }}
        >
          <Form.Item
            label={zh ? '证书类别' : 'Certificate type'}
            name="certificateType"
            rules={[{ required: true }]}
          >
            <Select
              id="check-type"
              options={[
                {
                  value: 'special_operations',
                  label: zh ? '特种作业操作证（应急管理）' : 'Special operations (emergency)',
                },
                {
                  value: 'construction_special_operations',
                  label: zh
                    ? '建筑施工特种作业操作资格证（住建）'
                    : 'Construction special operations',
                },
                {
                  value: 'safety_management',
                  label: zh ? '安全生产知识和管理能力考核合格证（应急管理）' : 'Safety management',
                },
                {
                  value: 'special_equipment',
                  label: zh ? '特种设备作业人员证（市场监管）' : 'Special equipment operator',
                },
              ]}
            />
          </Form.Item>
          <Form.Item
            label={zh ? '证书编号' : 'Certificate number'}
            name="number"
            rules={[{ required: true }]}
          >
            <Input id="check-number" />
          </Form.Item>
          <Form.Item
            label={zh ? '持证人姓名（证面）' : "Holder's name as printed"}
            name="holderName"
          >
            <Input id="check-name" />
          </Form.Item>
          <Form.Item
            label={
              zh
                ? '持证人身份证号（证面，不会明文保存）'
                : "Holder's ID number as printed (never stored in clear)"
            }
            name="holderIdNumber"
          >
            <Input id="check-id" autoComplete="off" />
          </Form.Item>
          <Form.Item label={zh ? '作业类别（证面）' : 'Job as printed'} name="job">
            <Input id="check-job" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} id="check-submit">
            {zh ? '核验' : 'Check'}
          </Button>
        </Form>
      </Card>
      <ErrorBox error={error} />
      {verdict ? (
        <Alert
          role="status"
          type={shown?.[1] ?? 'info'}
          showIcon
          message={`${t('verdict')}：${zh ? (shown?.[0] ?? verdict.result) : verdict.result}（${verdict.numberMasked}）`}
          description={
            <>
              <div>{t('evidence')}：</div>
              <ul>
                {verdict.evidence.map((e) => (
                  <li key={e}>{e}</li>
                ))}
              </ul>
            </>
          }
        />
      ) : null}
    </Space>
  );
}
