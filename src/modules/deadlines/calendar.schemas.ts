import { Type, type Static } from '@sinclair/typebox';

const DateString = Type.String({ format: 'date', description: 'YYYY-MM-DD in the bureau time zone' });
const DayName = Type.String({ minLength: 1, maxLength: 50, description: 'The festival, as the notice names it (春节)' });

export const CalendarDaySchema = Type.Object({
  date: Type.String(),
  kind: Type.Union([Type.Literal('holiday'), Type.Literal('workday')]),
  name: Type.String(),
  provisional: Type.Boolean({
    description: "Derived from the 《全国年节及纪念日放假办法》 because the year's State Council notice is not entered yet; the notice replaces it",
  }),
});
export type CalendarDayView = Static<typeof CalendarDaySchema>;

/** A year's State Council notice (国务院办公厅关于某年部分节假日安排的通知), as it is written. */
export const YearNoticeSchema = Type.Object(
  {
    holidays: Type.Array(
      Type.Object({ name: DayName, from: DateString, to: DateString }, { additionalProperties: false, description: '放假: from and to included; weekends inside need not be split out' }),
      { minItems: 1, maxItems: 40 },
    ),
    workdays: Type.Array(Type.Object({ name: DayName, date: DateString }, { additionalProperties: false, description: '调休上班: a Saturday or Sunday worked' }), { maxItems: 40 }),
  },
  { additionalProperties: false },
);
export type YearNotice = Static<typeof YearNoticeSchema>;

export const YearNoticeResultSchema = Type.Object({
  year: Type.Integer(),
  holidays: Type.Integer({ description: 'Weekdays off now in the calendar' }),
  workdays: Type.Integer({ description: 'Make-up working days (调休) now in the calendar' }),
  replacedProvisional: Type.Integer({ description: 'Provisional days the notice replaced' }),
  recomputed: Type.Integer({ description: 'Open deadlines that moved' }),
  statutoryDaysWorked: Type.Array(Type.String(), { description: 'Statutory holidays the notice as entered leaves as working days: check the entry' }),
});
export type YearNoticeResult = Static<typeof YearNoticeResultSchema>;

export const CalendarYearStatusSchema = Type.Object({
  year: Type.Integer(),
  state: Type.Union([Type.Literal('notice'), Type.Literal('provisional'), Type.Literal('missing')], {
    description: "notice: the State Council's notice is in the calendar; provisional: statutory holidays derived, no make-up working days; missing: no holidays at all",
  }),
  provisionalDays: Type.Integer({ description: 'Provisional holidays of the year' }),
  nextProvisionalDay: Type.Union([Type.String(), Type.Null()], { description: 'The first provisional holiday from today on' }),
  daysUntilProvisional: Type.Union([Type.Integer(), Type.Null()], { description: 'Calendar days from today to nextProvisionalDay' }),
});
export const CalendarStatusSchema = Type.Object({
  today: Type.String({ description: "The bureau's date" }),
  years: Type.Array(CalendarYearStatusSchema, { description: 'This year and the next' }),
  warnings: Type.Array(Type.String(), { description: 'What an administrator must do; empty when both years have their notice' }),
});
export type CalendarYearStatus = Static<typeof CalendarYearStatusSchema>;
export type CalendarStatus = Static<typeof CalendarStatusSchema>;
