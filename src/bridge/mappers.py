"""The default mappings and layout: the old name of `bridge.mapping.defaults`.

Everything here is re-exported from there; new code can import from either.
"""

from bridge.mapping.defaults import (
    CONTACT_REF,
    DEFAULT_KEY,
    appointments_mapping,
    contacts_mapping,
    custom_field,
    default_layout,
    default_mappings,
    full_name_field,
    layout_types,
    notes_mapping,
    task_status_choice,
    tasks_mapping,
)

__all__ = [
    "CONTACT_REF",
    "DEFAULT_KEY",
    "appointments_mapping",
    "contacts_mapping",
    "custom_field",
    "default_layout",
    "default_mappings",
    "full_name_field",
    "layout_types",
    "notes_mapping",
    "task_status_choice",
    "tasks_mapping",
]
