"""The answer pipeline's stages, in order: query (`assistant.query`), retrieve
(`index.retrieve`), evidence, decide, select, shape, render. `Engine.ask` runs them."""
