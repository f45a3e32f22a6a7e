"""The construction-archive domain: projects, nodes, catalog, cases, materials, commitments."""
