import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { literals, Nullable } from '../../schemas/common';
import { ACTIONS, STATES } from './lifecycle';
import { REPLY_RESULTS, REQUEST_TYPES, SOURCES, URGENCIES } from './work-order.entity';
import { SLIP_STATES, SLIP_TRIGGERS } from './order-change';


export const StateSchema = literals(STATES);
export const SourceSchema = literals(SOURCES, 'Channel: phone, web, WeChat, 110 transfer, walk-in, app');
export const RequestTypeSchema = literals(REQUEST_TYPES, '诉求类型: 咨询 求助 投诉 举报 建议 表扬 其他');
export const UrgencySchema = literals(URGENCIES, '紧急程度: 一般 紧急 特急');
export const ReplyResultSchema = literals(REPLY_RESULTS);
const UnitCodeRef = Type.String({ pattern: '^[A-Z0-9][A-Z0-9_-]{1,39}$' });
const UnitRef = Type.Object({ code: Type.String(), name: Type.String() });
const Location = Type.Object(
  { lat: Type.Number({ minimum: -90, maximum: 90 }), lng: Type.Number({ minimum: -180, maximum: 180 }) },
  { additionalProperties: false },
);

export const IntakeBody = Type.Object(
  {
    externalNo: Type.String({ minLength: 1, maxLength: 64, pattern: '^\\S(.*\\S)?$', description: "The 12345 platform's own number (工单编号), unique per source" }),
    source: SourceSchema,
    receivedAt: Type.String({ format: 'date-time' }),
    requestType: RequestTypeSchema,
    urgency: Type.Optional(UrgencySchema),
    citizen: Type.Object(
      { name: Type.String({ minLength: 1, maxLength: 100 }), phone: Type.String({ minLength: 3, maxLength: 30, pattern: '^[0-9+\\- ()]+$' }) },
      { additionalProperties: false },
    ),
    confidential: Type.Optional(Type.Boolean({ description: 'GB/T 33358-2016: the citizen asked for confidentiality; units see the name and phone masked' })),
    content: Type.String({ minLength: 1, maxLength: 10000 }),
    address: Type.Optional(Type.String({ maxLength: 500 })),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "The 12345 platform's own category" })),
    location: Type.Optional(Location),
    attachments: Type.Optional(Type.Array(Type.String({ format: 'uri', maxLength: 1000 }), { maxItems: 20 })),
  },
  { additionalProperties: false },
);
export type IntakeBody = Static<typeof IntakeBody>;

export const WorkOrderView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  externalNo: Type.String(),
  source: SourceSchema,
  receivedAt: Type.String({ format: 'date-time' }),
  requestType: RequestTypeSchema,
  urgency: UrgencySchema,
  citizen: Type.Object({ name: Type.String(), phone: Type.String(), masked: Type.Boolean() }),
  confidential: Type.Boolean(),
  content: Type.String(),
  address: Type.String(),
  category: Nullable(Type.String()),
  location: Nullable(Type.Object({ lat: Type.Number(), lng: Type.Number() })),
  attachments: Type.Array(Type.String()),
  state: StateSchema,
  leadUnit: Nullable(UnitRef),
  assistingUnits: Type.Array(UnitRef),
  dispatchCount: Type.Integer(),
  designated: Type.Boolean({ description: 'Dispatched three times or more: the unit may no longer return it' }),
  pendingReturn: Nullable(Type.Object({ reason: Type.String(), unit: Nullable(UnitRef), requestedAt: Type.String({ format: 'date-time' }) })),
  pendingExtension: Nullable(
    Type.Object({ workingDays: Type.Integer(), reason: Type.String(), unit: Nullable(UnitRef), requestedAt: Type.String({ format: 'date-time' }) }),
  ),
  reply: Nullable(Type.Object({ result: ReplyResultSchema, text: Type.String(), unit: Nullable(UnitRef), repliedAt: Type.String({ format: 'date-time' }) })),
  closedAt: Nullable(Type.String({ format: 'date-time' })),
  mergedIntoId: Nullable(Type.String({ format: 'uuid' })),
  repeatOfId: Nullable(Type.String({ format: 'uuid', description: '重复件: the earlier order this one repeats (GET /api/v1/work-orders/{id}/repeats)' })),
  noiseSourceId: Nullable(Type.String({ format: 'uuid', description: 'The registered noise source the order is about' })),
  difficult: Type.Boolean({ description: '疑难: marked difficult, under a supervision slip' }),
  slips: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      number: Type.String({ description: 'e.g. 督办〔2026〕7号' }),
      trigger: literals(SLIP_TRIGGERS),
      state: literals(SLIP_STATES),
      dueAt: Type.String({ format: 'date-time' }),
      overdue: Type.Boolean(),
    }),
    { description: "督办单: the director supervision slips over the order, oldest first (unit staff see their own unit's); GET /api/v1/supervision-slips/{id}" },
  ),
  returnDueAt: Nullable(Type.String({ format: 'date-time', description: 'Until when the lead unit may return the order' })),
  deadlines: Type.Array(
    Type.Object({
      milestone: Type.Union([Type.Literal('sign'), Type.Literal('reply'), Type.Literal('close')]),
      unit: Nullable(UnitRef),
      cycle: Type.Integer({ description: 'The order version that opened it: one set per dispatch or redo' }),
      startsAt: Type.String({ format: 'date-time' }),
      dueAt: Type.String({ format: 'date-time' }),
      warnAt: Type.String({ format: 'date-time' }),
      extendedDays: Type.Integer(),
      state: Type.Union([Type.Literal('open'), Type.Literal('met'), Type.Literal('cancelled')]),
      metAt: Nullable(Type.String({ format: 'date-time' })),
      overdue: Type.Boolean(),
      late: Type.Boolean({ description: 'Met late, or ended (transfer) after the deadline: charged to its unit' }),
      lateMs: Type.Integer(),
      urgeCount: Type.Integer(),
      left: Nullable(
        Type.Object({
          clock: Type.Union([Type.Literal('working'), Type.Literal('clock')], {
            description: 'working: business hours of working days on the holiday calendar (调休 included); clock: every minute (emergency limits)',
          }),
          minutes: Type.Integer({ description: 'Minutes left on that clock when the view was made; negative: how far past the deadline' }),
          dayMinutes: Type.Integer({ description: 'Minutes in one day of that clock (a working day: opening to close of business), to show days' }),
        }),
        { description: 'An open milestone’s time left; null once met or cancelled' },
      ),
    }),
    { description: 'Each milestone with its deadline, outcome and the unit charged' },
  ),
  version: Type.Integer({ description: 'Optimistic version; send it back as If-Match to act only on what you saw' }),
  allowedActions: Type.Array(literals(ACTIONS), { description: 'What the caller may do to the order now' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type WorkOrderView = Static<typeof WorkOrderView>;

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.Array(StateSchema, { maxItems: STATES.length })),
    unitCode: Type.Optional(Type.String({ maxLength: 40, description: 'Lead unit' })),
    requestType: Type.Optional(RequestTypeSchema),
    urgency: Type.Optional(UrgencySchema),
    receivedFrom: Type.Optional(Type.String({ format: 'date-time' })),
    receivedTo: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive' })),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          'Words of the content or the address, as the router segments them; terms separated by spaces must all be found. Results are ranked by relevance, then recency, within spans of time walked back from the newest order (the last two days by 6, 6, 12 and 24 hours, then 2, 4, 8, 16, 32 and 56 days at a time), newest span first.',
      }),
    ),
    externalNo: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "The 12345 platform's number (工单编号), any source" })),
    phone: Type.Optional(Type.String({ minLength: 3, maxLength: 30, pattern: '^[0-9+\\- ()]+$', description: "The caller's phone, exactly (looked up by keyed hash)" })),
    phoneLast4: Type.Optional(Type.String({ pattern: '^[0-9]{4}$', description: "The last four digits of the caller's phone" })),
    overdue: Type.Optional(Type.Boolean({ description: 'Only orders with (true) or without (false) an open milestone past its deadline' })),
    slip: Type.Optional(Type.Boolean({ description: 'Only orders under (true) or not under (false) an open supervision slip' })),
    cursor: Type.Optional(Type.String({ maxLength: 300 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null at the end' })) });

export const InboxItem = Type.Composite([
  WorkOrderView,
  Type.Object({ inboxReason: literals(['to_sign', 'in_hand', 'reopened', 'return_pending', 'assisting'] as const) }),
]);

export const InboxQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'The nextCursor of the previous poll; absent: from the beginning' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);

export const EventView = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  action: Type.String(),
  fromState: Nullable(StateSchema),
  toState: StateSchema,
  actor: Type.Object({ id: Nullable(Type.String()), name: Type.String(), role: Type.String(), unit: Nullable(UnitRef) }),
  reason: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
  at: Type.String({ format: 'date-time' }),
});
export type EventView = Static<typeof EventView>;

const Note = Type.Optional(Type.String({ minLength: 1, maxLength: 2000 }));
const Reason = Type.String({ minLength: 1, maxLength: 2000 });
const body = (props: Record<string, TSchema>) => Type.Object(props, { additionalProperties: false });

/** The body each life-cycle action takes. */
export const ACTION_BODIES = {
  dispatch: body({
    leadUnitCode: UnitCodeRef,
    assistingUnitCodes: Type.Optional(Type.Array(UnitCodeRef, { maxItems: 10, uniqueItems: true })),
    note: Note,
  }),
  sign: body({ note: Note }),
  return: body({ reason: Reason }),
  'approve-return': body({ note: Note }),
  'reject-return': body({ reason: Reason }),
  'request-extension': body({ workingDays: Type.Integer({ minimum: 1, maximum: 60, description: 'Working days to add; the policy caps what all extensions of a deadline add up to' }), reason: Reason }),
  'approve-extension': body({ note: Note }),
  'refuse-extension': body({ reason: Reason }),
  reply: body({ result: ReplyResultSchema, text: Type.String({ minLength: 1, maxLength: 5000 }) }),
  close: body({ note: Note }),
  reopen: body({ reason: Reason }),
  cancel: body({ reason: Reason }),
  merge: body({
    originalId: Type.String({ format: 'uuid', description: 'The order it repeats; when that is itself a repeat, the merge goes to its original (the order named here is kept in the event)' }),
    note: Note,
  }),
  'mark-difficult': body({ reason: Reason }),
} as const;

export interface ActionInput {
  leadUnitCode?: string;
  assistingUnitCodes?: string[];
  note?: string;
  reason?: string;
  workingDays?: number;
  result?: (typeof REPLY_RESULTS)[number];
  text?: string;
  originalId?: string;
}

export const ACTION_SUMMARIES: Record<keyof typeof ACTION_BODIES, string> = {
  dispatch: 'Dispatch (派单/转办) to a lead unit and optional assisting units',
  sign: 'Sign for the order (签收): the lead unit takes it',
  return: 'Return the order (退单) with a reason: the unit says it is not its own',
  'approve-return': 'Approve a return: the order goes back to the centre for re-dispatch',
  'reject-return': 'Reject a return: the unit keeps the order',
  'request-extension': 'Ask for an extension (延期) before the deadline',
  'approve-extension': 'Approve a pending extension',
  'refuse-extension': 'Refuse a pending extension',
  reply: 'Reply (回复) with the result and the text for the citizen',
  close: 'Close the order (办结)',
  reopen: 'Reopen the order (重办) and send it back to its unit',
  cancel: 'Cancel an invalid order',
  merge: 'Merge a repeat (重复件) into its original; the repeats linked or merged into it follow',
  'mark-difficult': 'Mark the order difficult (疑难): a director supervision slip is raised',
};
