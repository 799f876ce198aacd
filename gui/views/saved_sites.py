"""Ties the store and the keyring to the running app: saved sites and tasks, and the dialogs.

Sites that are not in the store (the demo's) are shown and polled but never written anywhere.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer

from gui.confluence.site import Credentials, SiteConfig
from gui.confluence.task import TaskState, TaskStatus
from gui.platform.secrets import Secrets, SecretsError
from gui.platform.store import Store
from gui.platform.store_schema import FinishedTask, Preferences, WatchedTask
from gui.platform.token_reader import ReadOutcome, TokenReader, read_credentials
from gui.polling.alerts import AlertKind
from gui.polling.states import Phase, PollPolicy, SiteEvent, SiteState, TaskEvent, TaskView
from gui.views import formatting
from gui.views.controller import AppController

log = logging.getLogger(__name__)

# What a site without a token shows in the status bar (a reason, not a secret).
MISSING_TOKEN_REASON = "No token is stored for this site: enter it in Settings → Sites (Edit)."  # noqa: S105
# What a site shows while its token is read (a Secret Service may be showing a prompt meanwhile).
READING_TOKEN_REASON = "Reading the token from the keyring…"  # noqa: S105

# How long a site whose token the keyring withheld waits before the keyring is asked again. Long
# enough that a Secret Service showing an unlock prompt on each read does not nag; "Retry sign-in"
# asks at once.
KEYRING_RETRY_MS = 10 * 60 * 1000
# How often a store the disk refused is written again while nothing else saves it (each change,
# and each poll that adds a task, ends one or changes its phase, tries too; a poll that only moves
# percents and messages does not).
SAVE_RETRY_MS = 30 * 1000


class SavedSites(QObject):
    """Loads saved sites and tasks into the app and keeps the store in step with the user."""

    def __init__(
        self,
        controller: AppController,
        store: Store,
        secrets: Secrets,
        policy: PollPolicy | None = None,
        *,
        keyring_retry_ms: int = KEYRING_RETRY_MS,
        save_retry_ms: int = SAVE_RETRY_MS,
    ) -> None:
        super().__init__(controller)
        self._base_policy = policy or PollPolicy()
        self.controller = controller
        self.store = store
        self.secrets = secrets
        a = controller.actions
        a.add_task.triggered.connect(self.add_task)
        # Lambdas, not the bound methods: QAction.triggered passes ``checked``, which would land
        # in the first parameter.
        a.settings.triggered.connect(lambda: self.open_settings())
        a.add_site.triggered.connect(lambda: self.open_settings(add_site=""))
        a.retry_sign_in.triggered.connect(lambda: self.retry_keyring())
        self._keyring_waiting: set[str] = set()  # sites whose token the keyring would not give
        self._without_token: set[str] = set()  # sites with no token stored at all
        self._reading: set[str] = set()  # sites shown as reading their token, not polled yet
        self._reader = TokenReader(secrets, self)
        self._reader.tokenRead.connect(self._token_read)
        self._save_notice = ""  # the notice shown while saves fail, withdrawn once one works
        # Whatever the user did goes on in memory; the store says once when it cannot save.
        store.save_failed = self._tell_save_failed
        store.saved_again = self._tell_saved_again
        self._save_retry = QTimer(self)
        self._save_retry.setInterval(save_retry_ms)
        self._save_retry.timeout.connect(self._retry_save)
        self._keyring_timer = QTimer(self)
        self._keyring_timer.setSingleShot(True)
        self._keyring_timer.setInterval(keyring_retry_ms)
        self._keyring_timer.timeout.connect(self.retry_keyring)
        controller.service.tasksChanged.connect(self._remember_all)
        controller.quitting.connect(self.save_before_quitting)
        controller.quitting.connect(self._stop_reading)
        controller.window.unwatchRequested.connect(self._forget)
        controller.window.finishedCleared.connect(self._forget_all)

    def load(self) -> None:
        """Every saved site, polled once its token is read, and every saved task with its last
        known phase; returns before the keyring answers."""
        if self.store.problem:
            self.controller.window.show_notice(self.store.problem)
        self.apply_preferences(self.store.preferences)
        for site in self.store.sites:
            self._add_site(site.site_id)
        # Before the tasks: a site that discovers its tasks must pass over these from its first
        # pass on (and a task both stopped and watched, which the store never writes, is watched).
        for stopped in self.store.stopped:
            if self.store.site(stopped.site_id) is not None:
                self.controller.service.unwatch(stopped.site_id, stopped.task_id)
        # Finished tasks first: a task watched again after it ended shows its newer state.
        for item in self.store.history:
            if self.store.site(item.site_id) is not None:
                self.controller.restore(finished_view(item))
        for task in self.store.tasks:
            self.controller.restore(watched_view(task))

    def add_task(self) -> None:
        from gui.views.add_task_dialog import AddTaskDialog

        dialog = AddTaskDialog(self.controller.window.sites(), self.controller.window)
        dialog.addSiteRequested.connect(lambda url: self.open_settings(add_site=url))
        dialog.addSiteRequested.connect(
            lambda _url: dialog.set_sites(self.controller.window.sites())
        )
        try:
            accepted = dialog.exec() == AddTaskDialog.DialogCode.Accepted
            chosen = dialog.chosen() if accepted else None
        finally:
            # A child of the window: without this, every opening would stay alive until quit.
            dialog.deleteLater()
        if chosen is None:
            return
        site_id, task_id = chosen
        if self.store.site(site_id) is not None:
            self.store.watch(site_id, task_id)
        self.controller.watch(site_id, task_id)

    def open_settings(self, add_site: str | None = None) -> None:
        """The Settings dialog; with ``add_site`` (an address, maybe empty) only its Add site."""
        from gui.views.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.store, self.secrets, self.controller.window)
        dialog.siteSaved.connect(self._add_site)
        dialog.siteRemoved.connect(self.controller.remove_site)
        dialog.preferencesChanged.connect(self.apply_preferences)
        try:
            if add_site is not None:
                dialog.add_site(add_site)
            else:
                dialog.exec()
        finally:
            dialog.deleteLater()  # with the site dialogs it opened

    def apply_preferences(self, preferences: object) -> None:
        if not isinstance(preferences, Preferences):
            return
        self.controller.service.set_policy(
            replace(
                self._base_policy,
                interval=preferences.poll_interval,
                discovery_interval=preferences.discovery_interval,
            )
        )
        for kind in AlertKind:
            self.controller.alerts.set_enabled(kind, preferences.notifies(kind.value))

    def _add_site(self, site_id: str) -> None:
        """List a saved site (added, edited or loaded) and poll it once its token is read."""
        site = self.store.site(site_id)
        if site is None:
            return
        if self.secrets.in_memory(site_id):
            # Just saved or kept in Settings, or read before: no keyring call, nothing to wait for.
            self._reader.drop(site_id)
            self._apply_credentials(site, read_credentials(self.secrets, site))
            return
        if site_id not in self.controller.service.site_ids():
            # Until the keyring answers (at once, or when its prompt is answered) the site is
            # listed with its tasks, and says what it waits for.
            self.controller.window.set_site(site)
            self.controller.window.site_status.on_site_event(
                SiteEvent(site_id, SiteState.PAUSED, SiteState.IDLE, READING_TOKEN_REASON)
            )
            self._reading.add(site_id)
        self._reader.read(site)

    def _token_read(self, site_id: str, outcome: object) -> None:
        if not (outcome is None or isinstance(outcome, Credentials | SecretsError)):
            log.error("Ignoring a keyring answer of type %s", type(outcome).__name__)
            return
        site = self.store.site(site_id)
        if site is None:  # removed while the keyring was asked
            self._reading.discard(site_id)
            return
        self._apply_credentials(site, outcome)

    def _apply_credentials(self, site: SiteConfig, outcome: ReadOutcome) -> None:
        site_id = site.site_id
        shown_paused = any(
            site_id in sites
            for sites in (self._reading, self._keyring_waiting, self._without_token)
        )
        self._reading.discard(site_id)
        if isinstance(outcome, SecretsError):
            # Polling without the token would only earn a refusal and a misleading "sign in"
            # alert: the site is listed, paused with the keyring's reason, and read again on
            # "Retry sign-in" or when the retry timer fires. Nothing is deleted.
            log.warning("Site %s: no token from the keyring: %s", site_id, outcome)
            self.controller.window.set_site(site)
            self.controller.window.site_status.on_site_event(
                SiteEvent(site_id, SiteState.PAUSED, SiteState.IDLE, str(outcome))
            )
            self._keyring_waiting.add(site_id)
            if not self._keyring_timer.isActive():
                self._keyring_timer.start()
            return
        if outcome is None:
            # No token at all (kept for a session that ended, or lost with an old keyring):
            # asking without one could only earn refusals, or 404s that would call its tasks
            # gone. Listed and paused until Settings gives it a token.
            log.warning("Site %s has no token; not polling it", site_id)
            self.controller.window.set_site(site)
            self.controller.window.site_status.on_site_event(
                SiteEvent(site_id, SiteState.PAUSED, SiteState.IDLE, MISSING_TOKEN_REASON)
            )
            self._without_token.add(site_id)
            return
        if shown_paused:
            self._keyring_waiting.discard(site_id)
            self._without_token.discard(site_id)
            # Until its first answer the site is neither paused nor in trouble any more.
            self.controller.window.site_status.on_site_event(
                SiteEvent(site_id, SiteState.IDLE, SiteState.PAUSED)
            )
        self.controller.add_site(site, outcome)

    def retry_keyring(self) -> None:
        """Read the tokens the keyring refused earlier again (the user may have unlocked it)."""
        self._keyring_timer.stop()
        for site in self.store.sites:
            if site.site_id in self._keyring_waiting and not self._reader.reading(site.site_id):
                self._add_site(site.site_id)

    def reading_tokens(self) -> bool:
        """Whether the keyring is still to answer for a site."""
        return self._reader.busy()

    def _stop_reading(self, *_status: object) -> None:
        """Quitting: the keyring is asked nothing more, and a read held by its prompt is left
        behind rather than waited for."""
        self._keyring_timer.stop()
        self._reader.stop()

    def keyring_retry_pending(self) -> bool:
        """Whether a timed read of the keyring is due for a site still waiting on it."""
        return self._keyring_timer.isActive()

    def _tell_save_failed(self, text: str) -> None:
        self._save_notice = text
        self.controller.window.show_notice(text)
        self._save_retry.start()

    def _tell_saved_again(self) -> None:
        self._save_retry.stop()
        # The notice said the changes were not saved: no longer true, so no longer shown.
        self.controller.window.withdraw_notice(self._save_notice)

    def save_before_quitting(self, *_status: object) -> None:
        """What polls kept in memory (percents, messages) goes to the file; a last refusal is
        logged (the window is gone, no one is left to tell), and no retry follows."""
        if not self.store.flush():
            log.warning("Quitting with changes the disk refused to save")
        self._save_retry.stop()

    def _retry_save(self) -> None:
        if not self.store.unsaved or self.store.save():
            self._save_retry.stop()

    def _remember_all(self, events: object) -> None:
        """Keep the store in step with one site's poll: what each saved task last showed, and
        the tasks that ended, moved to the history."""
        if not isinstance(events, list):
            return
        added: list[WatchedTask] = []
        seen: list[WatchedTask] = []
        finished: list[FinishedTask] = []
        for event in events:
            if not isinstance(event, TaskEvent) or self.store.site(event.task.site_id) is None:
                continue
            view = event.task
            title = formatting.title_text(view)
            summary = formatting.message_text(view)
            percent = view.status.percent if view.status else None
            record = WatchedTask(
                view.site_id,
                view.task_id,
                phase=view.phase.value,
                summary=summary,
                title=title,
                percent=percent,
                discovered=view.discovered,
            )
            if event.previous is None:
                added.append(record)
            seen.append(record)
            if event.phase_changed and view.phase.ended:
                finished.append(
                    FinishedTask(
                        view.site_id,
                        view.task_id,
                        view.phase.value,
                        title=title,
                        summary=summary,
                        finished_at=time.time(),
                        percent=percent,
                        elapsed_ms=view.status.elapsed_ms if view.status else 0,
                        result_url=view.status.result_url if view.status else None,
                    )
                )
        if seen:
            self.store.remember_poll(added, seen, finished)

    def _forget(self, site_id: str, task_id: str) -> None:
        """Stopped by the user: not watched, not in the history, and not found again by
        discovery after a restart."""
        if self.store.site(site_id) is not None:
            self.store.unwatch(site_id, task_id)

    def _forget_all(self, keys: list[tuple[str, str]]) -> None:
        """Cleared by the user: gone from the watched list and the history alike, so a restart
        does not bring them back."""
        saved = [key for key in keys if self.store.site(key[0]) is not None]
        if saved:
            self.store.forget(saved)


def watched_view(task: WatchedTask) -> TaskView:
    """A task watched when the app last ran, as the table shows it until its first answer: the
    title, percent and message it had then (a status rebuilt without the server's fields)."""
    try:
        phase = Phase(task.phase)
    except ValueError:
        phase = Phase.WAITING
    status = None
    if phase is Phase.RUNNING:
        status = TaskStatus(
            task_id=task.task_id,
            state=TaskState.RUNNING,
            percent=task.percent if task.percent is not None else 0,
            elapsed_ms=0,  # not kept; unknown until the site answers
            title=task.title or f"Task {task.task_id}",
            message=task.summary,
        )
    else:
        phase = Phase.WAITING  # an ended phase belongs to the history, not the watched list
    return TaskView(task.site_id, task.task_id, phase, status, discovered=task.discovered)


def finished_view(item: FinishedTask) -> TaskView:
    """A task from the history as the table shows it: its outcome, title, message and percent.

    The status is rebuilt from what the history kept, so it has no raw server fields.
    """
    try:
        phase = Phase(item.outcome)
    except ValueError:
        phase = Phase.FAILED
    if not phase.ended:
        phase = Phase.FAILED
    state = {Phase.SUCCEEDED: TaskState.SUCCEEDED, Phase.FAILED: TaskState.FAILED}.get(
        phase,
        TaskState.RUNNING,  # gone: the last answer it had was a running one
    )
    status = TaskStatus(
        task_id=item.task_id,
        state=state,
        percent=item.percent if item.percent is not None else 0,
        elapsed_ms=item.elapsed_ms,
        title=item.title or f"Task {item.task_id}",
        message=item.summary if phase is not Phase.GONE else "",
        result_url=item.result_url,
    )
    last_error = item.summary if phase is Phase.GONE else ""
    return TaskView(item.site_id, item.task_id, phase, status, last_error=last_error)
