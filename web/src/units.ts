import { ref } from 'vue';
import { api } from './api';
import type { Unit } from './types';

/** The directory, loaded once per page load: for names of codes and the unit pickers. */
export const units = ref<Unit[]>([]);
let loading: Promise<Unit[]> | null = null;

export function loadUnits(): Promise<Unit[]> {
  loading ??= api.get<Unit[]>('/api/v1/units', { active: true }).then((list) => (units.value = list)).catch((err) => {
    loading = null;
    throw err;
  });
  return loading;
}

export const unitName = (code: string | null | undefined) => (code ? (units.value.find((u) => u.code === code)?.name ?? code) : '—');
