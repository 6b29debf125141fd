"""NLU pipeline components: each one step of config.yml's ``pipeline``, all with one contract."""
