/**
 * Client profiles at generation time: the runtime's pure transform (one source, compiled into
 * both packages: the runtime serves with it, the CLI lints and reports with it without needing the
 * optional runtime package installed), plus the per-profile report behind
 * `mcpforge check --client <profile>`.
 */
export {
  CLIENT_PROFILE_NAMES,
  CLIENT_PROFILES,
  isClientProfileName,
  prefixedToolName,
  shapeForProfile,
  type ClientProfileName,
  type ShapeChange,
} from '../../../runtime/src/client-profiles/index.js';
export { clientReport, formatClientReport, type ClientReport } from './report.js';
