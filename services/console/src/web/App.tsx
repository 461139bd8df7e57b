import {
  lazy,
  Suspense,
  useCallback,
  useEffect,
  useMemo,
  useState,
  type ComponentType,
  type ReactNode,
} from 'react';
import {
  Alert,
  Button,
  ConfigProvider,
  Layout,
  Menu,
  Segmented,
  Space,
  Spin,
  Typography,
} from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import { HubError, rest, setCsrf } from './api';
import { LangContext, ROLE_ZH, inLang, label, useT, type Lang, type TextKey } from './i18n';
import { navigate, UserContext, type User } from './session';
import { SignIn } from './pages/SignIn';
import { prefetchPage } from './queries';
// Styles as a file, not computed in the browser at each render (antd's zero-runtime mode).
import 'antd/dist/antd.css';

// Each page is its own chunk: the first load carries the shell and the sign-in page only.
const LOADERS: Record<string, () => Promise<{ default: ComponentType }>> = {
  '/dashboard': () => import('./pages/Dashboard'),
  '/forms': () => import('./pages/Forms'),
  '/ledger': () => import('./pages/Ledger'),
  '/worklist': () => import('./pages/Worklist'),
  '/penalty': () => import('./pages/Penalty'),
  '/check': () => import('./pages/Check'),
  '/screening': () => import('./pages/Screening'),
  '/intake': () => import('./pages/Intake'),
  '/activity': () => import('./pages/Activity'),
  '/audit-trail': () => import('./pages/AuditTrail'),
  '/admin': () => import('./pages/Admin'),
  '/account': () => import('./pages/Account'),
};
const PAGES = Object.fromEntries(Object.entries(LOADERS).map(([path, load]) => [path, lazy(load)]));

// At once, in parallel: who is signed in, and the code of the page at this address.
const firstPath = window.location.pathname;
const session = rest<{ user: User; csrf: string }>('/console/api/session');
session.catch(() => undefined);
void LOADERS[firstPath]?.().catch(() => undefined);

/** Each role's menu: only what its GraphQL permissions let it use. */
const MENUS: Record<string, TextKey[]> = {
  analyst: ['dashboard', 'forms', 'ledger', 'penalty', 'check', 'activity'],
  procurator: ['worklist', 'ledger', 'penalty', 'forms'],
  agency_officer: ['ledger', 'check', 'screening', 'intake', 'forms'],
  court_clerk: ['worklist'],
  auditor: ['activity', 'auditTrail'],
  administrator: ['admin'],
};
const PATH_OF: Record<string, string> = { auditTrail: '/audit-trail' };
const pathOf = (key: TextKey) => PATH_OF[key] ?? `/${key}`;

function usePath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const on = () => setPath(window.location.pathname);
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return path;
}

export function App() {
  const [lang, setLang] = useState<Lang>(() =>
    localStorage.getItem('hub-lang') === 'en' ? 'en' : 'zh',
  );
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [error, setError] = useState<string>();
  const path = usePath();

  const load = useCallback(() => {
    session
      .then((s) => {
        setCsrf(s.csrf);
        // The page's data is asked for while its code may still be loading.
        if (window.location.pathname === firstPath) prefetchPage(firstPath, window.location.search);
        setUser(s.user);
      })
      .catch((e: unknown) => {
        if (e instanceof HubError && e.status === 401) setUser(null);
        else setError(e instanceof Error ? e.message : String(e));
      });
  }, []);
  useEffect(load, [load]);
  useEffect(() => {
    localStorage.setItem('hub-lang', lang);
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);

  let body: ReactNode;
  if (error) body = <Alert type="error" showIcon message={inLang(error, lang)} />;
  else if (user === undefined) body = <Spin />;
  else if (user === null || path.startsWith('/signin'))
    body = (
      <SignIn
        onSignedIn={(u, csrf) => {
          setCsrf(csrf);
          setUser(u);
          const first = MENUS[u.role]?.[0];
          navigate(!u.hasPassword ? '/account' : first ? pathOf(first) : '/account');
        }}
      />
    );
  else
    body = (
      <Shell
        user={user}
        path={path}
        onSignedOut={() => setUser(null)}
        lang={lang}
        setLang={setLang}
      />
    );

  return (
    <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} theme={{ zeroRuntime: true }}>
      <LangContext.Provider value={lang}>
        {user ? (
          body
        ) : (
          <div style={{ padding: 24 }}>
            <Space style={{ float: 'right' }}>
              <LangSwitch lang={lang} setLang={setLang} />
            </Space>
            {body}
          </div>
        )}
      </LangContext.Provider>
    </ConfigProvider>
  );
}

function LangSwitch({ lang, setLang }: { lang: Lang; setLang: (l: Lang) => void }) {
  return (
    <Segmented
      aria-label="语言 / Language"
      value={lang}
      onChange={(v) => setLang(v as Lang)}
      options={[
        { label: '中文', value: 'zh' },
        { label: 'English', value: 'en' },
      ]}
    />
  );
}

function Shell(props: {
  user: User;
  path: string;
  onSignedOut: () => void;
  lang: Lang;
  setLang: (l: Lang) => void;
}) {
  const { user, path, lang } = props;
  const t = useT();
  const menu = MENUS[user.role] ?? [];
  const current =
    path === '/' ? (menu[0] ? pathOf(menu[0]) : '/account') : `/${path.split('/')[1]}`;
  useEffect(() => {
    if (path === '/') navigate(current);
  }, [path, current]);
  const Page = PAGES[current];
  const allowed = current === '/account' || menu.some((k) => pathOf(k) === current);
  const items = useMemo(
    () =>
      [...menu, 'account' as const].map((k) => ({
        key: pathOf(k),
        label: (
          <a
            href={pathOf(k)}
            onClick={(e) => {
              e.preventDefault();
              navigate(pathOf(k));
            }}
          >
            {t(k)}
          </a>
        ),
      })),
    [menu, t],
  );
  const signOut = () =>
    rest('/console/api/session', { method: 'DELETE' })
      .catch(() => undefined)
      .finally(props.onSignedOut);
  return (
    <UserContext.Provider value={user}>
      <Layout style={{ minHeight: '100vh' }}>
        <Layout.Header
          style={{ display: 'flex', alignItems: 'center', gap: 16, background: '#1f4e9c' }}
        >
          <Typography.Text strong style={{ color: '#fff', fontSize: 16, whiteSpace: 'nowrap' }}>
            {t('appTitle')}
          </Typography.Text>
          <span style={{ flex: 1 }} />
          <Typography.Text style={{ color: '#fff' }}>
            {user.name}（{label(ROLE_ZH, user.role, lang)}，{user.units?.join('、')}）
          </Typography.Text>
          <LangSwitch lang={lang} setLang={props.setLang} />
          <Button id="signout" onClick={() => void signOut()}>
            {t('signOut')}
          </Button>
        </Layout.Header>
        <Layout>
          <Layout.Sider width={200} theme="light">
            <nav aria-label={t('appTitle')}>
              <Menu mode="inline" selectedKeys={[current]} items={items} />
            </nav>
          </Layout.Sider>
          <Layout.Content style={{ padding: 24 }}>
            <main>
              {Page && allowed ? (
                <Suspense fallback={<Spin tip={t('loading')} />}>
                  <Page />
                </Suspense>
              ) : (
                <Alert
                  type="warning"
                  showIcon
                  message={
                    lang === 'zh'
                      ? '该页面不存在或您的角色无权使用，请从左侧菜单选择'
                      : 'This page does not exist or your role may not use it: choose one from the menu'
                  }
                />
              )}
              <Typography.Paragraph type="secondary" style={{ marginTop: 24 }}>
                {t('timesNote')}
              </Typography.Paragraph>
            </main>
          </Layout.Content>
        </Layout>
      </Layout>
    </UserContext.Provider>
  );
}
