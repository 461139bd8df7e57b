import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { rest } from '../api';
import { AGENCY_ZH, ROLE_ZH, label, useLang, useT } from '../i18n';
import { ErrorBox, useAsync } from '../ui';

interface UserRow {
  id: string;
  name: string;
  login: string | null;
  role: string;
  agency?: string;
  units?: string[];
  revoked: boolean;
}
interface Cred {
  tokenId: string;
  agency: string;
  units: string[];
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

const units = (text: string) => text.split(/[,，\s]+/).filter(Boolean);

/** Users (create, reset, revoke, roles and units) and agency credentials. */
export default function Admin() {
  const t = useT();
  const lang = useLang();
  const zh = lang === 'zh';
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string>();
  const [shown, setShown] = useState<string>();
  const users = useAsync(() => rest<UserRow[]>('/console/api/admin/users'), [version]);
  const creds = useAsync(() => rest<Cred[]>('/console/api/admin/credentials'), [version]);
  const act = (p: Promise<unknown>, show?: (r: never) => string) =>
    p
      .then((r) => {
        setError(undefined);
        setShown(show ? show(r as never) : undefined);
        setVersion((v) => v + 1);
      })
      .catch((e: unknown) => setError((e as Error).message));
  const linkOf = (r: { link: string }) => `${window.location.origin}/signin#link=${r.link}`;
  const roleOptions = Object.keys(ROLE_ZH).map((r) => ({
    value: r,
    label: label(ROLE_ZH, r, lang),
  }));
  const agencyOptions = Object.keys(AGENCY_ZH).map((a) => ({
    value: a,
    label: label(AGENCY_ZH, a, lang),
  }));

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('admin')}</Typography.Title>
      <ErrorBox error={error ?? users.error ?? creds.error} />
      {shown ? (
        <Alert
          role="status"
          type="success"
          showIcon
          closable
          onClose={() => setShown(undefined)}
          message={
            zh
              ? '仅显示这一次，请立即交给本人（登录链接 7 天内有效，使用一次即失效）：'
              : 'Shown this once: hand it to the person now (a sign-in link works once, within 7 days):'
          }
          description={
            <Typography.Text copyable code id="admin-secret">
              {shown}
            </Typography.Text>
          }
        />
      ) : null}
      <Card title={zh ? '新建用户' : 'New user'}>
        <Form
          layout="inline"
          onFinish={(v: {
            name: string;
            login: string;
            role: string;
            agency?: string;
            units: string;
          }) =>
            void act(
              rest('/console/api/admin/users', {
                method: 'POST',
                body: JSON.stringify({ ...v, units: units(v.units) }),
              }),
              linkOf,
            )
          }
        >
          <Form.Item label={zh ? '姓名' : 'Name'} name="name" rules={[{ required: true }]}>
            <Input id="new-name" />
          </Form.Item>
          <Form.Item label={zh ? '用户名' : 'User name'} name="login" rules={[{ required: true }]}>
            <Input id="new-login" />
          </Form.Item>
          <Form.Item label={zh ? '角色' : 'Role'} name="role" rules={[{ required: true }]}>
            <Select id="new-role" style={{ width: 140 }} options={roleOptions} />
          </Form.Item>
          <Form.Item label={zh ? '部门（执法人员）' : 'Agency (officers)'} name="agency">
            <Select id="new-agency" allowClear style={{ width: 140 }} options={agencyOptions} />
          </Form.Item>
          <Form.Item
            label={zh ? '单位（区划代码，逗号分隔）' : 'Units (division codes)'}
            name="units"
            rules={[{ required: true }]}
          >
            <Input id="new-units" placeholder="310105,310104" />
          </Form.Item>
          <Button type="primary" htmlType="submit" id="new-user">
            {zh ? '创建并生成登录链接' : 'Create and make a sign-in link'}
          </Button>
        </Form>
      </Card>
      <Table<UserRow>
        size="small"
        rowKey="id"
        loading={users.loading}
        dataSource={users.data ?? []}
        pagination={false}
        columns={[
          { title: zh ? '姓名' : 'Name', dataIndex: 'name' },
          { title: zh ? '用户名' : 'User name', dataIndex: 'login' },
          {
            title: zh ? '角色' : 'Role',
            dataIndex: 'role',
            render: (r: string) => label(ROLE_ZH, r, lang),
          },
          {
            title: zh ? '部门' : 'Agency',
            dataIndex: 'agency',
            render: (a?: string) => label(AGENCY_ZH, a, lang),
          },
          {
            title: zh ? '单位' : 'Units',
            key: 'units',
            render: (_: unknown, u) => u.units?.join('、'),
          },
          {
            title: zh ? '状态' : 'State',
            key: 'state',
            render: (_: unknown, u) =>
              u.revoked ? (
                <Tag color="red">{zh ? '已停用' : 'revoked'}</Tag>
              ) : (
                <Tag color="green">{zh ? '有效' : 'live'}</Tag>
              ),
          },
          {
            title: zh ? '操作' : 'Actions',
            key: 'act',
            render: (_: unknown, u) =>
              u.revoked ? null : (
                <Space>
                  <Button
                    size="small"
                    onClick={() =>
                      void act(
                        rest(`/console/api/admin/users/${u.id}/reset`, { method: 'POST' }),
                        linkOf,
                      )
                    }
                  >
                    {zh ? '重置登录' : 'Reset sign-in'}
                  </Button>
                  <Button
                    size="small"
                    onClick={() => {
                      const next = window.prompt(
                        zh
                          ? '新的单位（区划代码，逗号分隔）'
                          : 'New units (division codes, comma-separated)',
                        u.units?.join(',') ?? '',
                      );
                      if (next)
                        void act(
                          rest(`/console/api/admin/users/${u.id}`, {
                            method: 'PUT',
                            body: JSON.stringify({
                              role: u.role,
                              ...(u.agency ? { agency: u.agency } : {}),
                              units: units(next),
                            }),
                          }),
                        );
                    }}
                  >
                    {zh ? '修改单位' : 'Change units'}
                  </Button>
                  <Select
                    size="small"
                    aria-label={zh ? '修改角色' : 'Change role'}
                    value={u.role}
                    style={{ width: 130 }}
                    options={roleOptions}
                    onChange={(role) =>
                      void act(
                        rest(`/console/api/admin/users/${u.id}`, {
                          method: 'PUT',
                          body: JSON.stringify({
                            role,
                            ...(u.agency ? { agency: u.agency } : {}),
                            units: u.units ?? [],
                          }),
                        }),
                      )
                    }
                  />
                  <Button
                    size="small"
                    danger
                    onClick={() =>
                      window.confirm(zh ? `停用 ${u.name}？` : `Revoke ${u.name}?`) &&
                      void act(rest(`/console/api/admin/users/${u.id}/revoke`, { method: 'POST' }))
                    }
                  >
                    {zh ? '停用' : 'Revoke'}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
      <Card title={zh ? '部门接入凭证' : 'Agency credentials'}>
        <Form
          layout="inline"
          onFinish={(v: { agency: string; units: string; label?: string }) =>
            void act(
              rest('/console/api/admin/credentials', {
                method: 'POST',
                body: JSON.stringify({ ...v, units: units(v.units) }),
              }),
              (r: { token: string }) => r.token,
            )
          }
        >
          <Form.Item label={zh ? '部门' : 'Agency'} name="agency" rules={[{ required: true }]}>
            <Select id="cred-agency" style={{ width: 140 }} options={agencyOptions} />
          </Form.Item>
          <Form.Item label={zh ? '单位' : 'Units'} name="units" rules={[{ required: true }]}>
            <Input id="cred-units" />
          </Form.Item>
          <Form.Item label={zh ? '说明' : 'Label'} name="label">
            <Input id="cred-label" />
          </Form.Item>
          <Button htmlType="submit" id="cred-create">
            {zh ? '创建凭证' : 'Create credential'}
          </Button>
        </Form>
        <Table<Cred>
          size="small"
          rowKey="tokenId"
          style={{ marginTop: 16 }}
          loading={creds.loading}
          dataSource={creds.data ?? []}
          pagination={false}
          columns={[
            { title: 'ID', dataIndex: 'tokenId' },
            {
              title: zh ? '部门' : 'Agency',
              dataIndex: 'agency',
              render: (a: string) => label(AGENCY_ZH, a, lang),
            },
            {
              title: zh ? '单位' : 'Units',
              key: 'u',
              render: (_: unknown, c) => c.units.join('、'),
            },
            { title: zh ? '说明' : 'Label', dataIndex: 'label' },
            {
              title: zh ? '状态' : 'State',
              key: 's',
              render: (_: unknown, c) =>
                c.revokedAt ? (
                  <Tag color="red">{zh ? '已吊销' : 'revoked'}</Tag>
                ) : (
                  <Space>
                    <Tag color="green">{zh ? '有效' : 'live'}</Tag>
                    <Button
                      size="small"
                      danger
                      onClick={() =>
                        void act(
                          rest(`/console/api/admin/credentials/${c.tokenId}/revoke`, {
                            method: 'POST',
                          }),
                        )
                      }
                    >
                      {zh ? '吊销' : 'Revoke'}
                    </Button>
                  </Space>
                ),
            },
          ]}
        />
      </Card>
    </Space>
  );
}
