import { useCallback, useEffect, useState } from 'react';
import { Alert, Select } from 'antd';
import { eventTitles } from './api';
import { inLang, useLang } from './i18n';
import { useUser } from './session';

/** Loads something and keeps its state: data, error for people, loading. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({
    loading: true,
  });
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    run().then(
      (data) => live && setState({ data, loading: false }),
      (e: unknown) =>
        live && setState({ error: e instanceof Error ? e.message : String(e), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [run]);
  return state;
}

/** An error in the reader's language, with what to do next (never a stack trace). */
export function ErrorBox({ error }: { error?: string }) {
  const lang = useLang();
  return error ? (
    <Alert
      role="alert"
      type="error"
      showIcon
      message={inLang(error, lang)}
      style={{ marginBottom: 16 }}
    />
  ) : null;
}

/** The signed-in person's units to choose from. */
export function UnitSelect(props: { value: string; onChange: (v: string) => void; id?: string }) {
  const user = useUser();
  return (
    <Select
      id={props.id}
      style={{ width: 160 }}
      value={props.value}
      onChange={props.onChange}
      options={(user.units ?? []).map((u) => ({ value: u, label: u }))}
    />
  );
}

/** An event type in the reader's language: its catalogue title in Chinese, its code in English. */
export function EventType({ type }: { type: string }) {
  const zh = useLang() === 'zh';
  const titles = useAsync(() => eventTitles(), []);
  return <span title={type}>{zh ? (titles.data?.[type] ?? type) : type}</span>;
}
