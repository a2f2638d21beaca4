import type { Actor } from '../auth/actor';
import type { UnitRef } from '../directory/directory.service';
import { isDesignated, type Action } from './lifecycle';
import type { EventView, WorkOrderView } from './work-order.schemas';
import type { WorkOrder, WorkOrderEvent } from './work-order.entity';
import type { MilestoneView, OrderSlip } from './order-change';

/** 张三 → 张*; a confidential citizen's name as units see it. */
export function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? '*' : chars[0] + '*'.repeat(chars.length - 1);
}

/** 13812345678 → 138****5678. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length >= 7 ? `${digits.slice(0, 3)}****${digits.slice(-4)}` : '****';
}

export function toOrderView(o: WorkOrder, refs: Map<string, UnitRef>, actor: Actor, allowed: Action[], milestones: MilestoneView[], slips: OrderSlip[] = []): WorkOrderView {
  const ref = (id: string | null | undefined) => (id ? (refs.get(id) ?? null) : null);
  const masked = o.confidential && actor.role === 'unit';
  return {
    id: o.id,
    externalNo: o.externalNo,
    source: o.source,
    receivedAt: o.receivedAt.toISOString(),
    requestType: o.requestType,
    urgency: o.urgency,
    citizen: masked ? { name: maskName(o.citizenName), phone: maskPhone(o.citizenPhone), masked } : { name: o.citizenName, phone: o.citizenPhone, masked },
    confidential: o.confidential,
    content: o.content,
    address: o.address,
    category: o.category,
    location: o.latitude !== null && o.longitude !== null ? { lat: o.latitude, lng: o.longitude } : null,
    attachments: o.attachments,
    state: o.state,
    leadUnit: ref(o.leadUnitId),
    assistingUnits: o.assistingUnitIds.map((id) => ref(id)).filter((r): r is UnitRef => r !== null),
    dispatchCount: o.dispatchCount,
    designated: isDesignated(o.dispatchCount),
    pendingReturn: o.pendingReturn && { reason: o.pendingReturn.reason, unit: ref(o.pendingReturn.unitId), requestedAt: o.pendingReturn.requestedAt },
    pendingExtension: o.pendingExtension && {
      workingDays: o.pendingExtension.workingDays,
      reason: o.pendingExtension.reason,
      unit: ref(o.pendingExtension.unitId),
      requestedAt: o.pendingExtension.requestedAt,
    },
    reply: o.reply && { result: o.reply.result, text: o.reply.text, unit: ref(o.reply.unitId), repliedAt: o.reply.repliedAt },
    closedAt: o.closedAt ? o.closedAt.toISOString() : null,
    mergedIntoId: o.mergedIntoId,
    repeatOfId: o.repeatOfId,
    noiseSourceId: o.noiseSourceId,
    difficult: o.difficult,
    slips,
    returnDueAt: o.returnDueAt ? o.returnDueAt.toISOString() : null,
    deadlines: milestones.map(({ unitId, ...ms }) => ({ ...ms, unit: ref(unitId) })),
    version: o.version,
    allowedActions: allowed,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

export function toEventView(e: WorkOrderEvent, refs: Map<string, UnitRef>): EventView {
  return {
    id: String(e.id),
    version: e.version,
    action: e.action,
    fromState: e.fromState,
    toState: e.toState,
    actor: { id: e.actorId, name: e.actorName, role: e.actorRole, unit: e.actorUnitId ? (refs.get(e.actorUnitId) ?? null) : null },
    reason: e.reason,
    details: e.details,
    at: e.at.toISOString(),
  };
}
