from workflows.exceptions import WorkflowError


class CatalogError(WorkflowError):
    """Base error of the open catalog: a stable code and a Chinese and an English message."""

    code = "catalog_error"


class LevelRefused(CatalogError):
    """An access level change without a known level or a reason."""

    code = "level_refused"


class QueryRefused(CatalogError):
    """A search the catalog cannot answer usefully (a single character, nothing to search)."""

    code = "query_refused"
