/**
 * Element Plus, imported component by component: its package entry keeps every component (its
 * default installer is read at the top level), which would put ~1 MB of unused code in the bundle.
 * Parents install their parts (ElSelect its options, ElTable its columns, ElContainer ElMain...).
 */
export { ElAlert } from 'element-plus/es/components/alert/index.mjs';
export { ElAside, ElContainer, ElHeader, ElMain } from 'element-plus/es/components/container/index.mjs';
export { ElButton } from 'element-plus/es/components/button/index.mjs';
export { ElCard } from 'element-plus/es/components/card/index.mjs';
export { ElCheckbox } from 'element-plus/es/components/checkbox/index.mjs';
export { ElCol } from 'element-plus/es/components/col/index.mjs';
export { ElConfigProvider } from 'element-plus/es/components/config-provider/index.mjs';
export { ElDatePicker } from 'element-plus/es/components/date-picker/index.mjs';
export { ElDescriptions } from 'element-plus/es/components/descriptions/index.mjs';
export { ElDialog } from 'element-plus/es/components/dialog/index.mjs';
export { ElDivider } from 'element-plus/es/components/divider/index.mjs';
export { ElDrawer } from 'element-plus/es/components/drawer/index.mjs';
export { ElDropdown } from 'element-plus/es/components/dropdown/index.mjs';
export { ElEmpty } from 'element-plus/es/components/empty/index.mjs';
export { ElForm } from 'element-plus/es/components/form/index.mjs';
export { ElInput } from 'element-plus/es/components/input/index.mjs';
export { ElInputNumber } from 'element-plus/es/components/input-number/index.mjs';
export { ElMenu } from 'element-plus/es/components/menu/index.mjs';
export { ElProgress } from 'element-plus/es/components/progress/index.mjs';
export { ElRadio } from 'element-plus/es/components/radio/index.mjs';
export { ElRow } from 'element-plus/es/components/row/index.mjs';
export { ElSelect } from 'element-plus/es/components/select/index.mjs';
export { ElStatistic } from 'element-plus/es/components/statistic/index.mjs';
export { ElSwitch } from 'element-plus/es/components/switch/index.mjs';
export { ElTable } from 'element-plus/es/components/table/index.mjs';
export { ElTabs } from 'element-plus/es/components/tabs/index.mjs';
export { ElTag } from 'element-plus/es/components/tag/index.mjs';
export { ElTimeline } from 'element-plus/es/components/timeline/index.mjs';
export { ElTooltip } from 'element-plus/es/components/tooltip/index.mjs';
export { ElLoading } from 'element-plus/es/components/loading/index.mjs';
export { ElMessage } from 'element-plus/es/components/message/index.mjs';
export { ElMessageBox } from 'element-plus/es/components/message-box/index.mjs';

/** Whether the window is phone-sized: the breakpoint of style.css (767 px), for layouts props set rather than CSS. */
export const isPhone = () => window.matchMedia('(max-width: 767px)').matches;
