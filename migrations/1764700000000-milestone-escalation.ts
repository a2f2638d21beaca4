import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Escalation (overdue beyond the policy's threshold → director supervision slip) is work of
 * its own, not a side effect of an urge: each overdue milestone not yet escalated records
 * when it escalates, and the sweep finds those due through a small partial index, so a
 * slip is raised once the urges are used up and after a flushed Redis.
 */
export class MilestoneEscalation1764700000000 implements MigrationInterface {
  name = 'MilestoneEscalation1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE work_order_milestones ADD COLUMN escalate_at timestamptz`);
    await q.query(`CREATE INDEX ix_milestones_escalate_due ON work_order_milestones (escalate_at) WHERE state = 'open' AND escalate_at IS NOT NULL`);
    // The instant needs the calendar and the policy, which SQL does not have: due_at makes the
    // sweep check each such milestone once, and the check writes the real instant.
    await q.query(`UPDATE work_order_milestones SET escalate_at = due_at WHERE state = 'open' AND overdue_at IS NOT NULL AND escalated_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_milestones_escalate_due`);
    await q.query(`ALTER TABLE work_order_milestones DROP COLUMN escalate_at`);
  }
}
