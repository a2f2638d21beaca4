/** The API's shapes the pages read (openapi/openapi.json is the reference). */
export type Role = 'operator' | 'unit' | 'commander' | 'admin';
export type State = 'received' | 'dispatched' | 'signed' | 'returned' | 'replied' | 'closed' | 'reopened' | 'merged' | 'cancelled';
export interface UnitRef {
  code: string;
  name: string;
}
export interface Deadline {
  milestone: 'sign' | 'reply' | 'close';
  unit: UnitRef | null;
  cycle: number;
  startsAt: string;
  dueAt: string;
  warnAt: string;
  extendedDays: number;
  state: 'open' | 'met' | 'cancelled';
  metAt: string | null;
  overdue: boolean;
  late: boolean;
  lateMs: number;
  urgeCount: number;
  /** An open deadline's time left when the view was made: working minutes (holiday calendar) or clock minutes. */
  left: { clock: 'working' | 'clock'; minutes: number; dayMinutes: number } | null;
}
export interface WorkOrder {
  id: string;
  externalNo: string;
  source: string;
  receivedAt: string;
  requestType: string;
  urgency: 'normal' | 'urgent' | 'critical';
  citizen: { name: string; phone: string; masked: boolean };
  confidential: boolean;
  content: string;
  address: string;
  category: string | null;
  state: State;
  leadUnit: UnitRef | null;
  assistingUnits: UnitRef[];
  dispatchCount: number;
  designated: boolean;
  pendingReturn: { reason: string; unit: UnitRef | null; requestedAt: string } | null;
  pendingExtension: { workingDays: number; reason: string; unit: UnitRef | null; requestedAt: string } | null;
  reply: { result: string; text: string; unit: UnitRef | null; repliedAt: string } | null;
  closedAt: string | null;
  mergedIntoId: string | null;
  repeatOfId: string | null;
  difficult: boolean;
  slips: { id: string; number: string; trigger: string; state: string; dueAt: string; overdue: boolean }[];
  returnDueAt: string | null;
  deadlines: Deadline[];
  version: number;
  allowedActions: string[];
  inboxReason?: string;
}
export interface Decision {
  police: boolean;
  policeProbability: number;
  leadUnitCode: string | null;
  leadUnitName: string | null;
  assistingUnitCodes: string[];
  confidence: number;
  alternatives: { unitCode: string; score: number }[];
  reasons: string[];
  knowledgeVersion: string;
  modelVersion: string | null;
}
export interface TriageItem {
  workOrderId: string;
  externalNo: string;
  receivedAt: string;
  requestType: string;
  content: string;
  address: string;
  returned: boolean;
  repeatOf: { id: string; externalNo: string } | null;
  decidedAt: string;
  decision: Decision;
}
export interface RoutingRecord {
  workOrderId: string;
  outcome: string;
  decidedAt: string;
  decision: Decision;
  resolvedUnitCode: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
}
export interface OrderEvent {
  id: string;
  version: number;
  action: string;
  fromState: State | null;
  toState: State;
  actor: { id: string | null; name: string; role: string; unit: UnitRef | null };
  reason: string | null;
  details: Record<string, unknown>;
  at: string;
}
export interface Unit {
  code: string;
  name: string;
  kind: string;
  police: boolean;
  active: boolean;
}
