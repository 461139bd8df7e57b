import { createContext, useContext } from 'react';

export type Lang = 'zh' | 'en';

/** Labels, Chinese first: the wording of the forms and the 两法衔接 documents. */
const TEXT = {
  appTitle: ['特种作业证件涉假联合治理平台', 'Counterfeit-certificate joint task force'],
  signIn: ['登录', 'Sign in'],
  signOut: ['退出登录', 'Sign out'],
  login: ['用户名', 'User name'],
  password: ['密码', 'Password'],
  signingInWithLink: ['正在使用一次性登录链接登录…', 'Signing in with the one-time link…'],
  dashboard: ['工作概览', 'Dashboard'],
  forms: ['统计报表', 'Forms'],
  ledger: ['线索台账', 'Clue ledger'],
  worklist: ['检察工作清单', 'Worklist'],
  penalty: ['以罚代刑线索', 'Penalty instead of prosecution'],
  check: ['证书核验', 'Certificate check'],
  screening: ['名单比对', 'Roster screening'],
  intake: ['上传业务报表', 'Upload sheets'],
  activity: ['部门发布情况', 'Agency activity'],
  auditTrail: ['审计记录', 'Audit trail'],
  admin: ['用户与凭证管理', 'Users and credentials'],
  account: ['账户设置', 'Account'],
  unit: ['单位', 'Unit'],
  form: ['报表', 'Form'],
  period: ['报告期', 'Period'],
  namedPeriod: ['按报告期', 'Named period'],
  range: ['按起止日期', 'From–to'],
  query: ['查询', 'Show'],
  download: ['下载', 'Download'],
  loading: ['正在加载…', 'Loading…'],
  overdue: ['已超期', 'Overdue'],
  due: ['待办', 'Due'],
  all: ['全部', 'All'],
  open: ['未办结', 'Open'],
  stage: ['所处环节', 'Stage'],
  agency: ['部门', 'Agency'],
  clueId: ['线索编号', 'Clue'],
  caseId: ['案件编号', 'Case'],
  timeline: ['办理过程', 'Timeline'],
  step: ['法定环节', 'Statutory step'],
  article: ['依据条款', 'Article'],
  dueBy: ['办理期限', 'Due by'],
  status: ['状态', 'Status'],
  events: ['该数字对应的事件', 'Events behind the figure'],
  rates: ['两个100%', 'The two 100% rates'],
  pipeline: ['移送—立案—起诉—判决', 'Transfer → filing → prosecution → judgment'],
  publishing: ['各部门数据发布', 'Publishing per agency'],
  timesNote: ['时间均为北京时间', 'All times are Asia/Shanghai'],
  rule: ['触发规则', 'Rule'],
  verdict: ['核验结论', 'Verdict'],
  evidence: ['依据', 'Evidence'],
} satisfies Record<string, [string, string]>;

export type TextKey = keyof typeof TEXT;
export const LangContext = createContext<Lang>('zh');
export function useT() {
  const lang = useContext(LangContext);
  return (key: TextKey) => TEXT[key][lang === 'zh' ? 0 : 1];
}
export function useLang(): Lang {
  return useContext(LangContext);
}

/** Hub messages come as "中文 / English": the part in the reader's language. */
export function inLang(message: string, lang: Lang): string {
  const at = message.indexOf(' / ');
  if (at < 0) return message;
  return lang === 'zh' ? message.slice(0, at) : message.slice(at + 3);
}

export const AGENCY_ZH: Record<string, string> = {
  emergency: '应急管理',
  construction: '住房城乡建设',
  market: '市场监管',
  cyberspace: '网信',
  police: '公安',
  procuratorate: '检察',
  court: '法院',
};
export const ROLE_ZH: Record<string, string> = {
  analyst: '专班分析员',
  procurator: '检察官',
  agency_officer: '部门执法人员',
  court_clerk: '法院书记员',
  auditor: '审计员',
  administrator: '系统管理员',
};
export const STAGE_ZH: Record<string, string> = {
  approved: '已批准移送',
  transferred: '已移送',
  received: '公安已接收',
  forwarded: '已转交有管辖权机关',
  filed: '已立案',
  declined: '不予立案',
  reconsideration: '复议中',
  filing_supervision: '立案监督中',
  penalty_decided: '已作行政处罚',
  sent_for_prosecution: '移送审查起诉',
  prosecuted: '已起诉',
  not_prosecuted: '不起诉',
  at_court: '审判中',
  judged: '已判决',
  unknown: '不明',
};
export const STATUS_ZH: Record<string, string> = {
  met: '按期办结',
  late: '超期办结',
  done: '已办结',
  due: '办理中',
  overdue: '已超期',
  open: '待办',
  expired: '期限已过（未行使）',
  pending_no_deadline: '办理中（未设期限）',
};
export const label = (table: Record<string, string>, key: string | null | undefined, lang: Lang) =>
  key ? (lang === 'zh' ? (table[key] ?? key) : key) : '—';
