"""The kinds of long-running task the demo can run, with their i18n keys and status wording."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskKind:
    """How one kind of task names itself and words its progress on each dialect."""

    key: str  # the Cloud `name.key`
    translation: str  # what Data Center puts in `name.translation`
    verb: str  # "Deleted" in "Deleted 120 of 400 pages"
    noun: str  # "pages"
    done: str  # the last message of a successful run
    default_error: str


KINDS: dict[str, TaskKind] = {
    "delete_space": TaskKind(
        key="com.atlassian.confluence.spaces.actions.RemoveSpaceAction.action.name",
        translation="Remove space",
        verb="Deleted",
        noun="pages",
        done="Space removed",
        default_error="The space could not be removed: it is locked by another operation",
    ),
    "copy_page_hierarchy": TaskKind(
        key="com.atlassian.confluence.pages.actions.CopyPageHierarchyAction.action.name",
        translation="Copy page hierarchy",
        verb="Copied",
        noun="pages",
        done="Page hierarchy copied",
        default_error="Could not get the lock on the destination space",
    ),
    "delete_page_tree": TaskKind(
        key="com.atlassian.confluence.pages.actions.RemovePageTreeAction.action.name",
        translation="Delete page tree",
        verb="Trashed",
        noun="pages",
        done="Page tree moved to the trash",
        default_error="A page in the tree could not be trashed",
    ),
    "archive_pages": TaskKind(
        key="com.atlassian.confluence.pages.actions.ArchivePagesAction.action.name",
        translation="Archive pages",
        verb="Archived",
        noun="pages",
        done="Pages archived",
        default_error="An archival job is already running for this site",
    ),
    "import_space": TaskKind(
        key="com.atlassian.confluence.importexport.actions.ImportLongRunningTask.name",
        translation="Import space",
        verb="Imported",
        noun="objects",
        done="Import complete",
        default_error="The import file is not a valid space export",
    ),
    "export_space": TaskKind(
        key="com.atlassian.confluence.importexport.actions.ExportSpaceLongRunningTask.name",
        translation="Export space",
        verb="Exported",
        noun="pages",
        done="Export complete",
        default_error="The export ran out of disk space",
    ),
}

# The Cloud status key a page-copy task reports in its JSON-encoded `status` field.
COPY_STATUS_RUNNING = "STATUS_COPYING_PAGES"
COPY_STATUS_DONE = "STATUS_COPIED_PAGES"
COPY_STATUS_FAILED = "ERROR_LOCK_FAILED"
COPY_STATUS_QUEUED = "INITIALIZING_TASK"
