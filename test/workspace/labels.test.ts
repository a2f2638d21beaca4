import { SETTING_KEYS } from '../../src/modules/settings/settings.catalogue';
import { UNIT_KINDS } from '../../src/modules/directory/unit.entity';
import { MODEL_ACTIONS } from '../../src/modules/routing/routing-decision.entity';
import { MODEL_ACTION, SETTING, UNIT_KIND } from '../../web/src/labels';

/** The workspace speaks Chinese: a setting, unit kind or model decision the API adds must get its words in web/src/labels.ts, or the page shows the English key. */
describe('the Chinese of the administrator pages', () => {
  test('every setting the API lets an administrator change has a title and a meaning in Chinese, and no other is described', () => {
    expect(Object.keys(SETTING).sort()).toEqual([...SETTING_KEYS].sort());
  });

  test('every kind of unit and every decision about a routing model has its Chinese name', () => {
    expect(Object.keys(UNIT_KIND).sort()).toEqual([...UNIT_KINDS].sort());
    expect(Object.keys(MODEL_ACTION).sort()).toEqual([...MODEL_ACTIONS].sort());
  });
});
