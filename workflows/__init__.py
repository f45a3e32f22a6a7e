"""A reusable BPMN plugin: SpiffWorkflow bound to Django and Celery.

It deploys versioned process definitions, runs instances against business objects, projects
user tasks into an inbox, dispatches service tasks to registered handlers, fires timers and
journals every input. It knows nothing about any particular business domain.
"""
