/**
 * `mcpforge upgrade --to production` as a Yeoman generator. Thin: it reads the project, plans every
 * change in memory with planUpgrade, and hands the changes to mem-fs, which commits them at once.
 * The CLI does the refusals (not a project, dirty tree), the dry run and the data copy.
 */
import Generator from 'yeoman-generator';
import { planUpgrade, isHandlerPath, type UpgradePlan } from './plan.js';
import { readProjectFiles } from './read-project.js';
import { renderProductionTemplates, type TlsLayout } from './templates.js';

export interface UpgradeGeneratorOptions {
  toolkitRoot: string;
  name: string;
  replicas: number;
  /** `--tls terminate|passthrough`; absent: plain HTTP behind nginx. */
  tls?: TlsLayout;
  force?: boolean;
  /** Set by the generator: the plan it applied. */
  result?: UpgradePlan;
}

export default class UpgradeGenerator extends Generator {
  async writing(): Promise<void> {
    const options = this.options as unknown as UpgradeGeneratorOptions;
    const rendered = await renderProductionTemplates(options.toolkitRoot, { name: options.name, replicas: options.replicas, ...(options.tls ? { tls: options.tls } : {}) });
    const files = readProjectFiles(this.destinationRoot(), rendered.deployment.keys());
    const plan = planUpgrade({ files, ...rendered, force: options.force ?? false });
    for (const change of plan.changes) {
      if (isHandlerPath(change.path)) throw new Error(`upgrade planned a change to handler file ${change.path}; refusing (this is a bug)`);
      this.fs.write(this.destinationPath(change.path), change.content);
    }
    options.result = plan;
  }
}
