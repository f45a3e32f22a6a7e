"""The acceptance domain's server-rendered pages, one module per kind of work."""
