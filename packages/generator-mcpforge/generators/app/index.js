// `yo mcpforge`: decides how the project depends on @mcpforge/runtime and mcpforge (registry range
// or vendored tarballs, as `mcpforge new` does), then composes with mcpforge's own app generator,
// which asks its questions and writes the project into the current folder.
import Generator from 'yeoman-generator';
import { appGeneratorPath, newProjectContext } from 'mcpforge/yeoman';

const FORWARDED = ['name', 'example', 'transport', 'layout', 'auth', 'spec', 'yes', 'force'];

export default class extends Generator {
  constructor(args, options) {
    super(args, options);
    for (const name of FORWARDED.filter((n) => n !== 'yes' && n !== 'force')) this.option(name, { type: String, description: `as mcpforge new --${name}` });
    this.option('yes', { type: Boolean, description: 'accept the default for every question' });
    this.option('runtime-source', { type: String, description: 'auto (registry when published, else vendor/), registry or vendor' });
  }

  async initializing() {
    const planContext = await newProjectContext({ runtimeSource: this.options.runtimeSource ?? this.options['runtime-source'] });
    const generatorOptions = { planContext };
    for (const name of FORWARDED) if (this.options[name] !== undefined) generatorOptions[name] = this.options[name];
    await this.composeWith(appGeneratorPath(), { generatorArgs: [], generatorOptions, destinationRoot: this.destinationRoot() });
  }
}
