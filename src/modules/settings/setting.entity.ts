import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A setting changed from its default; absent rows mean the default. */
@Entity({ name: 'settings' })
export class Setting {
  @PrimaryColumn('text') key!: string;
  @Column('jsonb') value!: unknown;
  @Column('text', { name: 'updated_by' }) updatedBy!: string;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
