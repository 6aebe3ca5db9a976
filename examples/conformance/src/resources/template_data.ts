import { defineResource } from '../generated/registry.js';

export default defineResource('template_data', {
  read: (params) => ({ id: params.id, templateTest: true, data: `Data for ID: ${params.id}` }),
  // completion/complete for the {id} variable.
  complete: { id: (value) => ['1', '2', '3', '123'].filter((id) => id.startsWith(value)) },
});
