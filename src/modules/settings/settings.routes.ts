import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../plugins/problem';
import type { SettingsService } from './settings.service';

const SettingView = Type.Object({
  key: Type.String(),
  value: Type.Unknown(),
  default: Type.Unknown(),
  description: Type.String(),
  // The catalogue's own schema, so that a client can offer a control that fits the value; any JSON Schema keyword may appear.
  schema: Type.Object({}, { additionalProperties: true, description: 'JSON Schema of the value, the one the server validates a change against' }),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const tags = ['settings'];

export const settingsRoutes: FastifyPluginAsyncTypebox<{ settings: SettingsService }> = async (app, { settings }) => {
  app.get('/api/v1/settings', {
    config: { access: ['admin', 'commander', 'operator'] },
    schema: { tags, summary: 'Every setting with its value, default and who last changed it', response: { 200: Type.Array(SettingView), ...problems(401, 403) } },
    handler: async () => settings.list(),
  });

  app.put('/api/v1/settings/:key', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Change a setting; it applies to every process at once',
      params: Type.Object({ key: Type.String({ maxLength: 100 }) }),
      body: Type.Object({ value: Type.Unknown() }, { additionalProperties: false, required: ['value'] }),
      response: { 200: SettingView, ...problems(400, 401, 403, 404, 422) },
    },
    handler: async (request) => settings.set(request.actor, request.params.key, request.body.value),
  });
};
