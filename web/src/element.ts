import type { App } from 'vue';
import * as ui from './ui';

/** Registers the Element Plus components the pages use (see ui.ts). */
const COMPONENTS = [
  ui.ElAlert, ui.ElButton, ui.ElCard, ui.ElCheckbox, ui.ElCol, ui.ElConfigProvider, ui.ElContainer, ui.ElDatePicker, ui.ElDescriptions, ui.ElDialog, ui.ElDivider,
  ui.ElDrawer, ui.ElDropdown, ui.ElEmpty, ui.ElForm, ui.ElInput, ui.ElInputNumber, ui.ElMenu, ui.ElProgress, ui.ElRadio, ui.ElRow, ui.ElSelect,
  ui.ElStatistic, ui.ElSwitch, ui.ElTable, ui.ElTabs, ui.ElTag, ui.ElTimeline, ui.ElTooltip,
];

export function useElement(app: App): void {
  for (const component of COMPONENTS) app.use(component);
  app.use(ui.ElLoading);
}
