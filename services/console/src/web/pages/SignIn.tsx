import { useEffect, useState } from 'react';
import { Button, Card, Form, Input, Typography } from 'antd';
import { rest } from '../api';
import { useT } from '../i18n';
import type { User } from '../session';
import { ErrorBox } from '../ui';

type SignedIn = { user: User; csrf: string };

/** User name and password, or the one-time link `hub user create` printed (#link=…). */
export function SignIn({ onSignedIn }: { onSignedIn: (u: User, csrf: string) => void }) {
  const t = useT();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const link = /^#link=([A-Za-z0-9_-]+)$/.exec(window.location.hash)?.[1];

  useEffect(() => {
    if (!link) return;
    // The link is used once: take it out of the address bar and history at once.
    window.history.replaceState(null, '', '/signin');
    setBusy(true);
    rest<SignedIn>('/console/api/session/link', { method: 'POST', body: JSON.stringify({ link }) })
      .then((s) => onSignedIn(s.user, s.csrf))
      .catch((e: unknown) => setError((e as Error).message))
      .finally(() => setBusy(false));
  }, [link, onSignedIn]);

  const submit = (values: { login: string; password: string }) => {
    setBusy(true);
    setError(undefined);
    rest<SignedIn>('/console/api/session', { method: 'POST', body: JSON.stringify(values) })
      .then((s) => onSignedIn(s.user, s.csrf))
      .catch((e: unknown) => setError((e as Error).message))
      .finally(() => setBusy(false));
  };

  return (
    <Card style={{ maxWidth: 420, margin: '80px auto' }}>
      <Typography.Title level={3}>{t('appTitle')}</Typography.Title>
      <ErrorBox error={error} />
      {link && busy ? <Typography.Paragraph>{t('signingInWithLink')}</Typography.Paragraph> : null}
      <Form layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item
          label={t('login')}
          name="login"
          rules={[{ required: true, message: t('login') }]}
        >
          <Input id="login" autoComplete="username" autoFocus />
        </Form.Item>
        <Form.Item
          label={t('password')}
          name="password"
          rules={[{ required: true, message: t('password') }]}
        >
          <Input.Password id="password" autoComplete="current-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} block id="signin-submit">
          {t('signIn')}
        </Button>
      </Form>
    </Card>
  );
}
