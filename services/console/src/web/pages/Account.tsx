import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { rest } from '../api';
import { useLang } from '../i18n';
import { useUser } from '../session';
import { ErrorBox } from '../ui';

/** Set one's own user name and password (after a one-time link). */
export default function Account() {
  const user = useUser();
  const zh = useLang() === 'zh';
  const [error, setError] = useState<string>();
  const [done, setDone] = useState(false);
  const save = (v: { login: string; password: string; currentPassword?: string }) => {
    setError(undefined);
    rest('/console/api/account/password', { method: 'POST', body: JSON.stringify(v) })
      .then(() => setDone(true))
      .catch((e: unknown) => setError((e as Error).message));
  };
  return (
    <Card
      title={zh ? '设置用户名和密码' : 'Set your user name and password'}
      style={{ maxWidth: 520 }}
    >
      {!user.hasPassword && !done ? (
        <Alert
          style={{ marginBottom: 16 }}
          type="info"
          showIcon
          message={
            zh
              ? '一次性登录链接已失效。请设置用户名和密码，以后用它们登录。'
              : 'The one-time link is now used: set a user name and password to sign in from now on.'
          }
        />
      ) : null}
      {done ? (
        <Alert
          role="status"
          style={{ marginBottom: 16 }}
          type="success"
          showIcon
          message={
            zh ? '已保存，下次请用新密码登录。' : 'Saved: sign in with the new password next time.'
          }
        />
      ) : null}
      <ErrorBox error={error} />
      <Form layout="vertical" onFinish={save} initialValues={{ login: user.login ?? '' }}>
        <Form.Item label={zh ? '用户名' : 'User name'} name="login" rules={[{ required: true }]}>
          <Input id="account-login" autoComplete="username" />
        </Form.Item>
        {user.hasPassword ? (
          <Form.Item
            label={zh ? '当前密码' : 'Current password'}
            name="currentPassword"
            rules={[{ required: true }]}
          >
            <Input.Password id="account-current-password" autoComplete="current-password" />
          </Form.Item>
        ) : null}
        <Form.Item
          label={zh ? '新密码（至少 10 个字符）' : 'New password (10 characters at least)'}
          name="password"
          rules={[{ required: true }]}
        >
          <Input.Password id="account-password" autoComplete="new-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" id="account-save">
          {zh ? '保存' : 'Save'}
        </Button>
      </Form>
      <Typography.Paragraph type="secondary" style={{ marginTop: 16 }}>
        {zh
          ? '密码以加盐慢哈希（scrypt）保存，平台不保存明文。'
          : 'The password is kept as a slow salted hash (scrypt), never in clear.'}
      </Typography.Paragraph>
    </Card>
  );
}
