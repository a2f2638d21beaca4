import type { EntityManager } from 'typeorm';

/**
 * The original of an order's repeat group: the order itself, or the order it repeats or was
 * merged into, followed for a few steps. Each step reads under a key-share lock, which waits for
 * an order's routing (that holds it FOR UPDATE while it links it and moves the repeats it had)
 * but not for another order's repeats being moved (a no-key update): the link read is the one
 * its routing left, and two routings, or a routing and a merge, never wait on each other.
 */
export async function originalOf(m: EntityManager, id: string): Promise<string> {
  for (let step = 0; step < 3; step++) {
    const [row] = (await m.query(`SELECT COALESCE(merged_into_id, repeat_of_id) AS root_id FROM work_orders WHERE id = $1 FOR KEY SHARE`, [id])) as { root_id: string | null }[];
    if (!row?.root_id) return id;
    id = row.root_id;
  }
  return id;
}
