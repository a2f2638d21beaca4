/**
 * Every call to the API goes through here. A person signed in with a user name and password
 * carries the HttpOnly session cookie, and each change sends the CSRF token the server put in the
 * readable hotline_csrf cookie (double submit). A machine token signed in on the login page's
 * second tab is kept for this tab only (sessionStorage) and sent as a bearer header.
 */
const TOKEN_KEY = 'hotline_token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * Chinese for the problem codes a person can meet, a refusal's or a failed training run's: the one
 * place each code is worded. Anything else shows the status and detail.
 */
const MESSAGES: Record<string, string> = {
  'invalid-credentials': '用户名或密码错误',
  'account-locked': '登录失败次数过多，账号已暂时锁定，请稍后再试',
  unauthenticated: '登录已失效，请重新登录',
  forbidden: '无权进行此操作',
  not_found: '记录不存在或无权查看',
  rate_limited: '操作过于频繁，请稍后再试',
  validation_failed: '填写内容不符合要求',
  version_conflict: '工单已被他人修改，请刷新后重试',
  version_mismatch: '工单已被他人修改，请刷新后重试',
  action_not_allowed: '工单当前状态不允许此操作，请刷新',
  deadline_passed: '已超过办理期限，不能再申请',
  inactive_unit: '该单位已停用',
  unknown_unit: '单位不存在',
  unit_exists: '该单位代码已存在',
  lead_also_assisting: '主办单位不能同时作为协办单位',
  not_lead_unit: '只有主办单位可以进行此操作',
  not_handling_unit: '只有承办单位可以进行此操作',
  merge_into_self: '不能合并到工单自身',
  original_not_open: '原工单已办结或已作废',
  unknown_original: '原工单不存在',
  exemption_exists: '已提交过核减申请',
  unit_fault_required: '请注明是否为承办单位原因',
  reason_required: '该模型未通过评估，启用须填写理由',
  policy_scope_taken: '已有启用中的时限规则覆盖相同的诉求类型、紧急程度和分类',
  catch_all_required: '必须保留一条启用中的默认规则（不限诉求类型、紧急程度和分类）',
  knowledge_version_exists: '该知识库版本号已存在',
  webhook_incomplete: '推送地址与签名密钥须同时填写（或同时留空）',
  slip_needs_one_unit: '督办单只能针对同一承办单位的工单，请先派单',
  slip_state: '督办单当前状态不允许此操作，请刷新',
  chief_callback_missing: '请先记录负责人回访，再报送办理结果',
  unknown_order: '工单不存在',
  invalid_period: '考核期间不正确',
  export_too_large: '符合条件的工单超过 5000 件，请缩小查询范围（日期、单位、状态）后再导出',
  csv_malformed: 'CSV 文件格式不正确，未导入',
  csv_too_large: '一次最多导入 100000 行，请拆分文件后分批导入',
  body_too_large: '提交的内容过大，未被接受',
  unsupported_media_type: '提交的内容格式不受支持',
  too_few_examples: '至少需要两个单位的已标注样本才能训练：请先导入历史工单，或待有工单办结、改派后再训练',
  interrupted: '训练未在 30 分钟内完成（后台进程可能已停止），请重新训练',
  training_failed: '训练出错',
};

/** The Chinese for a problem code, or undefined for a code no person is expected to meet. */
export const problemText = (code: string): string | undefined => MESSAGES[code];

export function bearer(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}
export function setBearer(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function cookie(name: string): string | undefined {
  const match = document.cookie.split('; ').find((c) => c.startsWith(`${name}=`));
  return match ? decodeURIComponent(match.slice(name.length + 1)) : undefined;
}

let onUnauthenticated: () => void = () => {};
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

export type Query = Record<string, string | number | boolean | undefined | null | (string | number)[]>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** A body sent as it is under its own content type (a CSV file), where every other body is JSON. */
export class TextBody {
  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {}
}

export async function request<T>(method: string, path: string, body?: unknown, options: { query?: Query; quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = body instanceof TextBody ? body.contentType : 'application/json';
  const token = bearer();
  if (token) headers.authorization = `Bearer ${token}`;
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = cookie('hotline_csrf');
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  const response = await fetch(withQuery(path, options.query), {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : body instanceof TextBody ? body.text : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const data = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const problem = (data ?? {}) as { code?: string; detail?: string };
    const code = problem.code ?? String(response.status);
    if (response.status === 401 && !options.quiet401) onUnauthenticated();
    const message = MESSAGES[code] ?? `请求失败（${response.status}）${problem.detail ? `：${problem.detail}` : ''}`;
    throw new ApiError(response.status, code, message, (data ?? {}) as Record<string, unknown>);
  }
  return data as T;
}

/**
 * Downloads a file the API makes (a spreadsheet) with the same credentials as every call, so that
 * a tab signed in with a machine token gets it too; a refusal comes back as an ApiError.
 */
export async function download(path: string, query: Query, fallbackName: string): Promise<void> {
  const headers: Record<string, string> = {};
  const token = bearer();
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(withQuery(path, query), { headers, credentials: 'same-origin' });
  if (!response.ok) {
    const problem = (safeJson(await response.text()) ?? {}) as { code?: string; detail?: string };
    const code = problem.code ?? String(response.status);
    if (response.status === 401) onUnauthenticated();
    throw new ApiError(response.status, code, MESSAGES[code] ?? `下载失败（${response.status}）${problem.detail ? `：${problem.detail}` : ''}`);
  }
  const disposition = response.headers.get('content-disposition') ?? '';
  const named = /filename\*=UTF-8''([^;]+)/.exec(disposition);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = named ? decodeURIComponent(named[1]) : fallbackName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 200) };
  }
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, undefined, { query }),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  /** POST of a text in its own format, e.g. `postText(path, csv, 'text/csv; charset=utf-8')`. */
  postText: <T>(path: string, text: string, contentType: string) => request<T>('POST', path, new TextBody(text, contentType)),
  put: <T>(path: string, body: unknown = {}) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown = {}) => request<T>('PATCH', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};
